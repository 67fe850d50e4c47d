import type {ExecFailure, ExecOptions, Guest, GuestState, GuestTransport, GuestWords, Shell} from '../../model/ports.js'
import {parseQmExec, parseQmStatus, QM_STDIN_LIMIT, qmExecArgv, qmTimeoutSeconds, vmGate} from './qm-output.js'
import type {VmGate} from './qm-output.js'

/**
 * A VM as a guest: its layer's script runs through the QEMU guest agent, `qm guest exec VMID
 * --pass-stdin 1 -- sh -s`, one call per VM per layer as `pct exec` is one per CT. qm runs on the
 * Proxmox host through the run's Shell (locally or over SSH), so it gets PATH, LANG and TERM only
 * and is killed at the deadline or on a signal; the script travels on stdin, never in argv. qm
 * itself forwards no environment: the script runs with the agent's.
 */

/** What entering the VM came to: the script's own exit and output, or why nothing inside was seen. */
export type VmExec =
  | {ok: true; code: number; stdout: string; stderr: string; durationMs: number}
  | {
      ok: false
      /** vm_stopped, agent_not_enabled, agent_not_responding; timed_out (qm's --timeout); unreachable (qm itself failed). */
      gate: VmGate | 'timed_out'
      /** Set when the call to the host itself failed (SSH, the deadline, qm not there). */
      reason?: ExecFailure
      message: string
      evidence: string[]
      /** The script's pid in the VM when qm gave up waiting for it. */
      pid?: number
      durationMs: number
    }

/**
 * Beyond qm's own --timeout: Perl's start, a 3 s guest-ping before each status poll at worst, the
 * last poll's second, the SSH hop. The script's probes are bounded by their own timeouts.
 */
const QM_SLACK_MS = 6000
/** qm status and qm config, asked only when the exec was refused (to say why). */
const ASK_MS = 10_000

export interface VmExecOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** Bytes of the script's stdout kept, as for a CT. */
  maxOutput: number
}

/** Runs a layer's script in VM `vmid`; never rejects. */
export async function execInVm(shell: Shell, vmid: number, script: string, o: VmExecOptions): Promise<VmExec> {
  const started = performance.now()
  const took = () => Math.round(performance.now() - started)
  if (Buffer.byteLength(script) > QM_STDIN_LIMIT) {
    return {ok: false, gate: 'unreachable', message: `the check script for VM ${vmid} is over qm's 1 MiB stdin limit`, evidence: [], durationMs: 0}
  }
  // JSON escapes the output (a newline is two characters): room for that, then the decoded output is capped.
  const r = await shell.exec(qmExecArgv(vmid, o.timeoutMs), {timeoutMs: qmTimeoutSeconds(o.timeoutMs) * 1000 + QM_SLACK_MS, ...(o.signal ? {signal: o.signal} : {}), stdin: script, maxOutput: o.maxOutput * 2 + 64 * 1024})
  if (!r.ok) return {ok: false, gate: 'unreachable', reason: r.reason, message: r.message, evidence: [], durationMs: r.durationMs}
  const read = parseQmExec(r.code, r.stdout, r.stderr, o.maxOutput)
  if (read.kind === 'exited') return {ok: true, code: read.exitcode, stdout: read.stdout, stderr: read.stderr, durationMs: r.durationMs}
  if (read.kind === 'timed_out') {
    const seconds = qmTimeoutSeconds(o.timeoutMs)
    return {ok: false, gate: 'timed_out', pid: read.pid, message: `the check script was still running in VM ${vmid} at qm's --timeout of ${seconds} s`, evidence: [`qm guest exec ${vmid}: timeout reached, returning pid ${read.pid}`], durationMs: took()}
  }
  // Refused: qm status and qm config say whether the VM is stopped or its agent not enabled.
  const ask = (what: string) => shell.exec(['qm', what, String(vmid)], {timeoutMs: ASK_MS, ...(o.signal ? {signal: o.signal} : {})}).then((x) => (x.ok && x.code === 0 ? x.stdout : undefined))
  const [status, config] = await Promise.all([ask('status'), ask('config')])
  const agent = config === undefined ? undefined : /^agent:\s*(.*)$/m.exec(config)?.[1] ?? '(not set)'
  return {
    ok: false,
    gate: vmGate(read.message, status, config),
    message: read.message,
    evidence: [
      `qm guest exec ${vmid}: ${read.message}`,
      ...(status === undefined ? [] : [`qm status ${vmid}: status: ${parseQmStatus(status) ?? '?'}`]),
      ...(agent === undefined ? [] : [`qm config ${vmid}: agent: ${agent}`]),
    ],
    durationMs: took(),
  }
}

/** The VM transport: `qm guest exec` in, `qm status` (and why the agent could not be used) for its state. */
export const qm: GuestTransport = {
  words: qmWords,
  open: (host, id) => qmGuest(host, id),
}

function qmWords(vmid: number): GuestWords {
  return {
    id: vmid, label: `VM ${vmid}`, gate: 'vm', exec: 'qm guest exec', status: 'qm status', start: 'qm start', config: 'qm config',
    run: `qm guest exec ${vmid} --`, unit: `${vmid}.scope`, stopped: 'vm_stopped',
  }
}

/** Output kept when the caller names no bound (a CT's default, local-shell.ts). */
const DEFAULT_OUTPUT = 1024 * 1024

/**
 * A VM as a Guest. An exec the VM refused is reported as a command that did not get in (exit 255,
 * qm's message), as pct's is; `state` then says why from what that exec learned (stopped, the
 * agent, qm's timeout) instead of asking again.
 */
function qmGuest(host: Shell, vmid: number): Guest {
  let refused: Extract<VmExec, {ok: false}> | undefined
  return {
    ref: {kind: 'vm', id: vmid},
    words: qmWords(vmid),
    exec: async (script, options) => {
      const r = await execInVm(host, vmid, script, {timeoutMs: options.timeoutMs, ...(options.signal ? {signal: options.signal} : {}), maxOutput: options.maxOutput ?? DEFAULT_OUTPUT})
      if (r.ok) return r
      if (r.reason) return {ok: false, reason: r.reason, message: r.message, durationMs: r.durationMs}
      refused = r
      return {ok: true, code: 255, stdout: '', stderr: r.message, durationMs: r.durationMs}
    },
    state: async (options: Omit<ExecOptions, 'stdin'>): Promise<GuestState> => {
      if (refused) return stateOf(vmid, refused)
      const result = await host.exec(['qm', 'status', String(vmid)], options)
      if (!result.ok) return {kind: 'unavailable', reason: 'vantage_unreachable', message: result.message}
      const state = parseQmStatus(result.stdout)
      return state ? {kind: 'ct-status', state} : {kind: 'unavailable', reason: 'exec_failed', message: `qm status exited ${result.code}: ${result.stdout.trim().slice(0, 200)}`}
    },
  }
}

/** What a refused exec says about the VM: stopped, running but blind (and why), or nothing known. */
function stateOf(vmid: number, r: Extract<VmExec, {ok: false}>): GuestState {
  switch (r.gate) {
    case 'vm_stopped':
      return {kind: 'ct-status', state: 'stopped'}
    case 'agent_not_enabled':
      return {kind: 'ct-status', state: 'running', blind: {finding: 'agent_not_enabled', summary: `VM ${vmid} runs, but its config does not enable the QEMU guest agent: nothing inside can be seen`, evidence: r.evidence}}
    case 'agent_not_responding':
      return {kind: 'ct-status', state: 'running', blind: {finding: 'agent_not_responding', summary: `VM ${vmid} runs, but its QEMU guest agent does not answer: nothing inside can be seen`, evidence: r.evidence}}
    case 'timed_out':
      return {
        kind: 'ct-status', state: 'running',
        blind: {finding: 'exec_timed_out', summary: r.message, evidence: r.evidence, ...(r.pid === undefined ? {} : {hints: [{text: 'See whether the check script still runs in the VM (and what it printed so far)', command: `qm guest exec-status ${vmid} ${r.pid}`}]})},
      }
    default:
      return {kind: 'unavailable', reason: 'vantage_unreachable', message: r.message}
  }
}
