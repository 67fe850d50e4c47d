import {nginxRegex} from './nginx-regex.js'
import type {GatewayRoute, ListenSpec, RouteServer} from '../model/routes.js'

/** A request as it reaches the gateway. `address`: the local address it was sent to, when known. */
export interface RouteRequest {
  host?: string
  port: number
  tls: boolean
  path: string
  address?: string
}

/**
 * The server nginx chooses: among servers listening on the request's port (with TLS iff the request
 * uses it: a plain request to an ssl port gets 400, not a route), the best server_name match (exact,
 * longest `*.` wildcard, longest `.*` wildcard, first regex), else the default_server, else the first.
 * A request without Host looks up the name "", which a server without server_name has implicitly.
 */
export function matchServer(routes: readonly GatewayRoute[], request: RouteRequest): RouteServer | undefined {
  const servers = [...new Map(routes.map((r) => [`${r.server.file}:${r.server.line}`, r.server])).values()]
  const accepts = (l: ListenSpec, exact: boolean): boolean =>
    l.port === request.port && l.ssl === request.tls && (exact ? l.address === request.address : l.address === '*' || request.address === undefined)
  // A listen on the exact address takes the connection before any wildcard listen of that port.
  const onAddress = request.address === undefined ? [] : servers.filter((s) => s.listens.some((l) => accepts(l, true)))
  const exact = onAddress.length > 0
  const candidates = exact ? onAddress : servers.filter((s) => s.listens.some((l) => accepts(l, false)))
  const named = byName(candidates, normaliseHost(request.host))
  return named ?? candidates.find((s) => s.listens.some((l) => accepts(l, exact) && l.defaultServer)) ?? candidates[0]
}

function normaliseHost(host: string | undefined): string {
  if (host === undefined) return ''
  const bare = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
  return bare.toLowerCase().replace(/\.$/, '')
}

function byName(servers: readonly RouteServer[], host: string): RouteServer | undefined {
  let best: {server: RouteServer; rank: number; length: number} | undefined
  for (const server of servers) {
    for (const name of server.serverNames.length > 0 ? server.serverNames : ['']) {
      const rank = nameRank(name.toLowerCase(), host)
      if (rank === undefined) continue
      const better = !best || rank < best.rank || (rank === best.rank && rank < 3 && name.length > best.length)
      if (better) best = {server, rank, length: name.length}
    }
  }
  return best?.server
}

/** 0 exact, 1 leading wildcard, 2 trailing wildcard, 3 regex; undefined: no match. */
function nameRank(name: string, host: string): number | undefined {
  if (name === host) return 0
  if (host === '') return undefined
  if (name.startsWith('~')) return nginxRegex(name.slice(1), true)?.test(host) ? 3 : undefined
  if (name.startsWith('*.') && host.endsWith(name.slice(1))) return 1
  if (name.startsWith('.') && (host === name.slice(1) || host.endsWith(name))) return 1
  if (name.endsWith('.*') && host.startsWith(name.slice(0, -1))) return 2
  return undefined
}

/**
 * Which route nginx would choose for a request: server by listen port + server_name (default_server,
 * else the first for that port), then location by nginx's rules (= exact, longest prefix, ^~ stops
 * regex, regexes in order, else longest prefix), nested locations included. A request for a proxied
 * prefix without its trailing slash (`/n8n` for `location /n8n/`) gets that location with the 301
 * nginx answers there (auto_redirect) in `returns`.
 */
export function matchRoute(routes: GatewayRoute[], request: RouteRequest): GatewayRoute | undefined {
  const server = matchServer(routes, request)
  const route = server && matchLocation(routes, server, request.path)
  return route && withRedirect(route, request)
}

/** The first of the route's request-dependent redirects this request gets, as its `returns`. */
function withRedirect(route: GatewayRoute, request: RouteRequest): GatewayRoute {
  const uri = request.path.split('?')[0] ?? ''
  const hit = route.redirects?.find((r) => (r.scheme === 'http' ? !request.tls : r.regex !== undefined && nginxRegex(r.regex)?.test(uri) === true))
  // The rewrite phase runs before the content handler: the redirect wins over proxy_pass.
  if (!hit) return route
  const {scheme: _, regex: __, ...returns} = hit
  return {...route, returns}
}

/** The location of one server that nginx would choose for a path (its query ignored). */
export function matchLocation(routes: readonly GatewayRoute[], server: RouteServer, path: string): GatewayRoute | undefined {
  const own = routes.filter((r) => r.server.file === server.file && r.server.line === server.line)
  return findLocation(own, undefined, path.split('?')[0] ?? '')?.route
}

type Found = {route: GatewayRoute; kind: 'exact' | 'prefix' | 'regex'}

/** ngx_http_core_find_location: one nesting level, recursing into the chosen location's children. */
function findLocation(routes: readonly GatewayRoute[], parent: string | undefined, uri: string): Found | undefined {
  const level = routes.filter((r) => r.location.parent === parent)
  const exact = level.find((r) => r.location.modifier === '=' && r.location.path === uri) ?? autoRedirect(level, uri)
  if (exact) return {route: exact, kind: 'exact'}
  const prefix = level
    .filter((r) => (r.location.modifier === '' || r.location.modifier === '^~') && uri.startsWith(r.location.path))
    .reduce<GatewayRoute | undefined>((a, r) => (!a || r.location.path.length > a.location.path.length ? r : a), undefined)
  let found: Found | undefined = prefix && {route: prefix, kind: 'prefix'}
  if (prefix) {
    const inner = findLocation(routes, keyOf(prefix), uri)
    if (inner && inner.kind !== 'prefix') return inner
    found = inner ?? found
  }
  if (prefix?.location.modifier === '^~') return found
  for (const r of level.filter((l) => l.location.modifier.startsWith('~'))) {
    if (nginxRegex(r.location.path, r.location.modifier === '~*')?.test(uri)) {
      return findLocation(routes, keyOf(r), uri) ?? {route: r, kind: 'regex'}
    }
  }
  return found
}

/** `/n8n` when only `location /n8n/ { proxy_pass …; }` exists: nginx redirects, before any regex. */
function autoRedirect(level: readonly GatewayRoute[], uri: string): GatewayRoute | undefined {
  const isStatic = (r: GatewayRoute): boolean => !r.location.modifier.startsWith('~')
  if (level.some((r) => isStatic(r) && r.location.path === uri)) return undefined
  const target = level.find((r) => isStatic(r) && r.proxyPass && r.location.path === `${uri}/`)
  if (!target || target.returns) return target
  return {...target, returns: {status: 301, target: `${uri}/`, file: target.location.file, line: target.location.line}}
}

function keyOf(route: GatewayRoute): string {
  return `${route.location.file}:${route.location.line}`
}
