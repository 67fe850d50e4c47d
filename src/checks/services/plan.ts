import {guestLabel, guestOf, guestWords} from '../../io/guests/guests.js'
import type {CheckSpec, Vantage} from '../../model/check-spec.js'
import type {GuestRef} from '../../model/ports.js'
import type {Layer} from '../../model/status.js'
import type {ServiceDef} from '../../model/inventory.js'
import {clientAnswers} from '../expectations/client.js'
import {byDesign, FIREWALL_CHECK, firewallProbe, firewallRead} from '../expectations/firewall.js'
import {healthAnswers} from '../expectations/http.js'
import {listensReachably} from '../expectations/listen.js'
import {pingAnswers, tcpConnects} from '../expectations/net.js'
import {containerRunning, unitActive} from '../expectations/runtime.js'
import type {OomWords} from '../expectations/oom.js'
import type {HttpProbe} from '../../model/probes.js'
import {BEARER_KEY, GATEWAY_KEY, healthPathOf, hostPort, insideUrl} from './kind.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {kindModule} from './registry.js'
import {unlessKeyUnset, unsetKeyVars} from './key-unset.js'
import {judgeRoute, nginxProbe} from './route-check.js'
import {dnsChecks, gatewayRun, whereOf} from './dns-checks.js'
import {proxyLayer} from './proxy-layer.js'

const LOG_LINES = 15

/** Every check of one service at the chosen layers: the inside-out walk, as data. */
export function planService(service: ServiceDef, context: PlanContext, layers: readonly Layer[]): CheckSpec[] {
  const kind = kindModule(service.kind)
  const planners: Record<Layer, () => CheckSpec[]> = {
    service: () => serviceLayer(service, kind, context),
    host: () => hostLayer(service, kind, context),
    proxy: () => proxyLayer(service, kind, context),
    gateway: () => gatewayLayer(service, kind, context),
    client: () => clientLayer(service, kind, context),
  }
  const extras = (kind.extraChecks?.(service, context) ?? []).filter((x) => layers.includes(x.layer) && (!x.deep || context.deep))
  const own = layers.filter((l) => !kind.layers || kind.layers.includes(l))
  return own.flatMap((layer) => [...planners[layer](), ...extras.filter((x) => x.layer === layer).map((x) => placed(service, x, context))])
}

/** Inside the guest a service or the gateway lives in. */
function inGuest(def: {guest: GuestRef}): Vantage {
  return {at: 'guest', guest: guestOf(def)}
}

/** A kind's own check, run from the vantage its layer implies. */
function placed(s: ServiceDef, x: KindCheck, c: PlanContext): CheckSpec {
  const vantage: CheckSpec['vantage'] =
    x.layer === 'service' ? inGuest(s)
    : x.layer === 'gateway' ? inGuest(c.inventory.gateway)
    : x.layer === 'proxy' && c.inventory.proxy ? inGuest(c.inventory.proxy)
    : x.layer === 'host' ? {at: 'host'}
    : {at: 'local'}
  const probe = x.probe.kind === 'http' ? withKey(s, c, x.layer === 'service' ? atListenAddress(s, x.probe) : x.probe) : x.probe
  const judge = x.probe.kind === 'http' ? unlessKeyUnset(x.judge, unsetKeyVars(s, c, x.layer === 'client')) : x.judge
  return {service: s.name, id: x.id, layer: x.layer, vantage, probe, judge, ...(x.needs ? {needs: x.needs} : {})}
}

/** How the service's guest and runtime are named in an OOM kill's hints. */
function oomWords(s: ServiceDef, runtime: OomWords['runtime']): OomWords {
  const w = guestWords(guestOf(s))
  return {run: w.run, guest: {label: w.label, config: w.config, tool: w.config.split(' ')[0]!, id: w.id}, runtime}
}

/** Inside the CT: the unit or container, the listening socket, the local API. */
function serviceLayer(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec[] {
  const at = {service: s.name, layer: 'service' as const, vantage: inGuest(s)}
  const specs: CheckSpec[] = []
  const words = s.runtime ? oomWords(s, s.runtime) : undefined
  if (s.runtime && 'systemd' in s.runtime) {
    specs.push({...at, id: 'service.runtime', probe: {kind: 'unit', unit: s.runtime.systemd, logLines: LOG_LINES}, judge: unitActive(s.runtime.systemd, words)})
  } else if (s.runtime && 'docker' in s.runtime) {
    specs.push({...at, id: 'service.runtime', probe: {kind: 'container', name: s.runtime.docker, logLines: LOG_LINES}, judge: containerRunning(s.runtime.docker, undefined, words)})
  } else if (s.runtime && 'compose' in s.runtime) {
    const {project, service} = s.runtime.compose
    const probe = {kind: 'container' as const, name: `${project}/${service}`, compose: {project, service}, logLines: LOG_LINES}
    specs.push({...at, id: 'service.runtime', probe, judge: containerRunning(probe.name, probe.compose, words)})
  }
  const runtime = specs.length ? ['service.runtime'] : []
  specs.push({...at, id: 'service.listen', probe: {kind: 'listen', port: s.port}, needs: runtime, judge: listensReachably(s.port, s.address, kind.notListening)})
  const path = healthPathOf(s, kind)
  specs.push({
    ...at,
    id: 'service.http',
    probe: atListenAddress(s, {kind: 'http', url: insideUrl(s, path)}),
    needs: ['service.listen'],
    judge: healthAnswers(`GET ${path} inside ${guestLabel(s)}`, c.inventory.thresholds.slowMs, kind.verifyHealth),
  })
  return specs
}

/** An in-CT request to the service's own port goes to an address the port listens on (ss decides). */
function atListenAddress(s: ServiceDef, probe: HttpProbe): HttpProbe {
  return probe.url.startsWith(insideUrl(s, '/')) ? {...probe, listenPort: s.port} : probe
}

/** From the Proxmox host to the CT's address: ping, TCP, HTTP health. */
function hostLayer(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec[] {
  const at = {service: s.name, layer: 'host' as const, vantage: {at: 'host' as const}}
  const path = healthPathOf(s, kind)
  const target = `${s.address}:${s.port}`
  const inv = c.inventory
  return [
    // First: the host's, the proxy's and the gateway's probes are judged by what its rules say (expectations/firewall.ts).
    {...at, id: FIREWALL_CHECK, probe: firewallProbe(inv), judge: firewallRead(s, inv)},
    {...at, id: 'host.ping', probe: {kind: 'ping', host: s.address}, judge: byDesign('host', s, inv, 'icmp', pingAnswers(s.address))},
    {...at, id: 'host.tcp', probe: {kind: 'tcp', host: s.address, port: s.port}, judge: byDesign('host', s, inv, 'tcp', tcpConnects(target))},
    {
      ...at,
      id: 'host.http',
      probe: {kind: 'http', url: `http://${hostPort(s.address, s.port)}${path}`},
      needs: ['host.tcp'],
      judge: byDesign('host', s, inv, 'tcp', healthAnswers(`GET ${path} from the host`, inv.thresholds.slowMs, kind.verifyHealth)),
    },
    ...dnsChecks(s, 'host', at.vantage, whereOf('host', c), '', c),
  ]
}

/** From inside the gateway CT to the service: the hop nginx itself makes. */
function gatewayLayer(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec[] {
  const gw = c.inventory.gateway
  const at = {service: s.name, layer: 'gateway' as const, vantage: inGuest(gw)}
  const path = healthPathOf(s, kind)
  const proxy = s.viaProxy ? c.inventory.proxy : undefined
  // Behind a proxy, nginx's hop is to the proxy (the proxy layer checks the hop from there to the service).
  if (proxy) {
    const to = `${hostPort(proxy.address, proxy.port)} (the proxy, ${guestLabel(proxy)}) from ${guestLabel(gw)}`
    return [
      // The hop every proxied route crosses: judged by the firewall's rules as the gateway's hop to the proxy.
      {...at, id: 'gateway.tcp', probe: {kind: 'tcp', host: proxy.address, port: proxy.port}, judge: byDesign('gateway', s, c.inventory, 'tcp', tcpConnects(to), 'proxy')},
      ...(s.route ? [routeSpec(s, kind, c)] : []),
      ...dnsChecks(s, 'gateway', at.vantage, whereOf('gateway', c), gatewayRun(c), c),
    ]
  }
  return [
    {...at, id: 'gateway.tcp', probe: {kind: 'tcp', host: s.address, port: s.port}, judge: byDesign('gateway', s, c.inventory, 'tcp', tcpConnects(`${s.address}:${s.port} from ${guestLabel(gw)}`))},
    {
      ...at,
      id: 'gateway.http',
      probe: {kind: 'http', url: `http://${hostPort(s.address, s.port)}${path}`},
      needs: ['gateway.tcp'],
      judge: byDesign('gateway', s, c.inventory, 'tcp', healthAnswers(`GET ${path} from the gateway ${guestLabel(gw)}`, c.inventory.thresholds.slowMs, kind.verifyHealth)),
    },
    ...(s.route ? [routeSpec(s, kind, c)] : []),
    ...dnsChecks(s, 'gateway', at.vantage, whereOf('gateway', c), gatewayRun(c), c),
  ]
}

/** nginx's own config for this service's route (the same probe for every service: it runs once). */
function routeSpec(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec {
  const subpath = kind.client(s, c).subpath
  return {
    service: s.name,
    id: 'gateway.route',
    layer: 'gateway',
    vantage: inGuest(c.inventory.gateway),
    probe: nginxProbe(c.inventory),
    judge: (obs, seen) => (obs.kind === 'nginx' ? judgeRoute(s, c.inventory, obs, subpath, seen) : {status: 'unknown', summary: `unexpected observation ${obs.kind}`}),
  }
}

/** Through the gateway's route, as a user's request goes. No route, no client check. */
function clientLayer(s: ServiceDef, kind: ServiceKindModule, c: PlanContext): CheckSpec[] {
  if (!s.route) return []
  const gw = c.inventory.gateway
  const req = kind.client(s, c)
  const path = s.route.path.endsWith('/') ? `${s.route.path}${req.subpath}` : s.route.path
  const probe: HttpProbe = {kind: 'http', url: `${gw.url}${path}`, method: req.method ?? 'GET'}
  if (req.body !== undefined) probe.body = req.body
  if (req.headers) probe.headers = {...req.headers}
  if (s.route.host) {
    probe.hostHeader = s.route.host
    if (gw.url.startsWith('https:')) probe.servername = s.route.host
  }
  if (gw.ca) probe.caFile = gw.ca
  const where = `${req.method ?? 'GET'} ${s.route.host ? `https://${s.route.host}` : ''}${path} via the gateway`
  return [
    {service: s.name, id: 'client.http', layer: 'client', vantage: {at: 'local'}, probe: withGatewayKey(c, withKey(s, c, probe)), judge: unlessKeyUnset(clientAnswers(where, c.inventory.thresholds.slowMs, req.accept, probe.url), unsetKeyVars(s, c, true))},
    ...dnsChecks(s, 'client', {at: 'local'}, whereOf('client', c), '', c),
  ]
}

/**
 * A gateway that guards its routes (seed 002's api-key map) wants a credential from a client:
 * gateway.apiKeyEnv's key goes as `Authorization: Bearer`, unless the service's own key already
 * fills that header. A secret header: sent, never reported.
 */
function withGatewayKey(c: PlanContext, probe: HttpProbe): HttpProbe {
  const key = c.apiKeys.get(GATEWAY_KEY)
  if (!key || Object.keys(probe.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')) return probe
  return {...probe, headers: {...probe.headers, Authorization: `Bearer ${key}`}, secretHeaders: [...(probe.secretHeaders ?? []), 'Authorization']}
}

/**
 * Adds the service's API key (from its env var) as a secret header: sent, never reported. Remote
 * probes get it inside the batch script, which travels on stdin (never argv, so never in `ps`).
 * The health paths are open without a key on every kind (service-apis.md), so only the API calls
 * of a kind's own checks and the client's request carry it.
 */
function withKey(s: ServiceDef, c: PlanContext, probe: HttpProbe): HttpProbe {
  const key = c.apiKeys.get(s.name)
  if (!key) return probe
  const {header, bearer} = kindModule(s.kind).key ?? BEARER_KEY
  const value = bearer ? `Bearer ${key}` : key
  return {...probe, headers: {...probe.headers, [header]: value}, secretHeaders: [...(probe.secretHeaders ?? []), header]}
}
