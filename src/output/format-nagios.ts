import {guestOfIds, guestWords} from '../io/guests/guests.js'
import type {Report, ServiceReport} from '../model/report.js'
import {EXIT, exitCodeFor} from '../model/status.js'
import type {Status} from '../model/status.js'
import type {Formatter, RenderContext} from './formats.js'

const STATE: Record<number, string> = {0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN'}
const WORD: Record<Status, string> = {pass: 'ok', skip: 'ok', warn: 'warning', fail: 'critical', unknown: 'unknown'}

/**
 * The Nagios plugin guidelines' output: one status line `PHOENIX STATE - summary | perfdata`, then
 * one line a service. Exit codes are 0-3 only: anything else (an interrupt, a usage error, a bug)
 * is UNKNOWN, which Nagios Core and Icinga show as it is instead of "out of bounds".
 */
const nagios: Formatter = {
  render: (report, context) => [`PHOENIX ${STATE[exitCodeFor(report.status)]} - ${summary(report)} | ${perfdata(report, context)}`, ...rootCauses(report), ...report.services.map(detail)].join('\n'),
  exitCode: (report, interrupted) => (interrupted === undefined ? exitCodeFor(report.status) : EXIT.unknown),
  error: (message) => ({stdout: `PHOENIX UNKNOWN - ${plain(message)}`, exitCode: EXIT.unknown}),
}
export default nagios

/** `1 of 8 services critical: n8n client/websocket_not_proxied`, naming the services in the run's worst status. */
function summary(report: Report): string {
  const total = report.services.length
  const worst = report.services.filter((s) => s.status === report.status)
  if (report.status === 'pass' || report.status === 'skip' || !worst.length) return `${total} of ${total} service${total === 1 ? '' : 's'} ok`
  const named = worst.map((s) => `${s.name} ${s.verdict.layer ?? '-'}/${s.verdict.cause}`).join(', ')
  // A fault behind several verdicts is said first: what to fix, then what it broke.
  const roots = (report.rootCauses ?? []).map((rc) => `root cause ${rc.layer ?? '-'}/${rc.cause} (${rc.scope}) of ${rc.services.length} services; `).join('')
  return plain(`${roots}${worst.length} of ${total} service${total === 1 ? '' : 's'} ${WORD[report.status]}: ${named}`)
}

/**
 * Each service's time (its slowest check) with the thresholds phoenix judges it by: warn at the
 * inventory's slowMs (a slower answer is a warning), crit and max at the per-probe timeout (a probe
 * that takes it has failed). Then the counts by status: any warning or critical service is one
 * (range `0`: alert above 0), so a graph's threshold lines match the status line.
 */
function perfdata(report: Report, {timeoutMs, slowMs}: RenderContext): string {
  const total = report.services.length
  const times = report.services.map((s) => `${label(`${s.name}_time`)}=${seconds(slowest(s))}s;${seconds(slowMs)};${seconds(timeoutMs)};0;${seconds(timeoutMs)}`)
  const thresholds: Record<string, string> = {ok: ';', warning: '0;', critical: ';0', unknown: ';'}
  const counts = (['ok', 'warning', 'critical', 'unknown'] as const).map((word) => {
    const n = report.services.filter((s) => WORD[s.status] === word).length
    return `${word}=${n};${thresholds[word]};0;${total}`
  })
  return [...times, ...counts, `time=${seconds(report.durationMs)}s;;;0`].join(' ')
}

function rootCauses(report: Report): string[] {
  return (report.rootCauses ?? []).map((rc) => plain(`ROOT CAUSE: ${rc.summary} [${rc.layer ?? '-'}/${rc.cause}] - explains ${rc.services.join(', ')}`))
}

function detail(s: ServiceReport): string {
  const state = STATE[exitCodeFor(s.status)]
  if (s.verdict.cause === 'healthy' && s.status === 'pass') return `${state}: ${s.name} (${guestWords(guestOfIds(s)).label}) healthy`
  return plain(`${state}: ${s.name} (${guestWords(guestOfIds(s)).label}) ${s.verdict.layer ?? '-'}/${s.verdict.cause} - ${s.verdict.summary}`)
}

function slowest(s: ServiceReport): number {
  return Math.max(0, ...s.layers.flatMap((l) => l.checks.filter((c) => c.status !== 'skip').map((c) => c.durationMs)))
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000)
}

/** A perfdata label: quoted when it holds a space; a quote or `=` in it would end it early. */
function label(text: string): string {
  const clean = text.replace(/['=]/g, '_')
  return /\s/.test(clean) ? `'${clean}'` : clean
}

/** Text for a Nagios line: `|` starts perfdata, so none may appear before it; one line only. */
function plain(text: string): string {
  return text.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ')
}
