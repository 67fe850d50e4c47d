import type {NginxObservation} from '../model/probes.js'
import {nginxProbe} from '../checks/services/route-check.js'
import type {CheckSpec} from '../model/check-spec.js'
import {guestLabel, guestOf} from '../io/guests/guests.js'
import type {RunIo} from '../model/ports.js'
import {runRemoteBatch} from './remote-batch.js'
import type {Inventory} from '../model/inventory.js'

/** nginx's loaded config as read in the gateway CT, or why it could not be read (nginx never ran). */
export type NginxRead = {obs: NginxObservation} | {unread: string}

/** Reads `nginx -t`, `nginx -T`, the error log and the certificates in the gateway CT: one `pct exec`. */
export async function readNginx(inv: Inventory, io: RunIo, timeoutMs: number): Promise<NginxRead> {
  const spec: CheckSpec = {service: 'gateway', id: 'service.config', layer: 'service', vantage: {at: 'guest', guest: guestOf(inv.gateway)}, probe: nginxProbe(inv), judge: () => ({status: 'pass', summary: ''})}
  const outcome = await runRemoteBatch([spec], spec.vantage, io.host, timeoutMs, AbortSignal.timeout(timeoutMs * 2))
  const obs = outcome.observations[0]!
  if (obs.kind === 'nginx') return {obs}
  const why = outcome.gate && outcome.gate.status !== 'pass' ? outcome.gate.summary : obs.kind === 'unavailable' ? obs.message : `unexpected observation ${obs.kind}`
  return {unread: `could not read nginx's config in ${guestLabel(inv.gateway)}: ${why}`}
}
