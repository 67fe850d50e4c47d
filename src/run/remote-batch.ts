import {batchNonce, batchScript, SNIPPET_BUDGET, splitBatchOutput} from '../checks/probes/batch-script.js'
import {runnerFor} from '../checks/probes/registry.js'
import type {Observation} from '../model/probes.js'
import {openGuest} from '../io/guests/guests.js'
import type {ExecFailure, ExecResult, Guest, Shell} from '../model/ports.js'
import type {CheckSpec, Judgement, Vantage} from '../model/check-spec.js'

/** Time a remote call may take beyond the probes' own timeout: pct's start-up and the SSH hop. */
const REMOTE_SLACK_MS = 3000

/** What one batch observed: an observation per spec, and the state of the CT it ran in. */
export interface BatchOutcome {
  observations: Observation[]
  /** For a CT vantage: whether `pct exec` got in (pass), the CT was stopped (fail), or it was blind (unknown). */
  gate?: Judgement
  durationMs: number
}

/**
 * Runs every spec of one vantage as a single remote script: one `pct exec` per CT, or one
 * SSH exec on the host. A failed call becomes observations (unavailable), never an exception.
 */
export async function runRemoteBatch(specs: readonly CheckSpec[], vantage: Vantage, shell: Shell, timeoutMs: number, signal: AbortSignal): Promise<BatchOutcome> {
  const perSpec = specs.map((s) => {
    const runner = runnerFor(s.probe)
    if (!runner.snippet) throw new Error(`probe kind ${s.probe.kind} cannot run remotely`)
    return runner.snippet(s.probe, timeoutMs)
  })
  // Identical snippets run once: the gateway layer of every service reads the same `nginx -T`.
  const snippets = [...new Set(perSpec)]
  const slot = perSpec.map((snippet) => snippets.indexOf(snippet))
  // A fresh nonce per batch: its markers are the only ones the parsers believe (a body cannot forge them).
  const nonce = batchNonce()
  const script = batchScript(snippets, nonce)
  // The script goes on stdin, not argv: it may carry an API key, and argv shows in `ps`.
  const guest = vantage.at === 'guest' ? openGuest(vantage.guest, shell) : undefined
  const options = {timeoutMs: timeoutMs + REMOTE_SLACK_MS, signal, maxOutput: snippets.length * SNIPPET_BUDGET}
  const result = guest ? await guest.exec(script, options) : await shell.exec(['sh', '-s'], {...options, stdin: script})
  const where = guest ? guest.words.label : `the Proxmox host (${shell.description})`
  if (!result.ok) {
    const outcome = blind(specs, `${where}: ${result.message}`, result.reason === 'timeout' ? 'deadline' : 'vantage_unreachable', result.durationMs)
    return {...outcome, gate: {...outcome.gate!, ...transportHints(result.reason)}}
  }
  const {lines, complete} = splitBatchOutput(result.stdout, snippets.length, nonce)
  if (!complete) {
    if (guest) return gateFailure(specs, guest, result, signal)
    return blind(specs, `${where}: the check script did not run (exit ${result.code}): ${firstLine(result.stderr || result.stdout)}`, 'exec_failed', result.durationMs)
  }
  // Parsed once per snippet and probe: the shared `nginx -T` is tokenized, tabled and audited once
  // per run, not once per service. The same text need not mean the same probe (every service's
  // `ss` snippet is one text, read for its own port), so the probe is part of the key.
  const parsed = new Map<string, Observation>()
  const observations = specs.map((spec, k) => {
    const key = `${slot[k]}\n${JSON.stringify(spec.probe)}`
    const known = parsed.get(key)
    if (known) return known
    const parse = runnerFor(spec.probe).parse
    const obs = parse ? parse(lines[slot[k]!]!, spec.probe) : unavailable('exec_failed', `no parser for ${spec.probe.kind}`)
    parsed.set(key, obs)
    return obs
  })
  const gate: Judgement | undefined =
    guest ? {status: 'pass', summary: `${guest.words.label} is running; ${guest.words.exec} answered in ${result.durationMs} ms`} : undefined
  return {observations, ...(gate ? {gate} : {}), durationMs: result.durationMs}
}

/** The guest's exec did not get in: ask its state whether it is stopped (`pct status`), or we are just blind. */
async function gateFailure(specs: readonly CheckSpec[], guest: Guest, exec: Extract<ExecResult, {ok: true}>, signal: AbortSignal): Promise<BatchOutcome> {
  const obs = await guest.state({timeoutMs: REMOTE_SLACK_MS * 2, signal})
  const said = firstLine(exec.stderr || exec.stdout) || `exit ${exec.code}`
  const {label, exec: enter, status} = guest.words
  const id = guest.ref.id
  // A running VM can still be blind (its agent, qm's timeout): its own finding, evidence and follow-up.
  const gate: Judgement = obs.kind === 'ct-status' && obs.state !== 'running'
    ? {status: 'fail', summary: `${label} is ${obs.state} (${status})`, finding: guest.words.stopped, evidence: [`${enter} ${id}: ${said}`, `${status} ${id}: status: ${obs.state}`]}
    : obs.kind === 'ct-status' && obs.blind
      ? {status: 'unknown', summary: obs.blind.summary, finding: obs.blind.finding, evidence: obs.blind.evidence, ...(obs.blind.hints ? {hints: obs.blind.hints} : {})}
      : {status: 'unknown', summary: `${enter} ${id} failed: ${said}`, finding: 'vantage_unreachable', evidence: [`${enter} ${id}: ${said}`]}
  return {observations: specs.map(() => obs), gate, durationMs: exec.durationMs}
}

/**
 * What to do when the way to the host itself failed; the message already names the target. pct
 * missing here ('spawn') has no hint of its own: the vantage_unreachable cause's says it (src/verdict/hints.ts).
 */
function transportHints(reason: ExecFailure): Pick<Judgement, 'hints'> {
  switch (reason) {
    case 'host_key':
      return {hints: [{text: 'Compare the fingerprint in the evidence with the host\'s own (run on the Proxmox host), then run phoenix again with --accept-new-host-key; a changed key is never accepted: remove the old line from known_hosts only if the host was really reinstalled', command: 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub'}]}
    case 'auth':
      return {hints: [{text: 'Set proxmox.identityFile to a readable key without a passphrase, or load the key into ssh-agent ($SSH_AUTH_SOCK)'}]}
    default:
      return {}
  }
}

function blind(specs: readonly CheckSpec[], message: string, reason: 'deadline' | 'vantage_unreachable' | 'exec_failed', durationMs: number): BatchOutcome {
  const gate: Judgement = {status: 'unknown', summary: message, finding: reason === 'deadline' ? 'deadline' : 'vantage_unreachable'}
  return {observations: specs.map(() => unavailable(reason, message)), gate, durationMs}
}

function unavailable(reason: 'deadline' | 'vantage_unreachable' | 'exec_failed', message: string): Observation {
  return {kind: 'unavailable', reason, message}
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? ''
}
