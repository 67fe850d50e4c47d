import {guestOfIds, guestWords} from '../io/guests/guests.js'
import type {RoutesReport} from '../run/gateway-routes.js'
import {makeStyle} from './style.js'

/** `phoenix gateway routes`: one line per location, with the service it serves and whether it matches. */
export function formatRoutes(report: RoutesReport, colour: boolean): string {
  const st = makeStyle(colour)
  const head = [st.c.gray(`gateway ${guestWords(guestOfIds(report.gateway)).label} ${report.gateway.url}`)]
  if (report.unread) head.push(st.c.magenta(report.unread))
  else if (!report.test.ok) {
    head.push(st.c.red('nginx -t fails:'), ...report.test.messages.map((m) => `  [${m.level}] ${'file' in m && m.file ? `${m.file}:${m.line}: ` : ''}${m.text}`))
  }
  const rows = report.routes.map(({route, service, match}) => [
    `${route.server.serverNames.filter(Boolean).join(' ') || '_'}:${route.server.listens.map((l) => `${l.port}${l.ssl ? 's' : ''}`).join(',')}`,
    `${route.location.modifier ? `${route.location.modifier} ` : ''}${route.location.path}`,
    route.proxyPass ? upstreamCell(route.proxyPass) : route.returns ? `return ${route.returns.status}` : '-',
    route.proxyPass?.servers.map((x) => `${x.address}:${x.port}`).join(' ') ?? '-',
    route.websocket ? 'ws' : '',
    service ?? '-',
    match ? (match.status === 'pass' ? st.c.green('ok') : st.c.yellow(match.finding ?? match.status)) : '',
    `${route.location.file}:${route.location.line}`,
  ])
  const header = ['SERVER', 'LOCATION', 'UPSTREAM', 'SERVERS', 'WS', 'SERVICE', 'MATCH', 'WHERE']
  const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '')
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)))
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(widths[i]! - plain(c).length)).join('  ').trimEnd()
  const problems = [
    ...report.routes.filter((r) => r.match && r.match.status !== 'pass').map((r) => `${r.service}: ${r.match!.summary}`),
    ...report.unrouted.map((u) => `${u.service}: ${u.summary}`),
  ]
  return [...head, '', st.c.bold(line(header)), ...rows.map(line), ...(problems.length ? ['', ...problems.map((p) => st.c.yellow(`! ${p}`))] : [])].join('\n')
}

/** The upstream block, or the URL; a variable target says so and how many values it can take. */
function upstreamCell(pass: NonNullable<RoutesReport['routes'][number]['route']['proxyPass']>): string {
  const candidates = pass.dynamic?.candidates.length
  if (candidates) return `${pass.url} (dynamic: ${candidates} value${candidates === 1 ? '' : 's'})`
  return pass.upstream ?? pass.url
}
