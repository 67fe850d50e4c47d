import {firewallProbe} from '../checks/expectations/firewall.js'
import {auditFirewall} from '../firewall/fw-audit.js'
import type {FirewallFinding} from '../firewall/fw-audit.js'
import {guestLabel} from '../io/guests/guests.js'
import type {CheckSpec} from '../model/check-spec.js'
import type {Inventory} from '../model/inventory.js'
import type {RunIo} from '../model/ports.js'
import {runRemoteBatch} from './remote-batch.js'

/**
 * The firewall's audit findings for the inventory's guests, read on the host (one exec: `cat` and
 * `sed` of the files under proxmox.configDir). Nothing found when the host cannot be read: audit
 * says so for nginx, and a firewall phoenix cannot see is not a finding.
 */
export async function auditFirewallOnHost(inv: Inventory, io: RunIo, timeoutMs: number): Promise<FirewallFinding[]> {
  const spec: CheckSpec = {service: 'gateway', id: 'host.firewall', layer: 'host', vantage: {at: 'host'}, probe: firewallProbe(inv), judge: () => ({status: 'pass', summary: ''})}
  const outcome = await runRemoteBatch([spec], spec.vantage, io.host, timeoutMs, AbortSignal.timeout(timeoutMs * 2))
  const obs = outcome.observations[0]!
  if (obs.kind !== 'firewall' || !obs.state) return []
  const guests = [inv.gateway, ...(inv.proxy ? [inv.proxy] : []), ...inv.services].map((d) => ({guest: d.guest, address: d.address, label: guestLabel(d)}))
  return auditFirewall(obs.state, [...new Map(guests.map((g) => [g.guest.id, g])).values()])
}
