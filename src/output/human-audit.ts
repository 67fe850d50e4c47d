import type {AuditReport} from '../run/gateway-audit.js'
import {nginxTestThen} from '../checks/hint-words.js'
import {whereIs} from '../checks/services/nginx-posture.js'
import {guestOfIds, guestWords} from '../io/guests/guests.js'
import type {Inventory} from '../model/inventory.js'
import {makeStyle} from './style.js'

/**
 * `phoenix audit`: each missing practice with where it is and the exact fix; a last line to sum up,
 * with the command that tests the gateway's own config and reloads its own unit (gateway.nginxConf,
 * gateway.unit), as the hints of `check` say it.
 */
export function formatAudit(report: AuditReport, inventory: Inventory, colour: boolean): string {
  const st = makeStyle(colour)
  const head = st.c.gray(`gateway ${guestWords(guestOfIds(report.gateway)).label} ${report.gateway.url}`)
  const width = Math.max(0, ...report.findings.map((f) => f.id.length))
  const lines = report.findings.flatMap((f) => [`${st.icon('warn')} ${st.c.bold(f.id.padEnd(width))}  ${f.summary}${st.c.gray(whereIs(f))}`, `${' '.repeat(width + 4)}${st.c.cyan(`→ ${f.fix}`)}`])
  // The Proxmox firewall's findings are read on the host, whether or not nginx's config could be.
  if (report.unread) return [head, `${st.icon('unknown')} ${report.unread}`, ...(lines.length ? ['', ...lines] : [])].join('\n')
  if (!report.findings.length) return [head, `${st.icon('pass')} every hardening practice of the gateway plans is in place`].join('\n')
  const firewall = report.findings.filter((f) => f.id.startsWith('firewall_')).length
  const hardening = report.findings.length - firewall
  const reload = nginxTestThen(inventory, 'reload')
  const sum = [...(hardening ? [`${hardening} hardening practice(s) missing; after the fixes: ${st.c.cyan(reload)}`] : []), ...(firewall ? [`${firewall} firewall finding(s) (the Proxmox firewall applies its files within seconds)`] : [])]
  return [head, '', ...lines, '', ...sum].join('\n')
}
