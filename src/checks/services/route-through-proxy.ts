import type {Judgement, Seen} from '../../model/check-spec.js'
import {qualified} from '../../gateway/traefik-config.js'
import {pathThroughTraefik} from '../../gateway/traefik-path.js'
import type {ServiceDef} from '../../model/inventory.js'
import type {TraefikOrigin} from '../../model/traefik.js'
import {pointsAt} from './proxy-route.js'

/**
 * The path a service behind Traefik receives: nginx's location and proxy_pass URI give the path
 * Traefik gets (`sent`), the router that takes it and its middlewares (stripPrefix, addPrefix) the
 * path the service gets, judged against the path it answers at (its health or API path). Read from
 * proxy.route's observation (the proxy layer is judged before the gateway's): without it, or when
 * Traefik sends the route elsewhere (proxy.route says so), there is nothing to add.
 */
export function judgeThroughProxy(s: ServiceDef, req: {host: string; path: string; expected: string}, sent: string, nginxWhy: string, located: string, errors: string[], seen: Seen): Judgement | undefined {
  const obs = seen.get('proxy.route')
  if (obs?.kind !== 'traefik') return undefined
  const through = pathThroughTraefik(obs, {host: req.host, path: sent})
  const svc = through && obs.services.find((x) => qualified(x.name) === qualified(through.router.service))
  if (!through || !svc?.servers.some((x) => pointsAt(x.url, s))) return undefined
  const r = through.router
  const chain = `nginx sends ${sent} (${nginxWhy}), Traefik's router ${r.name}${r.at ? ` (${at(r.at)})` : ''} ${through.steps.length ? `makes it ${through.path} (${through.steps.join('; ')})` : 'passes it as it is (no middleware that changes the path)'}`
  const evidence = [located, chain, ...through.missing.map((m) => `router ${r.name} names middleware ${m}, which no file defines: Traefik disables the router`), ...errors]
  if (through.path === req.expected) return {status: 'pass', summary: `${located}; ${s.name} gets ${req.path} as ${through.path}: ${chain}`, evidence}
  const left = through.path.endsWith(req.expected) && through.path.length > req.expected.length ? through.path.slice(0, through.path.length - req.expected.length).replace(/\/$/, '') : undefined
  const where = r.at ? `In ${at(r.at)}` : `For router ${r.name}`
  const hint = left
    ? `${where} give router ${r.name} a stripPrefix middleware that takes off ${left} (http.middlewares.NAME.stripPrefix.prefixes: [${left}], and NAME in the router's middlewares), or make nginx take it off (proxy_pass with a URI)`
    : `Make ${req.path} reach ${s.name} as ${req.expected}: ${chain}; change the router's middlewares${r.at ? ` (${at(r.at)})` : ''} or nginx's proxy_pass URI`
  return {status: 'warn', finding: 'route_wrong_target', evidence, hints: [{text: hint}],
    summary: `${located}: GET ${req.path} reaches ${s.name} as ${through.path}, not ${req.expected}: ${chain}`}
}

function at(o: TraefikOrigin): string {
  return `${o.file}:${o.line}`
}
