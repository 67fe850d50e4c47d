import type {Judgement} from '../../model/check-spec.js'
import {matchRoute} from '../../gateway/route-table.js'
import type {NginxObservation} from '../../model/probes.js'
import type {KindCheck, PlanContext} from './kind.js'
import {nginxCheck} from './nginx.js'
import {kindModule} from './registry.js'
import {nginxProbe, routeRequest} from './route-check.js'

/**
 * The gateway's posture, not its health: the hardening practices of the gateway plans, and whether
 * the auth a config sets up really guards its routes. `phoenix audit` and `diag gateway` show it;
 * `check` does not, so a healthy estate is green and cron can tell a new problem from an old posture.
 */
export function postureChecks(c: PlanContext): KindCheck[] {
  return [nginxCheck(c, 'service.hardening', hardened), ...authChecks(c)]
}

/**
 * Where the config guards an API route (auth_basic, auth_request, an api-key `if`), a request
 * without credentials must get 401/403 from the gateway: a guard in the wrong block lets it through.
 */
export function authChecks(c: PlanContext): KindCheck[] {
  const apis = c.inventory.services.filter((s) => s.route && nginxProbe(c.inventory).apiPaths.includes(s.route.path))
  return apis.map((s) => {
    const req = routeRequest(s, c.inventory, kindModule(s.kind).client(s, c).subpath)
    const url = new URL(c.inventory.gateway.url)
    const what = `GET ${req.path} without credentials`
    return {
      layer: 'client' as const,
      id: `client.auth.${s.name}`,
      probe: {kind: 'http' as const, url: `${url.origin}${req.path}`, ...(s.route!.host ? {hostHeader: s.route!.host} : {}), ...(c.inventory.gateway.ca ? {caFile: c.inventory.gateway.ca} : {})},
      judge: (obs, seen) => {
        const config = seen.get('service.config')
        const route = config?.kind === 'nginx' ? matchRoute(config.routes, req) : undefined
        if (obs.kind !== 'http' || obs.status === undefined) return {status: 'pass', summary: `${what}: no answer (the client check says why)`}
        if (obs.status === 401 || obs.status === 403) return {status: 'pass', summary: `${what} answered ${obs.status}`}
        if (!route?.auth) return {status: 'pass', summary: `${what} answered ${obs.status}: no auth configured on this route (see service.hardening)`}
        return {status: 'warn', summary: `${what} answered ${obs.status}: the auth configured for location ${route.location.path} (${route.location.file}:${route.location.line}) does not guard it`, finding: 'hardening_weak',
          evidence: [`${what} → ${obs.status}`], hints: [{text: `Check the auth directives at ${route.location.file}:${route.location.line}: a request without credentials must get 401`}]}
      },
    }
  })
}

/** The gateway plans' hardening practices, as warnings with the line that fixes each. */
function hardened(obs: NginxObservation): Judgement {
  if (!obs.routes.length) return {status: 'skip', summary: 'skipped: no config read'}
  if (!obs.hardening.length) return {status: 'pass', summary: 'server_tokens off, TLS, security headers, rate limits and auth as the gateway plans ask'}
  return {
    status: 'warn',
    summary: `${obs.hardening.length} hardening practice(s) missing: ${[...new Set(obs.hardening.map((f) => f.id))].join(', ')}`,
    finding: 'hardening_weak',
    evidence: obs.hardening.map((f) => `${f.id}: ${f.summary}${whereIs(f)}`),
    hints: obs.hardening.map((f) => ({text: f.fix})),
  }
}

/** ` (/etc/nginx/nginx.conf:12)`, ` (/etc/nginx/nginx.conf)` without a line, or nothing. */
export function whereIs(f: {file?: string; line?: number}): string {
  return f.file ? ` (${f.file}${f.line === undefined ? '' : `:${f.line}`})` : ''
}
