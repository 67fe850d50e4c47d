import type {Report, ServiceReport} from '../model/report.js'
import {duration} from './style.js'

/**
 * What changed from one run to the next, one line a service that changed (a layer's status, the
 * verdict) and one a root cause that came or went, stamped with the run's time: for `--wait`,
 * which shows only these while it reruns. Empty when nothing changed.
 */
export function reportChanges(previous: Report, next: Report): string[] {
  const stamp = next.startedAt.slice(11, 19)
  const before = new Map(previous.services.map((s) => [s.name, s]))
  const lines = next.services.flatMap((s) => {
    const changed = serviceChanges(before.get(s.name), s)
    return changed.length ? [`${stamp} ${s.name}: ${changed.join('; ')}`] : []
  })
  const key = (r: Report) => new Map((r.rootCauses ?? []).map((rc) => [`${rc.cause} ${rc.scope}`, rc]))
  const [was, now] = [key(previous), key(next)]
  for (const [k, rc] of now) if (!was.has(k)) lines.push(`${stamp} root cause: ${rc.summary} [${rc.layer ?? '-'}/${rc.cause}]`)
  for (const [k, rc] of was) if (!now.has(k)) lines.push(`${stamp} root cause gone: ${rc.summary}`)
  return lines
}

function serviceChanges(before: ServiceReport | undefined, after: ServiceReport): string[] {
  const layers = after.layers.flatMap((l) => {
    const was = before?.layers.find((b) => b.layer === l.layer)?.status
    return was !== l.status ? [`${l.layer} ${was ?? 'new'} → ${l.status}`] : []
  })
  const verdict = (s: ServiceReport) => (s.verdict.cause === 'healthy' ? 'healthy' : `${s.verdict.layer ?? '-'}/${s.verdict.cause}`)
  const v = before && verdict(before) === verdict(after) ? [] : [`verdict ${before ? verdict(before) : 'new'} → ${verdict(after)}`]
  return [...(layers.length ? [layers.join(', ')] : []), ...v]
}

/** The line under the first report of a wait. */
export function waitBanner(waitMs: number): string {
  return `rerunning until healthy, for up to ${duration(waitMs)} (Ctrl-C stops); only changes are shown:`
}

/** The last line of a wait: how it ended, after how many runs and how long. */
export function waitSummary(last: Report, runs: number, elapsedMs: number, settled: boolean): string {
  const count = (status: string) => last.services.filter((s) => s.status === status).length
  const left = [['fail', 'critical'], ['unknown', 'unknown'], ['warn', 'warning']].flatMap(([s, word]) => (count(s!) ? [`${count(s!)} ${word}`] : []))
  const after = `after ${runs} run${runs === 1 ? '' : 's'} (${duration(elapsedMs)})`
  if (settled) return left.length ? `settled ${after}: ${left.join(', ')}` : `healthy ${after}`
  return `still not healthy ${after}: ${left.join(', ')}`
}
