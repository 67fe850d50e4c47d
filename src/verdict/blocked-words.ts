import {guestLabel} from '../io/guests/guests.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import type {LayerResult} from '../model/report.js'
import type {CauseCode} from './causes.js'
import type {JudgedCheck} from './judge.js'

/** The causes that blame the hop from a CT to the service because what is inside it answered. */
export const BLOCKED_HOPS: readonly CauseCode[] = ['gateway_blocked', 'proxy_blocked']

/**
 * gateway_blocked's and proxy_blocked's words for this service, true in each case: the host reaches
 * the service, or its hop is blocked by design (then only the service's own CT saw it answer); and
 * behind a proxy, the gateway's hop is to the proxy, not to the service.
 */
export function blockedMeaning(cause: CauseCode, s: ServiceDef, layers: readonly LayerResult[], inv: Inventory): string | undefined {
  if (!BLOCKED_HOPS.includes(cause)) return undefined
  const checks = layers.flatMap((l) => l.checks as JudgedCheck[])
  const host = checks.find((c) => c.id === 'host.tcp')
  const inside = host?.status === 'pass' || host?.status === 'warn' ? 'The host reaches the service'
    : host?.status === 'skip' && host.summary.startsWith('blocked by design: ') ? "The service answers inside its CT (the host's hop is blocked by design)"
    : 'The service answers inside its CT'
  const proxy = s.viaProxy ? inv.proxy : undefined
  if (cause === 'proxy_blocked') return `${inside} but the proxy's CT cannot: a firewall between the two CTs, or routing.`
  if (proxy) {
    const reaches = checks.find((c) => c.id === 'proxy.tcp')?.status === 'pass' ? ` and the proxy's ${guestLabel(proxy)} reaches it` : ''
    return `${inside}${reaches}, but the gateway CT cannot reach the proxy: a firewall between the two CTs, or routing.`
  }
  return `${inside} but the gateway CT cannot: a firewall between the two CTs, or routing.`
}

/** What supports the blame: the hops inside that passed, or were blocked by design (so not seen). */
export function blockedSupport(cause: CauseCode, layers: readonly LayerResult[]): JudgedCheck[] {
  if (!BLOCKED_HOPS.includes(cause)) return []
  const from = cause === 'gateway_blocked' ? ['host', 'proxy'] : ['host']
  return layers.filter((l) => from.includes(l.layer)).flatMap((l) => (l.checks as JudgedCheck[]).filter((c) => c.status === 'pass' || (c.status === 'skip' && c.summary.startsWith('blocked by design: '))))
}
