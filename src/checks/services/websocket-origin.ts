import type {Judgement, Seen} from '../../model/check-spec.js'
import {matchRoute} from '../../gateway/route-table.js'
import type {GatewayRoute} from '../../model/routes.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import {routeRequest} from './route-check.js'

/**
 * n8n compares a push connection's Origin with the host it sees: Forwarded host=, else
 * X-Forwarded-Host, else Host (push/origin-validator). Behind a location that forwards neither, it
 * sees nginx's default Host, the upstream ($proxy_host), and in production (NODE_ENV=production,
 * the docker image's default) closes every logged-in editor's push with 1008 "Invalid origin!".
 * It checks the session first, so a probe without one never sees it: the route's config says it.
 */
export function originUnforwarded(s: ServiceDef, inv: Inventory, subpath: string, seen: Seen, what: string, reload: string): Judgement | undefined {
  const nginx = seen.get('gateway.route')
  if (nginx?.kind !== 'nginx' || !nginx.routes.length) return undefined
  const req = routeRequest(s, inv, subpath)
  const route = matchRoute(nginx.routes, req)
  if (!route?.proxyPass || !route.websocket) return undefined
  const gateway = new URL(inv.gateway.url)
  const browserHost = `${req.host}${gateway.port ? `:${gateway.port}` : ''}`
  if (carriesHost(route, browserHost, gateway.port !== '')) return undefined
  const host = route.headers.host
  const sent = host ? `Host ${host.value} (${at(host)})` : 'nginx\'s default Host, the upstream ($proxy_host)'
  const located = `location ${route.location.path} (${at(route.location)}) sends ${s.name} ${sent} and no X-Forwarded-Host`
  return {
    status: 'warn',
    summary: `${what}: 101, but ${located}: a logged-in browser's Origin (${gateway.protocol}//${browserHost}) will not match, and n8n in production closes its push connection with 1008 "Invalid origin!" (phoenix has no session to see it)`,
    finding: 'websocket_origin_rejected',
    evidence: [located],
    hints: [{text: `In ${at(route.location)} add: proxy_set_header X-Forwarded-Host $http_host; (or proxy_set_header Host $http_host;), then reload`, command: reload}],
  }
}

/** Whether the route forwards the host a browser's Origin names, in a header n8n reads. */
function carriesHost(route: GatewayRoute, browserHost: string, explicitPort: boolean): boolean {
  const h = route.headers
  if (/\bhost=/i.test(h.forwarded?.value ?? '')) return true
  // $host and $server_name drop the port: right only where the gateway URL has none.
  const names = (v: string | undefined) =>
    v !== undefined && (v.includes('$http_host') || (!explicitPort && /\$(host|server_name)\b/.test(v)) || v.toLowerCase() === browserHost.toLowerCase())
  return names(h['x-forwarded-host']?.value) || names(h.host?.value)
}

function at(origin: {file: string; line: number}): string {
  return `${origin.file}:${origin.line}`
}
