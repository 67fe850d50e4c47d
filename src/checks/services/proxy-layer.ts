import {guestLabel, guestOf} from '../../io/guests/guests.js'
import type {CheckSpec, Expectation} from '../../model/check-spec.js'
import type {ServiceDef} from '../../model/inventory.js'
import type {TraefikProbe} from '../../model/probes.js'
import {byDesign} from '../expectations/firewall.js'
import {healthAnswers} from '../expectations/http.js'
import {tcpConnects} from '../expectations/net.js'
import {unitActive} from '../expectations/runtime.js'
import {healthPathOf, hostPort} from './kind.js'
import type {PlanContext, ServiceKindModule} from './kind.js'
import {judgeProxyCerts} from './proxy-certs.js'
import {judgeProxyRoute} from './proxy-route.js'
import {dnsChecks, proxyRun, whereOf} from './dns-checks.js'

const LOG_LINES = 15

/**
 * The proxy layer (issue 13.2), between the host and the gateway, for a service whose route goes
 * through the inventory's proxy (`viaProxy: true`): inside the proxy's CT, Traefik's unit, what it
 * routes (its files and API: proxy.route) and the hop it makes to the service (TCP, then the health
 * endpoint). One batch: every check here runs in the proxy's CT, and the config is read once a run.
 */
export function proxyLayer(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec[] {
  const proxy = c.inventory.proxy
  if (!s.viaProxy || !proxy) return []
  const label = guestLabel(proxy)
  const at = {service: s.name, layer: 'proxy' as const, vantage: {at: 'guest' as const, guest: guestOf(proxy)}}
  const path = healthPathOf(s, kind)
  const subpath = kind.client(s, c).subpath
  return [
    {...at, id: 'proxy.runtime', probe: {kind: 'unit', unit: proxy.unit, logLines: LOG_LINES}, judge: proxyRunning(proxy.unit)},
    // The hop Traefik makes, judged by the firewall's rules (the proxy's OUT, the service's IN): a rule that blocks it is the fault.
    {...at, id: 'proxy.tcp', probe: {kind: 'tcp', host: s.address, port: s.port}, judge: byDesign('proxy', s, c.inventory, 'tcp', as(tcpConnects(`${hostPort(s.address, s.port)} from the proxy ${label}`), 'proxy_blocked'))},
    {
      ...at,
      id: 'proxy.http',
      probe: {kind: 'http', url: `http://${hostPort(s.address, s.port)}${path}`},
      needs: ['proxy.tcp'],
      judge: byDesign('proxy', s, c.inventory, 'tcp', healthAnswers(`GET ${path} from the proxy ${label}`, c.inventory.thresholds.slowMs, kind.verifyHealth)),
    },
    {...at, id: 'proxy.route', probe: traefikProbe(c), judge: (obs, seen) => (obs.kind === 'traefik' ? judgeProxyRoute(s, c.inventory, obs, subpath, seen) : {status: 'unknown', summary: `unexpected observation ${obs.kind}`})},
    // The certificates Traefik serves for the service's routers with tls, from the same read.
    {...at, id: 'proxy.certs', probe: traefikProbe(c), judge: (obs) => (obs.kind === 'traefik' ? judgeProxyCerts(s, c.inventory, guestOf(proxy), obs) : {status: 'unknown', summary: `unexpected observation ${obs.kind}`})},
    // The route's name as the proxy's CT resolves it (in the same batch).
    ...dnsChecks(s, 'proxy', at.vantage, whereOf('proxy', c), proxyRun(c), c),
  ]
}

/** The one Traefik probe of a run (every proxied service's proxy.route shares it). */
export function traefikProbe(c: PlanContext): TraefikProbe {
  const proxy = c.inventory.proxy!
  return {kind: 'traefik', configDir: proxy.configDir, ...(proxy.api ? {api: proxy.api} : {})}
}

/** A failure of this check is this cause (the hop from the proxy's CT: proxy_blocked). */
function as(judge: Expectation, finding: 'proxy_blocked'): Expectation {
  return (obs, seen) => {
    const j = judge(obs, seen)
    return j.status === 'fail' ? {...j, finding} : j
  }
}

/**
 * Traefik's unit must be active: not active is proxy_down. Its restarts are not the service's
 * fault while it routes (the route check and the client say whether it does): shown, not blamed.
 */
function proxyRunning(unit: string): Expectation {
  const judge = unitActive(unit)
  return (obs, seen) => {
    const j = judge(obs, seen)
    if (j.status === 'fail') return {...j, summary: `Traefik's ${j.summary}`, finding: 'proxy_down'}
    if (j.status === 'warn') return {status: 'pass', summary: j.summary, ...(j.evidence ? {evidence: j.evidence} : {})}
    return j
  }
}
