import type {Finding} from '../model/findings.js'
import {guestWords} from '../io/guests/guests.js'
import type {Observation} from '../model/probes.js'
import type {CheckResult, Hint, LayerResult} from '../model/report.js'
import type {Judgement} from '../model/check-spec.js'
import type {Observations} from '../model/observed.js'
import {LAYERS, worstStatus} from '../model/status.js'
import type {Layer} from '../model/status.js'

/** A check result with the cause it points to (kept out of the JSON's check objects). */
export interface JudgedCheck extends CheckResult {
  finding?: Finding
  evidence?: string[]
  hints?: Hint[]
  via?: string
}

/** What a probe that could not run says: a blind spot (unknown), never a fault. */
function judgeUnavailable(obs: Extract<Observation, {kind: 'unavailable'}>): Judgement {
  if (obs.reason === 'missing_tool') return {status: 'unknown', summary: `cannot check: ${obs.message}`, finding: 'tool_missing'}
  if (obs.reason === 'deadline') return {status: 'unknown', summary: obs.message, finding: 'deadline'}
  return {status: 'unknown', summary: obs.message, finding: 'vantage_unreachable'}
}

/** Judges every observation of one service, applies the gates and `needs`, and groups by layer. */
export function judgeService(service: string, observations: Observations, layers: readonly Layer[]): LayerResult[] {
  const checks: JudgedCheck[] = []
  for (const gate of observations.gates.filter((g) => g.service === service)) {
    checks.push(toCheck(gate.id, gate.judgement, gate.durationMs))
  }
  const byId = new Map(checks.map((c) => [c.id, c]))
  const seen = new Map<string, Observation>()
  for (const {spec, obs, durationMs} of observations.observed.filter((o) => o.spec.service === service)) {
    const gate = byId.get(spec.vantage.at === 'guest' ? `${spec.layer}.${guestWords(spec.vantage.guest).gate}` : '') ?? byId.get(spec.layer === 'host' ? 'host.ssh' : '')
    const blocker = gate && gate.status !== 'pass' ? gate : spec.needs?.map((id) => byId.get(id)).find(blocks)
    const judged = blocker
      ? skipped(blocker)
      : obs.kind === 'unavailable' ? judgeUnavailable(obs) : spec.judge(obs, seen)
    seen.set(spec.id, obs)
    const check = toCheck(spec.id, judged, durationMs, obs)
    checks.push(check)
    byId.set(check.id, check)
  }
  // A layer with no checks (no route: no client layer; the gateway has no gateway layer) is left out.
  return LAYERS.filter((l) => layers.includes(l)).flatMap((layer) => {
    const own = checks.filter((c) => c.id.startsWith(`${layer}.`)).sort(byGateFirst)
    return own.length ? [{layer, status: worstStatus(own.map((c) => c.status)), checks: own}] : []
  })
}

/**
 * Whether a prerequisite stops the checks that need it. A warning does not (a slow or loopback-bound
 * service can still be asked inside its CT), except a service still starting: asking it is moot.
 */
function blocks(check: JudgedCheck | undefined): boolean {
  if (!check) return false
  if (check.finding === 'service_starting') return true
  return check.status !== 'pass' && check.status !== 'warn'
}

/** A check whose prerequisite did not pass: skip, naming it; unknown when the prerequisite was blind. */
function skipped(blocker: JudgedCheck): Judgement {
  if (blocker.status === 'unknown') return {status: 'unknown', summary: `not observed: ${blocker.id} is unknown`}
  // A hop the firewall blocks by design: what needs it is blocked by the same line.
  if (blocker.status === 'skip' && blocker.summary.startsWith('blocked by design: ')) return {status: 'skip', summary: blocker.summary}
  return {status: 'skip', summary: `skipped: needs ${blocker.id} (${blocker.status})`}
}

function toCheck(id: string, j: Judgement, durationMs: number, observed?: Observation): JudgedCheck {
  return {
    id,
    status: j.status,
    summary: j.summary,
    durationMs,
    ...(observed ? {observed} : {}),
    ...(j.finding ? {finding: j.finding} : {}),
    ...(j.evidence?.length ? {evidence: j.evidence} : {}),
    ...(j.hints?.length ? {hints: j.hints} : {}),
    ...(j.via ? {via: j.via} : {}),
  }
}

/** The gate (`.ct`, `.vm`, `.ssh`) first, so a reader sees "could we get in" before what we saw inside. */
function byGateFirst(a: CheckResult, b: CheckResult): number {
  const gate = (c: CheckResult) => (c.id.endsWith('.ct') || c.id.endsWith('.vm') || c.id.endsWith('.ssh') ? 0 : 1)
  return gate(a) - gate(b)
}
