import {decideHop, whereOf} from '../../firewall/fw-path.js'
import type {HopDecision} from '../../firewall/fw-path.js'
import type {Expectation, Seen} from '../../model/check-spec.js'
import type {FirewallState} from '../../model/firewall.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {FirewallProbe} from '../../model/probes.js'
import {admitHint, hopCarriesRoute, hopLabel, hopOf, proxyOf, routeThrough} from './firewall-hops.js'
import type {FromVantage, HopTarget} from './firewall-hops.js'

export {hopCarriesRoute} from './firewall-hops.js'
export type {FromVantage, HopTarget} from './firewall-hops.js'

/** The check that reads the firewall (host layer, first): the host's, the proxy's and the gateway's hops judge by it. */
export const FIREWALL_CHECK = 'host.firewall'

/**
 * One read of every guest the inventory names (the proxy's too): the same probe for every service,
 * so it runs once in each host batch, in three processes (probes/firewall.ts) whatever the estate's size.
 */
export function firewallProbe(inv: Inventory): FirewallProbe {
  const all = [inv.gateway, ...(inv.proxy ? [inv.proxy] : []), ...inv.services]
  const guests = [...new Map(all.map((d) => [d.guest.id, {id: d.guest.id, config: d.guest.kind === 'vm' ? 'qemu-server' as const : 'lxc' as const}])).values()]
  return {kind: 'firewall', dir: inv.pveDir ?? '/etc/pve', guests}
}

function stateOf(seen: Seen): FirewallState | undefined {
  const obs = seen.get(FIREWALL_CHECK)
  return obs?.kind === 'firewall' ? obs.state : undefined
}

/** The hops the plan probes for the service, as host.firewall names them: the host's, then the route's. */
function probedHops(s: ServiceDef, inv: Inventory): [FromVantage, HopTarget][] {
  if (proxyOf(s, inv)) return [['host', 'service'], ['proxy', 'service'], ['gateway', 'proxy']]
  // The gateway itself (diag gateway) has no hop from the gateway.
  const itself = s.guest.kind === inv.gateway.guest.kind && s.guest.id === inv.gateway.guest.id
  return itself ? [['host', 'service']] : [['host', 'service'], ['gateway', 'service']]
}

/** The firewall check: what the rules say of each hop probed toward the service. Never a fault itself. */
export function firewallRead(s: ServiceDef, inv: Inventory): Expectation {
  return (obs) => {
    if (obs.kind !== 'firewall') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (!obs.state) return {status: 'skip', summary: `firewall not read: ${obs.unread ?? 'nothing printed'}`}
    const said = ([from, to]: [FromVantage, HopTarget]) => `${hopLabel(from, to, s, inv)}: ${words(decideHop(obs.state!, hopOf(from, to, s, inv, 'tcp')))}`
    return {status: 'pass', summary: probedHops(s, inv).map(said).join('; ')}
  }
}

function words(d: HopDecision): string {
  const verdict = d.allowed === true ? 'allowed' : d.allowed === false ? 'blocked' : 'cannot tell'
  return d.by ? `${verdict} by ${whereOf(d.by)} (${d.by.text})` : `${verdict}: ${d.why}`
}

/**
 * A probe's judgement in the light of the firewall's rules. A hop the rules block by design is
 * `skip`, naming the line, when no route needs it (the host's, always; the gateway's to a service
 * behind a proxy): never a fault. A hop the route needs keeps its judgement, and a failure then names
 * the rule that blocks it and the line that lets it through; a hop the rules allow keeps today's
 * causes, with the line that should have let it through. `to`: the gateway's hop to the proxy.
 */
export function byDesign(from: FromVantage, s: ServiceDef, inv: Inventory, proto: 'tcp' | 'icmp', inner: Expectation, to: HopTarget = 'service'): Expectation {
  return (obs, seen) => {
    const judged = inner(obs, seen)
    const state = stateOf(seen)
    if (!state) return judged
    const d = decideHop(state, hopOf(from, to, s, inv, proto))
    const where = d.by ? `${whereOf(d.by)} (${d.by.text})` : d.why
    if (d.allowed === false && !hopCarriesRoute(from, s, inv, to)) {
      return {status: 'skip', summary: `blocked by design: ${where}${judged.status === 'pass' ? '; it answered anyway: is pve-firewall running?' : ''}`}
    }
    if (judged.status !== 'fail') return judged
    const evidence = d.allowed === true ? `the firewall lets this hop through: ${where}`
      : d.allowed === false ? `the firewall blocks this hop: ${where}, yet ${routeThrough(from, to, s, inv)}`
      : `the firewall may block this hop: ${where}: ${d.why}`
    return {...judged, evidence: [...(judged.evidence ?? []), evidence], ...(d.allowed === false ? {hints: [admitHint(d, from, to, s, inv), ...(judged.hints ?? [])]} : {})}
  }
}
