import {blocks, collectUpstreams, readProxyPass, readServer, resolveUrl, simple} from './directive-read.js'
import type {BlockDirective, Upstreams} from './directive-read.js'
import type {Directive} from './nginx-dump.js'
import {collectMaps, expandUrl} from './nginx-variables.js'
import {addHeaderRecord, hasGuard, inherit, isWebsocket, proxyHeaderRecord, readReturn, ROOT_SCOPE} from './route-scope.js'
import type {Scope} from './route-scope.js'
import type {GatewayRoute, NginxMap, ProxyPass, RouteServer, UpstreamServer} from '../model/routes.js'

export type {GatewayRoute, HeaderLevel, HeaderSetting, ListenSpec, Origin, RouteServer, UpstreamServer} from '../model/routes.js'
export {matchLocation, matchRoute, matchServer} from './route-match.js'
export type {RouteRequest} from './route-match.js'
export {upstreamPath} from './upstream-path.js'
export {passFor} from './pass-choice.js'

/** What an http block defines for its routes to refer to. */
interface Defs {
  upstreams: Upstreams
  maps: ReadonlyMap<string, NginxMap>
}

/**
 * One route per location of every http server, in config order (nested locations after their
 * parent; named `@` locations are not routes). A server without locations gets one implicit route,
 * so that matching still finds it. Only servers inside `http` count: a `location` written outside
 * its server is a config error (parseNginxDump reports it) and serves nothing.
 */
export function buildRouteTable(root: Directive[]): GatewayRoute[] {
  const routes: GatewayRoute[] = []
  for (const http of blocks(root, 'http')) {
    const defs = {upstreams: collectUpstreams(http.block), maps: collectMaps(http.block)}
    const scope = inherit(ROOT_SCOPE, http.block, 'http')
    for (const server of blocks(http.block, 'server')) routes.push(...serverRoutes(server, scope, defs))
  }
  return routes
}

/** Every upstream block of the http blocks, in config order. */
export function upstreamBlocks(root: Directive[]): {name: string; servers: UpstreamServer[]}[] {
  return blocks(root, 'http').flatMap((http) => [...collectUpstreams(http.block).values()])
}

function serverRoutes(server: BlockDirective, httpScope: Scope, defs: Defs): GatewayRoute[] {
  const info = readServer(server)
  const scope = inherit(httpScope, server.block, 'server')
  const locations = blocks(server.block, 'location')
  if (locations.length === 0) {
    const location = {modifier: '', path: '/', file: server.file, line: server.line, implicit: true}
    return [makeRoute(info, location, scope, [], defs)]
  }
  return locations.flatMap((l) => locationRoutes(l, info, scope, defs))
}

function locationRoutes(loc: BlockDirective, server: RouteServer, parentScope: Scope, defs: Defs, parent?: string): GatewayRoute[] {
  const spec = locationSpec(loc.args)
  if (spec.path.startsWith('@')) return []
  const scope = inherit(parentScope, loc.block, 'location')
  const location = {...spec, file: loc.file, line: loc.line, ...(parent ? {parent} : {})}
  const route = makeRoute(server, location, scope, loc.block, defs)
  const key = `${loc.file}:${loc.line}`
  return [route, ...blocks(loc.block, 'location').flatMap((l) => locationRoutes(l, server, scope, defs, key))]
}

/** `location = /x`, and the forms nginx also accepts with the modifier glued on: `location =/x`. */
export function locationSpec(args: readonly string[]): {modifier: string; path: string} {
  const [first = '', second] = args
  if (second !== undefined) return {modifier: first, path: second}
  const glued = /^(=|\^~|~\*|~)(.+)$/.exec(first)
  return glued ? {modifier: glued[1]!, path: glued[2]!} : {modifier: '', path: first}
}

function makeRoute(server: RouteServer, location: GatewayRoute['location'], scope: Scope, block: Directive[], defs: Defs): GatewayRoute {
  const headers = proxyHeaderRecord(scope.proxyHeaders)
  const proxy = simple(block, 'proxy_pass')[0]
  // The server's return runs in its rewrite phase, before any location is even chosen.
  const ret = scope.serverReturn ?? simple(block, 'return')[0]
  return {
    server,
    location,
    ...(proxy ? {proxyPass: proxyPassOf(proxy, scope, defs)} : {}),
    headers,
    ...(scope.proxyHeadersFrom ? {headersFrom: scope.proxyHeadersFrom} : {}),
    addHeaders: addHeaderRecord(scope.addHeaders),
    ...(scope.addHeadersFrom ? {addHeadersFrom: scope.addHeadersFrom} : {}),
    rewrites: simple(block, 'rewrite').map((d) => {
      const [from = '', to = '', flag] = d.args
      return {from, to, file: d.file, line: d.line, ...(flag ? {flag} : {})}
    }),
    websocket: isWebsocket(headers),
    limitReq: scope.limitReq.length > 0,
    auth: scope.authBasic || scope.authRequest || scope.serverGuard || hasGuard(block),
    ...(ret ? {returns: readReturn(ret)} : {}),
    ...(scope.redirects.length > 0 ? {redirects: scope.redirects} : {}),
  }
}

/**
 * A proxy_pass, with every value it can take when its URL names variables the gateway defines
 * (`proxy_pass $upstream_service;` through a map). `servers` is then every candidate's, so that
 * the route table and discovery see them all; the check picks the request's own (passFor).
 */
function proxyPassOf(d: Directive, scope: Scope, defs: Defs): ProxyPass {
  const pass = readProxyPass(d, defs.upstreams)
  if (!pass.url.includes('$')) return pass
  const candidates = expandUrl(pass.url, {maps: defs.maps, sets: scope.sets}, d).map((c) => {
    const resolved = resolveUrl(c.url, c, defs.upstreams)
    const unresolved = c.url === '' ? 'the value is empty: nginx answers 500' : resolved.servers.length === 0 ? `${c.url} is decided per request` : undefined
    return {...c, ...resolved, ...(unresolved ? {unresolved} : {})}
  })
  const used = new Set(candidates.flatMap((c) => c.when.flatMap((w) => (w.map ? [w.variable.slice(1)] : []))))
  // A map keyed on another map's variable needs that one too, to be decided per request.
  for (const n of used) for (const m of defs.maps.get(n)!.source.matchAll(/\$\{?(\w+)/g)) if (defs.maps.has(m[1]!)) used.add(m[1]!)
  const maps = [...used].map((n) => defs.maps.get(n)!)
  // Variables only in the URI part (`http://backend$request_uri`): the servers are fixed.
  if (candidates.length === 1 && candidates[0]!.when.length === 0 && pass.servers.length > 0) return pass
  const servers = [...new Map(candidates.flatMap((c) => c.servers).map((x) => [`${x.address}:${x.port}`, x])).values()]
  return {...pass, servers, dynamic: {candidates, maps}}
}
