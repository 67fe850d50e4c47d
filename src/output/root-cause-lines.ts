import type {Report} from '../model/report.js'
import type {Style} from './style.js'

/**
 * The faults that explain several services, said once above the per-service lines: the cause,
 * the services it explains, and its first command. Empty when no fault explains more than one.
 */
export function rootCauseLines(report: Report, st: Style): string[] {
  const lines = (report.rootCauses ?? []).flatMap((rc) => {
    const command = rc.hints.find((h) => h.command)?.command
    // A cluster's fault (quorum lost) is said even when it explains no service's verdict.
    const of = rc.services.length ? `${st.c.bold(`root cause of ${rc.services.length} services`)} (${rc.services.join(', ')})` : st.c.bold(rc.scope)
    const head = `${st.icon('fail')} ${of}: ${rc.summary} [${rc.layer ?? '-'}/${rc.cause}]`
    return command ? [head, `  ${st.c.cyan(`→ ${command}`)}`] : [head]
  })
  return lines.length ? [...lines, ''] : []
}
