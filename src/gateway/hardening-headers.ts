import {blocks, simple} from './directive-read.js'
import type {HardeningFinding} from '../model/nginx.js'
import type {Directive} from './nginx-dump.js'
import type {GatewayRoute, RouteServer} from '../model/routes.js'

/**
 * The security headers of seed 000 §2.2 and seed 003 §3.2.1, checked per server where nginx
 * sends them: add_header is inherited whole from the nearest level that writes any, so a location
 * with one add_header of its own silently drops the server's security headers.
 */

interface HeaderPractice {
  id: Extract<HardeningFinding['id'], 'hsts' | 'x_frame_options' | 'x_content_type_options' | 'csp'>
  header: string
  directive: string
  why: string
  /** HSTS over plain HTTP is ignored by browsers: it belongs to TLS servers only. */
  tlsOnly?: boolean
}

const PRACTICES: readonly HeaderPractice[] = [
  {id: 'hsts', header: 'Strict-Transport-Security', directive: 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;', why: 'browsers may still try plain HTTP first', tlsOnly: true},
  {id: 'x_frame_options', header: 'X-Frame-Options', directive: 'add_header X-Frame-Options SAMEORIGIN always;', why: 'its pages can be framed by other sites (clickjacking)'},
  {id: 'x_content_type_options', header: 'X-Content-Type-Options', directive: 'add_header X-Content-Type-Options nosniff always;', why: 'browsers may sniff responses into another content type'},
  {id: 'csp', header: 'Content-Security-Policy', directive: `add_header Content-Security-Policy "default-src 'self'; frame-ancestors 'self'" always;`, why: 'injected scripts are not restricted'},
]

/** The routes grouped by server, in config order. */
export function serversOf(routes: readonly GatewayRoute[]): {server: RouteServer; routes: GatewayRoute[]}[] {
  const byKey = new Map<string, {server: RouteServer; routes: GatewayRoute[]}>()
  for (const r of routes) {
    const key = `${r.server.file}:${r.server.line}`
    const entry = byKey.get(key) ?? {server: r.server, routes: []}
    entry.routes.push(r)
    byKey.set(key, entry)
  }
  return [...byKey.values()]
}

/**
 * Every route answers with a redirect to https: the plain port-80 server the plans keep. ACME
 * http-01 challenges must stay on plain http (RFC 8555 §8.3), so their location does not count.
 */
export function isRedirectOnly(routes: readonly GatewayRoute[]): boolean {
  const acme = (r: GatewayRoute): boolean => r.location.path.startsWith('/.well-known/acme-challenge')
  const redirects = (r: GatewayRoute): boolean => r.returns !== undefined && r.returns.status >= 300 && r.returns.status < 400 && (r.returns.target ?? '').startsWith('https://')
  return routes.some(redirects) && routes.every((r) => redirects(r) || acme(r))
}

/** Each missing security header, per server (or per location that drops the server's). */
export function headerFindings(root: readonly Directive[], routes: readonly GatewayRoute[]): HardeningFinding[] {
  const out: HardeningFinding[] = []
  for (const {server, routes: own} of serversOf(routes)) {
    if (isRedirectOnly(own)) continue
    const level = levelHeaders(root, server)
    for (const p of PRACTICES) if (!p.tlsOnly || server.tls) out.push(...missing(p, server, own, level))
  }
  return out
}

function missing(p: HeaderPractice, server: RouteServer, own: readonly GatewayRoute[], level: ReadonlySet<string>): HardeningFinding[] {
  const name = p.header.toLowerCase()
  const lacking = own.filter((r) => r.addHeaders[name] === undefined)
  if (lacking.length === 0) return []
  const dropping = lacking.filter((r) => r.addHeadersFrom === 'location')
  const places = dropping.map((r) => `location ${r.location.path} (${r.location.file}:${r.location.line})`)
  if (!level.has(name)) {
    const also = places.length > 0 ? `, and in each location with add_header of its own: ${places.join(', ')}` : ''
    return [{id: p.id, summary: `server ${serverLabel(server)} sends no ${p.header} header: ${p.why}`, fix: `${p.directive} in the server block at ${server.file}:${server.line}${also}`, file: server.file, line: server.line}]
  }
  return dropping.map((r) => ({
    id: p.id,
    summary: `location ${r.location.path} of server ${serverLabel(server)} has add_header of its own, so it drops the server's ${p.header} (nginx inherits add_header only into levels that write none)`,
    fix: `${p.directive} in location ${r.location.path} at ${r.location.file}:${r.location.line}`,
    file: r.location.file,
    line: r.location.line,
  }))
}

/** How findings name a server: its names, or its place. */
export function serverLabel(server: RouteServer): string {
  return server.serverNames.length > 0 ? server.serverNames.join(' ') : `${server.file}:${server.line}`
}

/** The add_header names a location without its own would get: the server's, else the http block's. */
function levelHeaders(root: readonly Directive[], server: RouteServer): Set<string> {
  for (const http of blocks(root, 'http')) {
    const block = blocks(http.block, 'server').find((s) => s.file === server.file && s.line === server.line)
    if (!block) continue
    const own = simple(block.block, 'add_header')
    const list = own.length > 0 ? own : simple(http.block, 'add_header')
    return new Set(list.map((d) => (d.args[0] ?? '').toLowerCase()))
  }
  return new Set()
}
