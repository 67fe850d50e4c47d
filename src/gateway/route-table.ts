import {blocks, collectUpstreams, readProxyPass, readServer, simple} from './directive-read.js'
import type {BlockDirective, Upstreams} from './directive-read.js'
import type {Directive} from './nginx-dump.js'
import {addHeaderRecord, hasGuard, inherit, isWebsocket, proxyHeaderRecord, readReturn, ROOT_SCOPE} from './route-scope.js'
import type {Scope} from './route-scope.js'
import type {GatewayRoute, RouteServer, UpstreamServer} from '../model/routes.js'

export type {GatewayRoute, HeaderLevel, HeaderSetting, ListenSpec, Origin, RouteServer, UpstreamServer} from '../model/routes.js'
export {matchLocation, matchRoute, matchServer} from './route-match.js'
export type {RouteRequest} from './route-match.js'
export {upstreamPath} from './upstream-path.js'

/**
 * One route per location of every http server, in config order (nested locations after their
 * parent; named `@` locations are not routes). A server without locations gets one implicit route,
 * so that matching still finds it. Only servers inside `http` count: a `location` written outside
 * its server is a config error (parseNginxDump reports it) and serves nothing.
 */
export function buildRouteTable(root: Directive[]): GatewayRoute[] {
  const routes: GatewayRoute[] = []
  for (const http of blocks(root, 'http')) {
    const upstreams = collectUpstreams(http.block)
    const scope = inherit(ROOT_SCOPE, http.block, 'http')
    for (const server of blocks(http.block, 'server')) routes.push(...serverRoutes(server, scope, upstreams))
  }
  return routes
}

/** Every upstream block of the http blocks, in config order. */
export function upstreamBlocks(root: Directive[]): {name: string; servers: UpstreamServer[]}[] {
  return blocks(root, 'http').flatMap((http) => [...collectUpstreams(http.block).values()])
}

function serverRoutes(server: BlockDirective, httpScope: Scope, upstreams: Upstreams): GatewayRoute[] {
  const info = readServer(server)
  const scope = inherit(httpScope, server.block, 'server')
  const locations = blocks(server.block, 'location')
  if (locations.length === 0) {
    const location = {modifier: '', path: '/', file: server.file, line: server.line, implicit: true}
    return [makeRoute(info, location, scope, [], upstreams)]
  }
  return locations.flatMap((l) => locationRoutes(l, info, scope, upstreams))
}

function locationRoutes(loc: BlockDirective, server: RouteServer, parentScope: Scope, upstreams: Upstreams, parent?: string): GatewayRoute[] {
  const spec = locationSpec(loc.args)
  if (spec.path.startsWith('@')) return []
  const scope = inherit(parentScope, loc.block, 'location')
  const location = {...spec, file: loc.file, line: loc.line, ...(parent ? {parent} : {})}
  const route = makeRoute(server, location, scope, loc.block, upstreams)
  const key = `${loc.file}:${loc.line}`
  return [route, ...blocks(loc.block, 'location').flatMap((l) => locationRoutes(l, server, scope, upstreams, key))]
}

/** `location = /x`, and the forms nginx also accepts with the modifier glued on: `location =/x`. */
export function locationSpec(args: readonly string[]): {modifier: string; path: string} {
  const [first = '', second] = args
  if (second !== undefined) return {modifier: first, path: second}
  const glued = /^(=|\^~|~\*|~)(.+)$/.exec(first)
  return glued ? {modifier: glued[1]!, path: glued[2]!} : {modifier: '', path: first}
}

function makeRoute(server: RouteServer, location: GatewayRoute['location'], scope: Scope, block: Directive[], upstreams: Upstreams): GatewayRoute {
  const headers = proxyHeaderRecord(scope.proxyHeaders)
  const proxy = simple(block, 'proxy_pass')[0]
  // The server's return runs in its rewrite phase, before any location is even chosen.
  const ret = scope.serverReturn ?? simple(block, 'return')[0]
  return {
    server,
    location,
    ...(proxy ? {proxyPass: readProxyPass(proxy, upstreams)} : {}),
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
  }
}
