import type {Judgement, Seen} from '../../model/check-spec.js'
import {entriesFor} from '../../gateway/error-log.js'
import {matchRoute, passFor} from '../../gateway/route-table.js'
import type {GatewayRoute} from '../../model/routes.js'
import {upstreamPath} from '../../gateway/upstream-path.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {NginxObservation, NginxProbe} from '../../model/probes.js'
import {nginxTestThen} from '../hint-words.js'
import {keyHeaderOf} from './kind.js'
import {kindModule} from './registry.js'
import {judgeUndecided} from './route-dynamic.js'
import {judgeMismatch} from './route-mismatch.js'
import {judgeThroughProxy} from './route-through-proxy.js'

/** The one nginx probe of a run (every service's gateway.route and the gateway's own checks share it). */
export function nginxProbe(inv: Inventory): NginxProbe {
  const apiPaths = inv.services.filter((s) => s.route && kindModule(s.kind).api).map((s) => s.route!.path)
  return {kind: 'nginx', ...(inv.gateway.nginxConf ? {conf: inv.gateway.nginxConf} : {}), errorLog: inv.gateway.errorLog, errorLines: 200, apiPaths: [...new Set(apiPaths)].sort()}
}

/** The request a client makes on this route: where it lands on the gateway, and what the service should see. */
export function routeRequest(s: ServiceDef, inv: Inventory, subpath: string): {host: string; port: number; tls: boolean; path: string; expected: string} {
  const url = new URL(inv.gateway.url)
  const tls = url.protocol === 'https:'
  const prefix = s.route!.path.endsWith('/')
  return {
    host: s.route!.host ?? url.hostname,
    port: Number(url.port || (tls ? 443 : 80)),
    tls,
    path: prefix ? `${s.route!.path}${subpath}` : s.route!.path,
    // Behind a prefix route a service answers at its own root (/n8n/healthz reaches n8n as /healthz).
    expected: prefix ? `/${subpath}` : s.route!.path,
  }
}

/**
 * Reads nginx's loaded config for one service's route: is there a location, does it proxy to the
 * service's address and port (and what the CT really listens on), does it pass WebSocket headers
 * where the service needs them, does the service receive the path it serves. Every finding names
 * the file and line to change. A warning, not a failure: the client check says whether users see it.
 */
export function judgeRoute(s: ServiceDef, inv: Inventory, obs: NginxObservation, subpath: string, seen: Seen): Judgement {
  if (!obs.test.ok) return {status: 'skip', summary: 'nginx -t fails, so its routes were not read (phoenix diag gateway says where)'}
  const req = routeRequest(s, inv, subpath)
  const where = `${s.route!.host ?? ''}${req.path}`
  const errors = recentErrors(obs, s)
  const matched = matchRoute(obs.routes, req)
  // A variable proxy_pass (through a map or set) is judged by the value this request gets.
  const chosen = matched && passFor(matched, req)
  const route = matched && chosen ? {...matched, proxyPass: chosen} : matched
  const conf = inv.gateway.nginxConf ?? 'nginx.conf'
  if (route?.returns && route.returns.status >= 300 && route.returns.status < 400) {
    const r = route.returns
    const told = `${at(r)}: return ${r.status}${r.target ? ` ${r.target}` : ''}`
    if (req.tls || !r.target?.startsWith('https://')) {
      return {status: 'warn', summary: `nginx redirects ${where} (${told}) where ${s.name} answers directly`, finding: 'client_redirected', evidence: [told, ...errors]}
    }
    return {status: 'warn', summary: `nginx redirects ${where} to https (${told}): gateway.url is the http one`, finding: 'gateway_https_redirect', evidence: [told, ...errors],
      hints: [{text: `${at(r)} sends every request of that server to https: use the https URL in gateway.url (phoenix asks as users do), not the http one`}]}
  }
  if (!route || !route.proxyPass || (route.returns && route.returns.status >= 400)) {
    const got = route ? `location ${route.location.modifier} ${route.location.path} (${at(route.location)}) ${route.returns ? `returns ${route.returns.status}` : 'does not proxy'}` : 'no server block or location matches it'
    return {status: 'warn', summary: `nginx has no route for ${where}: ${got}`, finding: 'route_missing', evidence: [...listLocations(obs.routes), ...errors],
      hints: [{text: `Add a location for ${s.route!.path} that proxies to ${s.address}:${s.port}, inside the server block${route ? ` at ${at(route.server)}` : ` of ${conf}`}`}]}
  }
  const pass = route.proxyPass
  if (pass.servers.length === 0) return judgeUndecided(s, route, pass, errors)
  const target = `${pass.upstream ? `upstream ${pass.upstream} ` : ''}${pass.servers.map((x) => `${x.address}:${x.port}`).join(', ')}`
  // Every judgement from here on names the backend: routes failing behind the same one are one root cause.
  const via = pass.servers.map((x) => `${x.address}:${x.port}`).join(', ')
  const proxied = s.viaProxy && inv.proxy ? ` (${s.name}'s proxy, ${inv.proxy.kind})` : ''
  return {...judgeProxied(s, inv, route, req, obs, seen, errors, `location ${route.location.path} (${at(route.location)}) → ${target}${proxied}`), via}
}

/** A route that proxies somewhere: is it the service, with the headers and path the service needs? */
function judgeProxied(s: ServiceDef, inv: Inventory, route: GatewayRoute, req: ReturnType<typeof routeRequest>, obs: NginxObservation, seen: Seen, errors: string[], located: string): Judgement {
  const pass = route.proxyPass!
  const target = nginxTarget(s, inv)
  if (!pass.servers.some((x) => x.address === target.address && x.port === target.port)) {
    return judgeMismatch({s, inv, route, routes: obs.routes, upstreams: obs.upstreams ?? [], located, seen, errors, reload: nginxTestThen(inv, 'reload'), target})
  }
  if (kindModule(s.kind).websocket && !route.websocket) {
    return {status: 'warn', summary: `${located}: no Upgrade/Connection headers, so ${s.name}'s WebSocket (its live updates) fails`, finding: 'websocket_not_proxied', evidence: [located, ...errors],
      hints: [{text: `In ${at(route.location)} add: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";`, command: nginxTestThen(inv, 'reload')}]}
  }
  const key = s.apiKeyEnv ? route.headers[keyHeaderOf(kindModule(s.kind))] : undefined
  if (key && !key.value.includes('$http_')) {
    const line = `${at(key)}: proxy_set_header ${keyHeaderOf(kindModule(s.kind))} "${key.value}"`
    const wide = route.headersFrom && route.headersFrom !== 'location' ? ` (set at the ${route.headersFrom} level: every location there that sets no header of its own inherits it)` : ''
    return {status: 'warn', summary: `${located}: nginx replaces the ${keyHeaderOf(kindModule(s.kind))} header clients send (${line}), so ${s.name} never gets their key`, finding: 'gateway_drops_key', evidence: [line, ...errors],
      hints: [{text: `In ${at(key)} remove proxy_set_header ${keyHeaderOf(kindModule(s.kind))} (nginx then passes the client's own)${wide}, then test and reload`, command: nginxTestThen(inv, 'reload')}]}
  }
  const sent = upstreamPath(route, req.path)
  const why = route.rewrites.length ? `the rewrite at ${at(route.rewrites[0]!)}` : `proxy_pass at ${at(pass)} (${pass.uriPart ? `URI ${pass.uriPart}` : 'no URI: the prefix is kept'})`
  // Behind a proxy, the path the service sees is nginx's then the proxy's (a Traefik middleware may strip it).
  if (target !== s) {
    const through = judgeThroughProxy(s, req, sent, why, located, errors, seen)
    if (through) return through
  }
  if (sent !== req.expected && target === s) {
    return {status: 'warn', summary: `${located}: GET ${req.path} reaches ${s.name} as ${sent}, not ${req.expected}: ${why}`, finding: 'route_wrong_target', evidence: [located, ...errors],
      hints: [{text: `Make ${req.path} reach ${s.name} as ${req.expected}: e.g. proxy_pass http://${pass.upstream ?? `${s.address}:${s.port}`}/; (with the trailing slash) at ${at(pass)}`}]}
  }
  return {status: 'pass', summary: `${located}${errors.length ? `; ${errors.length} recent error-log lines for it` : ''}`, evidence: errors}
}

/**
 * Where nginx must send a service's route: the service itself, or for a service routed through
 * the proxy (viaProxy), the proxy's address and port. A `location /` to Traefik is then right.
 */
export function nginxTarget(s: ServiceDef, inv: Inventory): {address: string; port: number} {
  return s.viaProxy && inv.proxy ? {address: inv.proxy.address, port: inv.proxy.port} : s
}

/** The last few error-log lines about this service's upstream, as evidence. */
function recentErrors(obs: NginxObservation, s: ServiceDef): string[] {
  return entriesFor(obs.errors, s.address, s.port).slice(-3).map((e) => `error.log ${e.time} [${e.level}] ${e.message}${e.upstream ? ` upstream: ${e.upstream}` : ''}`)
}

function listLocations(routes: readonly GatewayRoute[]): string[] {
  return routes.filter((r) => !r.location.implicit).slice(0, 8).map((r) => `location ${r.location.modifier ? `${r.location.modifier} ` : ''}${r.location.path} (${at(r.location)})`)
}

function at(origin: {file: string; line: number}): string {
  return `${origin.file}:${origin.line}`
}
