import type {Expectation, Judgement, Seen} from '../../model/check-spec.js'
import {nginxTestThen} from '../hint-words.js'
import type {ServiceDef} from '../../model/inventory.js'
import type {WebSocketObservation} from '../../model/probes.js'
import type {KindCheck, PlanContext, WebSocketFacts} from './kind.js'
import {originUnforwarded} from './websocket-origin.js'

/**
 * A WebSocket upgrade through the gateway's route, with the Origin a browser on the gateway's
 * page would send. nginx clears Upgrade/Connection unless the route sets them: the service then
 * sees a plain GET and answers it (n8n: 401). `breaks`: what a user of this kind sees then.
 */
export function websocketThroughGateway(s: ServiceDef, c: PlanContext, {subpath, breaks, checksOrigin = false, notYet}: WebSocketFacts): KindCheck | undefined {
  if (!s.route || !s.route.path.endsWith('/')) return undefined
  const gw = c.inventory.gateway
  const base = new URL(gw.url)
  const origin = s.route.host ? `${base.protocol}//${s.route.host}` : base.origin
  return {
    layer: 'client',
    id: 'client.websocket',
    needs: ['client.http'],
    probe: {
      kind: 'websocket',
      url: `${gw.url}${s.route.path}${subpath}`,
      origin,
      ...(s.route.host ? {hostHeader: s.route.host, ...(base.protocol === 'https:' ? {servername: s.route.host} : {})} : {}),
      ...(gw.ca ? {caFile: gw.ca} : {}),
    },
    judge: upgradeAccepted(`WebSocket upgrade on ${s.route.host ?? ''}${s.route.path}${subpath.split('?')[0]} via the gateway`, breaks, (what, seen) =>
      checksOrigin ? originUnforwarded(s, c.inventory, subpath, seen, what, nginxTestThen(c.inventory, 'reload')) : undefined, notYet),
  }
}

/** Said by a service that checks the Origin (n8n): a text message, then close 1008. */
function originRejected(obs: WebSocketObservation): boolean {
  return obs.closeCode === 1008 || (obs.messages ?? []).some((m) => /invalid origin/i.test(m))
}

/**
 * `fromConfig`: what the route's config says where the probe cannot see it (n8n checks the Origin
 * only for a logged-in session, which phoenix does not have).
 */
function upgradeAccepted(what: string, breaks: string, fromConfig: (what: string, seen: Seen) => Judgement | undefined, notYet?: WebSocketFacts['notYet']): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'websocket') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.error) return {status: 'fail', summary: `${what}: ${obs.error.message}`, finding: 'gateway_down', evidence: [obs.error.message]}
    if (obs.status !== 101) {
      const body = (obs.body ?? '').replace(/\s+/g, ' ').trim().slice(0, 160)
      // Without the Upgrade headers the service answers a plain GET of a route it has (n8n: 401);
      // its own 404 for that route means it has none yet, whatever nginx passes.
      if (obs.status === 404 && notYet?.body.test(body)) {
        return {status: 'warn', summary: `${what} answered 404 (${body}): ${notYet.why}`, finding: 'service_starting', evidence: [`${what} → 404 ${body}`]}
      }
      return {
        status: 'fail',
        summary: `${what} answered ${obs.status} instead of 101 Switching Protocols: the route does not pass the Upgrade and Connection headers (${breaks})`,
        finding: 'websocket_not_proxied',
        evidence: [`${what} → ${obs.status}${body ? ` ${body}` : ''}`],
      }
    }
    if (originRejected(obs)) {
      const said = (obs.messages ?? []).map((m) => `text frame: ${JSON.stringify(m)}`)
      const close = obs.closeCode !== undefined ? [`close ${obs.closeCode} ${obs.closeReason ?? ''}`.trim()] : []
      return {status: 'fail', summary: `${what}: upgraded, then ${[...said, ...close].join(', ')}: the service rejects the Origin it sees`, finding: 'websocket_origin_rejected', evidence: [...said, ...close]}
    }
    return fromConfig(what, seen) ?? {status: 'pass', summary: `${what}: 101 Switching Protocols in ${obs.latencyMs} ms`}
  }
}
