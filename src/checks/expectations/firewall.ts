import {decideHop, whereOf} from '../../firewall/fw-path.js'
import type {Hop, HopDecision} from '../../firewall/fw-path.js'
import {guestLabel} from '../../io/guests/guests.js'
import type {Expectation, Judgement, Seen} from '../../model/check-spec.js'
import type {FirewallState} from '../../model/firewall.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {FirewallProbe} from '../../model/probes.js'

/** The check that reads the firewall (host layer, first): the host's and the gateway's hops judge by it. */
export const FIREWALL_CHECK = 'host.firewall'

/** Where a probe comes from: the host, or the gateway's guest (a proxy's, once that layer exists). */
export type FromVantage = 'host' | 'gateway'

/**
 * One read of every guest the inventory names: the same probe for every service, so it runs once in
 * each host batch, in three processes (probes/firewall.ts) whatever the estate's size.
 */
export function firewallProbe(inv: Inventory): FirewallProbe {
  const all = [inv.gateway, ...inv.services]
  const guests = [...new Map(all.map((d) => [d.guest.id, {id: d.guest.id, config: d.guest.kind === 'vm' ? 'qemu-server' as const : 'lxc' as const}])).values()]
  return {kind: 'firewall', dir: inv.pveDir ?? '/etc/pve', guests}
}

/**
 * Whether the traffic of the service's route must cross this hop: the gateway's, when nginx sends
 * the route straight to the service. The seam for an intermediate proxy: a service behind one is
 * reached by the proxy, and the gateway's hop to it is only a vantage (a rule may block it by design).
 */
export function hopCarriesRoute(from: FromVantage, s: ServiceDef): boolean {
  return from === 'gateway' && s.route !== undefined
}

function hopOf(from: FromVantage, s: ServiceDef, inv: Inventory, proto: 'tcp' | 'icmp'): Hop {
  const to = {id: String(s.guest.id), address: s.address, proto, ...(proto === 'tcp' ? {port: s.port} : {})}
  return from === 'host' ? {from: {kind: 'host'}, to} : {from: {kind: 'guest', id: String(inv.gateway.guest.id), address: inv.gateway.address}, to}
}

function stateOf(seen: Seen): FirewallState | undefined {
  const obs = seen.get(FIREWALL_CHECK)
  return obs?.kind === 'firewall' ? obs.state : undefined
}

/** The firewall check: what the rules say of the host's and the gateway's hops to the service. Never a fault itself. */
export function firewallRead(s: ServiceDef, inv: Inventory): Expectation {
  return (obs) => {
    if (obs.kind !== 'firewall') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (!obs.state) return {status: 'skip', summary: `firewall not read: ${obs.unread ?? 'nothing printed'}`}
    const said = (from: FromVantage, who: string) => `${who}: ${words(decideHop(obs.state!, hopOf(from, s, inv, 'tcp')))}`
    // The gateway itself (diag gateway) has no hop from the gateway.
    const itself = s.guest.kind === inv.gateway.guest.kind && s.guest.id === inv.gateway.guest.id
    return {status: 'pass', summary: [said('host', 'from the host'), ...(itself ? [] : [said('gateway', `from the gateway ${guestLabel(inv.gateway)}`)])].join('; ')}
  }
}

function words(d: HopDecision): string {
  const verdict = d.allowed === true ? 'allowed' : d.allowed === false ? 'blocked' : 'cannot tell'
  return d.by ? `${verdict} by ${whereOf(d.by)} (${d.by.text})` : `${verdict}: ${d.why}`
}

/**
 * A probe's judgement in the light of the firewall's rules. A hop the rules block by design is
 * `skip`, naming the line, when no route needs it (the host's, always): never a fault. A hop the
 * route needs keeps its judgement, and a failure then names the rule that blocks it; a hop the
 * rules allow keeps today's causes, with the line that should have let it through.
 */
export function byDesign(from: FromVantage, s: ServiceDef, inv: Inventory, proto: 'tcp' | 'icmp', inner: Expectation): Expectation {
  return (obs, seen) => {
    const judged = inner(obs, seen)
    const state = stateOf(seen)
    if (!state) return judged
    const d = decideHop(state, hopOf(from, s, inv, proto))
    const where = d.by ? `${whereOf(d.by)} (${d.by.text})` : d.why
    if (d.allowed === false && !hopCarriesRoute(from, s)) {
      return {status: 'skip', summary: `blocked by design: ${where}${judged.status === 'pass' ? '; it answered anyway: is pve-firewall running?' : ''}`}
    }
    if (judged.status !== 'fail') return judged
    return {...judged, evidence: [...(judged.evidence ?? []), evidenceLine(d, where, s, inv)], ...(d.allowed === false ? {hints: [admit(d, s, inv), ...(judged.hints ?? [])]} : {})}
  }
}

function evidenceLine(d: HopDecision, where: string, s: ServiceDef, inv: Inventory): string {
  if (d.allowed === true) return `the firewall lets this hop through: ${where}`
  if (d.allowed === false) return `the firewall blocks this hop: ${where}, yet nginx's route for ${s.name} goes from the gateway ${guestLabel(inv.gateway)} to it`
  return `the firewall may block this hop: ${where}: ${d.why}`
}

/** The line that would let the gateway in, placed before the one that blocks it. */
function admit(d: HopDecision, s: ServiceDef, inv: Inventory): NonNullable<Judgement['hints']>[number] {
  const outbound = d.by?.file.endsWith(`/${inv.gateway.guest.id}.fw`)
  const rule = outbound ? `OUT ACCEPT -dest ${s.address} -p tcp -dport ${s.port}` : `IN ACCEPT -source ${inv.gateway.address} -p tcp -dport ${s.port}`
  const place = d.by?.line === undefined ? `under [RULES] in ${d.by?.file ?? `${s.guest.id}.fw`}` : `in ${d.by.file} above line ${d.by.line}`
  return {text: `Let the gateway through to ${s.name}: write \`${rule}\` ${place} (pve-firewall applies it within seconds)`}
}
