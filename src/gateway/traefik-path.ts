import type {TraefikMiddleware, TraefikObservation, TraefikRouter} from '../model/traefik.js'
import {qualified} from './traefik-config.js'
import {matchRule, rulePriority} from './traefik-rule.js'

/**
 * The path a backend receives through Traefik for the request nginx sends it: the router of highest
 * priority whose rule matches (enabled, its service there), its middlewares in order (stripPrefix
 * takes off the first prefix the path starts with, a leading / kept; addPrefix puts one before:
 * pkg/middlewares/stripprefix, addprefix). The server URL's own path is not put before it: Traefik
 * v3 joins it only for a server with preservePath (pkg/proxy/httputil). An empty path goes as /;
 * the query string is kept as sent.
 */
export interface ThroughTraefik {
  path: string
  router: TraefikRouter
  /** The middlewares that changed the path, with what each did (`strip-api: stripPrefix /api`). */
  steps: string[]
  /** Middlewares the router names that the files do not define (Traefik disables such a router). */
  missing: string[]
}

/**
 * Whether the router can take the request nginx forwards: nginx's hop to Traefik is plain HTTP (the
 * inventory's proxy address:port, Traefik's `web` entryPoint), and Traefik puts a router with tls
 * only on its entryPoints' TLS side (pkg/server/router: the HTTPS handler), so such a router never
 * sees it, however well its rule matches.
 */
export const plainHop = (r: TraefikRouter): boolean => !r.tls

export function pathThroughTraefik(obs: TraefikObservation, req: {host: string; path: string}): ThroughTraefik | undefined {
  const q = req.path.indexOf('?')
  const [uri, query] = q === -1 ? [req.path, ''] : [req.path.slice(0, q), req.path.slice(q)]
  const enabled = (r: TraefikRouter) => (r.status ? r.status !== 'disabled' : obs.services.some((s) => qualified(s.name) === qualified(r.service)))
  const router = obs.routers
    .filter((r) => enabled(r) && plainHop(r) && matchRule(r.rule, {host: req.host, path: uri}).matches)
    .sort((a, b) => rulePriority(b.rule, b.priority) - rulePriority(a.rule, a.priority))[0]
  if (!router) return undefined
  let path = uri
  const steps: string[] = []
  const missing: string[] = []
  for (const name of router.middlewares ?? []) {
    const m = (obs.middlewares ?? []).find((x) => qualified(x.name) === qualified(name))
    if (!m) {
      missing.push(name)
      continue
    }
    const before = path
    path = apply(m, path)
    if (path !== before) steps.push(`${m.name}${m.at ? ` (${m.at.file}:${m.at.line})` : ''}: ${m.stripPrefix ? `stripPrefix ${m.stripPrefix.join(', ')}` : ''}${m.stripPrefix && m.addPrefix ? ', ' : ''}${m.addPrefix ? `addPrefix ${m.addPrefix}` : ''} → ${path || '/'}`)
  }
  return {path: `${path || '/'}${query}`, router, steps, missing}
}

function apply(m: TraefikMiddleware, path: string): string {
  let out = path
  const prefix = m.stripPrefix?.map((p) => p.trim()).find((p) => out.startsWith(p))
  if (prefix !== undefined) {
    const rest = out.slice(prefix.length)
    out = rest === '' || rest.startsWith('/') ? rest : `/${rest}`
  }
  if (m.addPrefix !== undefined) {
    const added = `${m.addPrefix}${out}`
    out = added === '' || added.startsWith('/') ? added : `/${added}`
  }
  return out
}
