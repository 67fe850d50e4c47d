import {guestLabel} from '../io/guests/guests.js'
import type {Inventory} from '../model/inventory.js'
import {makeStyle} from './style.js'

/** `phoenix services`: the inventory as a table, without touching the network. */
export function formatServices(inv: Inventory, colour: boolean): string {
  const st = makeStyle(colour)
  const rows = inv.services.map((s) => [
    s.name,
    s.kind,
    guestLabel(s),
    `${s.address}:${s.port}`,
    s.runtime ? ('systemd' in s.runtime ? `systemd ${s.runtime.systemd}` : 'docker' in s.runtime ? `docker ${s.runtime.docker}` : `compose ${s.runtime.compose.project}/${s.runtime.compose.service}`) : '-',
    s.route ? `${s.route.host ?? ''}${s.route.path}` : '-',
  ])
  const header = ['NAME', 'KIND', 'GUEST', 'ADDRESS', 'RUNTIME', 'ROUTE']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  const host = inv.proxmox.mode === 'local' ? 'this machine' : `ssh ${inv.proxmox.user}@${inv.proxmox.host}:${inv.proxmox.port}`
  return [
    st.c.gray(`inventory: ${inv.source}`),
    st.c.gray(`proxmox: ${host}   gateway: ${guestLabel(inv.gateway)} ${inv.gateway.url}`),
    '',
    st.c.bold(line(header)),
    ...rows.map(line),
  ].join('\n')
}
