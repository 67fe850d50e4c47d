import {nginxRegex} from './nginx-regex.js'
import type {GatewayRoute} from '../model/routes.js'

/**
 * The path the upstream receives for a request path, following proxy_pass URI replacement
 * (trailing slash strips the location prefix) and simple rewrites (`rewrite ^/x/(.*) /$1 break;`).
 *
 * nginx's rules (ngx_http_proxy_module docs): with a URI in proxy_pass, the part of the URI that
 * matched a prefix location is replaced by it; without one, the URI goes as the client sent it; once
 * a rewrite changed the URI, the changed URI goes whole and proxy_pass's URI is ignored. A rewrite
 * without `break` makes nginx search the locations again: the path returned is then the rewritten
 * one, which the route the new search picks may change further. A rewrite to an absolute URL (or
 * `redirect`/`permanent`) sends the client away: the URL is returned and no upstream sees it.
 */
export function upstreamPath(route: GatewayRoute, path: string): string {
  const q = path.indexOf('?')
  const uri = q === -1 ? path : path.slice(0, q)
  const args = q === -1 ? undefined : path.slice(q + 1)
  const rewritten = applyRewrites(route, uri, args)
  if (rewritten) return rewritten
  const suffix = args === undefined ? '' : `?${args}`
  const part = route.proxyPass?.uriPart
  if (part === undefined) return path
  // With variables anywhere in proxy_pass, its URI replaces the request's whole (ngx_http_proxy_module).
  if (part.includes('$') || route.proxyPass!.url.includes('$')) return expandVariables(part, uri, args)
  // A URI part in a regex location is refused by nginx -t; the URI then goes unchanged.
  if (route.location.modifier.startsWith('~') || !uri.startsWith(route.location.path)) return path
  return part + uri.slice(route.location.path.length) + suffix
}

function applyRewrites(route: GatewayRoute, uri: string, args: string | undefined): string | undefined {
  let current = uri
  let currentArgs = args
  let changed = false
  for (const r of route.rewrites) {
    const m = nginxRegex(r.from)?.exec(current)
    if (!m) continue
    const to = r.to.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '')
    const q = to.indexOf('?')
    current = q === -1 ? to : to.slice(0, q)
    if (q !== -1) currentArgs = rewrittenArgs(to.slice(q + 1), currentArgs)
    changed = true
    if (r.flag !== undefined) break
  }
  if (!changed) return undefined
  return currentArgs === undefined ? current : `${current}?${currentArgs}`
}

/** New arguments in a replacement come first and the old ones follow, unless it ends with `?`. */
function rewrittenArgs(replacement: string, old: string | undefined): string | undefined {
  if (replacement.endsWith('?')) return replacement.slice(0, -1) || undefined
  return [replacement, old].filter((a) => a !== undefined && a !== '').join('&') || undefined
}

function expandVariables(part: string, uri: string, args: string | undefined): string {
  return part
    .replace(/\$request_uri/g, args === undefined ? uri : `${uri}?${args}`)
    .replace(/\$is_args/g, args === undefined ? '' : '?')
    .replace(/\$args/g, args ?? '')
    .replace(/\$uri/g, uri)
}
