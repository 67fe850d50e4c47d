import {guestOfIds, guestWords} from '../io/guests/guests.js'
import type {Report, ServiceReport} from '../model/report.js'
import {clusterLines, placedLabel} from './cluster-lines.js'
import {rootCauseLines} from './root-cause-lines.js'
import {duration, makeStyle} from './style.js'
import type {Style} from './style.js'

/** `phoenix check`: one line per service, and for a problem its cause and first command. Terse. */
export function formatCheck(report: Report, colour: boolean): string {
  const st = makeStyle(colour)
  const width = Math.max(8, ...report.services.map((s) => s.name.length))
  // One fault behind several verdicts comes first, once; each service still has its own line.
  const lines = [...clusterLines(report, st), ...rootCauseLines(report, st), ...report.services.flatMap((s) => serviceLines(s, width, st))]
  lines.push('', totals(report, st))
  return lines.join('\n')
}

function serviceLines(s: ServiceReport, width: number, st: Style): string[] {
  const head = `${st.icon(s.status)} ${s.name.padEnd(width)} ${st.status(s.status)} ${placedLabel(guestWords(guestOfIds(s)).label, s).padEnd(8)}`
  if (s.verdict.layer === null && s.status === 'pass') return [`${head} ${st.c.gray('healthy')}`]
  const first = s.verdict.hints.find((h) => h.command)
  const lines = [`${head} ${st.c.bold(`${s.verdict.layer ?? '-'}/${s.verdict.cause}`)}  ${firstFailure(s)}`]
  if (first?.command) lines.push(`${' '.repeat(width + 3)}${st.c.cyan(`→ ${first.command}`)}`)
  return lines
}

/**
 * The summary of the check that explains the verdict, for the one-line view. A layer phoenix could
 * not see is explained by its gate (`service.ct`, `host.ssh`: host key changed, auth failed, pct
 * missing), not by a check that only says it was not observed.
 */
function firstFailure(s: ServiceReport): string {
  const layer = s.layers.find((l) => l.layer === s.verdict.layer)
  const gate = (id: string) => id.endsWith('.ct') || id.endsWith('.ssh')
  const check =
    layer?.status === 'unknown'
      ? (layer.checks.find((c) => c.status === 'unknown' && gate(c.id)) ?? layer.checks.find((c) => c.status === 'unknown' && !c.summary.startsWith('not observed')))
      : layer?.checks.find((c) => c.status === layer.status && !gate(c.id))
  return (check ?? layer?.checks.find((c) => c.status === layer.status))?.summary ?? s.verdict.summary
}

function totals(report: Report, st: Style): string {
  const count = (status: string) => report.services.filter((s) => s.status === status).length
  const parts = [
    `${count('pass')} ok`,
    count('warn') ? st.c.yellow(`${count('warn')} warning`) : '',
    count('fail') ? st.c.red(`${count('fail')} critical`) : '',
    count('unknown') ? st.c.magenta(`${count('unknown')} unknown`) : '',
  ].filter(Boolean)
  return `${report.services.length} service${report.services.length === 1 ? '' : 's'}: ${parts.join(', ')} (${duration(report.durationMs)}; layers ${report.layers.join(', ')})`
}
