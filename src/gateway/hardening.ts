import {blocks, simple} from './directive-read.js'
import {headerFindings, isRedirectOnly, serverLabel, serversOf} from './hardening-headers.js'
import type {Directive} from './nginx-dump.js'
import {matchLocation} from './route-match.js'
import type {GatewayRoute, RouteServer} from '../model/routes.js'
import type {HardeningFinding} from '../model/nginx.js'

/**
 * The gateway plans' hardening practices (seed 000 §2.2 and §6.2, seed 002 §4 and §6, seed 003
 * §3.2.1), checked on the config as nginx reads it, each with the exact lines that fix it.
 */

/**
 * The gateway plans' hardening practices, as warnings with the exact fix (e.g. `server_tokens off;`
 * in the http block of /etc/nginx/nginx.conf). apiPaths: the locations that are API routes (rate
 * limit and auth expected there).
 */
export function auditHardening(root: Directive[], routes: GatewayRoute[], apiPaths: string[]): HardeningFinding[] {
  const http = blocks(root, 'http')[0]
  const where = http ? `the http block of ${http.file} (line ${http.line})` : 'the http block of nginx.conf'
  return [
    ...serverTokens(http, where),
    ...serversOf(routes).flatMap(({server, routes: own}) => tlsMissing(server, own)),
    ...headerFindings(root, routes),
    ...apiFindings(http?.block ?? [], routes, apiPaths, where),
  ]
}

/** nginx names its version in the Server header and on every error page unless told not to. */
function serverTokens(http: (Directive & {block: Directive[]}) | undefined, where: string): HardeningFinding[] {
  const out: HardeningFinding[] = []
  const top = http ? simple(http.block, 'server_tokens').at(-1) : undefined
  if (top?.args[0] !== 'off') {
    out.push({
      id: 'server_tokens',
      summary: `nginx sends its version in the Server header and on error pages (server_tokens ${top?.args[0] ?? 'on, the default'})`,
      fix: `server_tokens off; in ${where}`,
      ...(top ? {file: top.file, line: top.line} : http ? {file: http.file, line: http.line} : {}),
    })
  }
  // A server or location that turns it back on overrides the http block.
  for (const d of deepSimple(http?.block ?? [], 'server_tokens').filter((d) => d.args[0] !== 'off')) {
    out.push({id: 'server_tokens', summary: `server_tokens ${d.args[0] ?? ''} at ${d.file}:${d.line} shows the nginx version`, fix: `server_tokens off; at ${d.file}:${d.line}`, file: d.file, line: d.line})
  }
  return out
}

/** Simple directives named `name` inside the blocks below `directives` (not at its own level). */
function deepSimple(directives: readonly Directive[], name: string): Directive[] {
  return directives.flatMap((d) => (d.block ? [...simple(d.block, name), ...deepSimple(d.block, name)] : []))
}

/** A server that answers in plain HTTP, other than the port-80 server that only redirects to https. */
function tlsMissing(server: RouteServer, own: readonly GatewayRoute[]): HardeningFinding[] {
  if (server.tls || isRedirectOnly(own)) return []
  const name = server.serverNames.find((n) => n !== '_' && n !== '' && !n.startsWith('~')) ?? 'gateway'
  const ports = [...new Set(server.listens.map((l) => l.port))].join(', ')
  return [{
    id: 'tls_missing',
    summary: `server ${serverLabel(server)} serves plain HTTP on port ${ports}: requests and API keys cross the network unencrypted`,
    fix: `in the server block at ${server.file}:${server.line}: listen 443 ssl; ssl_certificate /etc/nginx/ssl/${name}.crt; ssl_certificate_key /etc/nginx/ssl/${name}.key; and keep on port 80 only: return 301 https://$host$request_uri;`,
    file: server.file,
    line: server.line,
  }]
}

/** The routes serving each API path: the location written for it, else the one each server would choose. */
function apiRoutes(routes: readonly GatewayRoute[], apiPaths: readonly string[]): GatewayRoute[] {
  const found = new Set<GatewayRoute>()
  for (const path of apiPaths) {
    const written = routes.filter((r) => r.location.path === path && !r.location.implicit)
    const chosen = written.length > 0 ? written : serversOf(routes).map(({server}) => matchLocation(routes, server, path))
    for (const r of chosen) if (r?.proxyPass && !r.returns) found.add(r)
  }
  return [...found]
}

function apiFindings(http: readonly Directive[], routes: readonly GatewayRoute[], apiPaths: readonly string[], where: string): HardeningFinding[] {
  const zoneDirective = simple(http, 'limit_req_zone')[0]
  const zone = /zone=([^:\s]+)/.exec(zoneDirective?.args.join(' ') ?? '')?.[1]
  const zoneFix = zone ? '' : `; and limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s; in ${where}`
  const out: HardeningFinding[] = []
  for (const r of apiRoutes(routes, apiPaths)) {
    const loc = `location ${[r.location.modifier, r.location.path].filter(Boolean).join(' ')} at ${r.location.file}:${r.location.line}`
    const at = {file: r.location.file, line: r.location.line}
    if (!r.limitReq) {
      out.push({id: 'rate_limit', summary: `${loc} has no rate limit: one client can exhaust the backend`, fix: `limit_req zone=${zone ?? 'api'} burst=20 nodelay; in the ${loc}${zoneFix}`, ...at})
    }
    if (!r.auth) {
      out.push({
        id: 'auth_missing',
        summary: `${loc} proxies to ${r.proxyPass?.url ?? 'its backend'} without authentication`,
        fix: `map $http_authorization $api_key_valid { default 0; "Bearer <key>" 1; } in ${where}; and if ($api_key_valid = 0) { return 401; } in the ${loc} (or auth_request / auth_basic there)`,
        ...at,
      })
    }
  }
  return out
}
