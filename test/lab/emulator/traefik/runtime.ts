import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'

import type {DynamicConfig, HealthCheckDef, MiddlewareDef, StaticConfig} from './config.js'
import {matches, parseRule, priorityOf} from './rule.js'
import type {Rule, RoutedRequest} from './rule.js'

/**
 * The runtime configuration Traefik builds from the dynamic one (pkg/config/runtime): routers and
 * services by qualified name (`name@file`), each with a status (enabled, disabled with its errors)
 * and, for a load balancer with a health check, each server's status, UP or DOWN. A router whose
 * service does not exist or whose rule does not parse is disabled and routes nothing.
 */

export interface RouterInfo {
  name: string
  rule: string
  service: string
  priority: number
  /** Set in the file (0 or absent: computed from the rule, shown as priorityStr). */
  explicitPriority: number
  entryPoints: string[]
  using: string[]
  status: 'enabled' | 'disabled'
  error: string[]
  parsed?: Rule
  /** Its middlewares, in order (each found: a missing one disables the router). */
  middlewares: MiddlewareDef[]
  /** Its `tls` section (the API shows it as `tls: {}`). */
  tls?: boolean
}

export interface ServiceInfo {
  name: string
  servers: string[]
  passHostHeader: boolean
  healthCheck?: HealthCheckDef
  usedBy: string[]
  serverStatus: Record<string, 'UP' | 'DOWN'>
  next: number
}

export interface Runtime {
  routers: RouterInfo[]
  services: Map<string, ServiceInfo>
  certificates: DynamicConfig['certificates']
  stop: () => void
}

const qualified = (name: string) => (name.includes('@') ? name : `${name}@file`)

export function buildRuntime(st: StaticConfig, dyn: DynamicConfig, log: (line: string) => void): Runtime {
  const services = new Map<string, ServiceInfo>()
  for (const [name, s] of Object.entries(dyn.services)) {
    services.set(qualified(name), {name: qualified(name), servers: s.servers, passHostHeader: s.passHostHeader, ...(s.healthCheck ? {healthCheck: s.healthCheck} : {}), usedBy: [], serverStatus: Object.fromEntries(s.servers.map((u) => [u, 'UP' as const])), next: 0})
  }
  const all = Object.keys(st.entryPoints)
  const routers = Object.entries(dyn.routers).map(([name, r]): RouterInfo => {
    const info: RouterInfo = {name: qualified(name), rule: r.rule, service: r.service, priority: priorityOf(r.rule, r.priority), explicitPriority: r.priority ?? 0,
      entryPoints: r.entryPoints ?? all, using: [], status: 'enabled', error: [], middlewares: [], ...(r.tls ? {tls: true} : {})}
    info.using = info.entryPoints.filter((ep) => all.includes(ep))
    for (const ep of info.entryPoints.filter((e) => !all.includes(e))) info.error.push(`entryPoint "${ep}" doesn't exist`)
    if (info.using.length === 0) info.error.push('no valid entryPoint for this router')
    try {
      info.parsed = parseRule(r.rule)
    } catch (error) {
      info.error.push((error as Error).message)
    }
    const svc = services.get(qualified(r.service))
    if (!svc) info.error.push(`the service "${qualified(r.service)}" does not exist`)
    else svc.usedBy.push(info.name)
    // pkg/server/middleware: a router whose middleware does not exist cannot be built.
    const missing = (r.middlewares ?? []).filter((m) => !dyn.middlewares[m.replace(/@file$/, '')])
    for (const m of missing) info.error.push(`middleware "${qualified(m)}" does not exist`)
    info.middlewares = (r.middlewares ?? []).flatMap((m) => dyn.middlewares[m.replace(/@file$/, '')] ?? [])
    if (info.error.length && (!svc || !info.parsed || info.using.length === 0 || missing.length)) info.status = 'disabled'
    for (const e of info.error) log(`ERR error="${e}" entryPointName=${info.using[0] ?? '-'} routerName=${info.name}`)
    return info
  }).sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name))
  const timers = [...services.values()].filter((s) => s.healthCheck).map((s) => startHealthCheck(s, log))
  return {routers, services, certificates: dyn.certificates, stop: () => timers.forEach((t) => clearInterval(t))}
}

/** The enabled router of this entryPoint with the highest priority whose rule matches. */
export function route(rt: Runtime, entryPoint: string, req: RoutedRequest, tls = false): RouterInfo | undefined {
  // pkg/server/router: a router with tls is on its entryPoints' TLS side only, one without on the plain side (or the TLS side of an entryPoint with http.tls).
  return rt.routers.find((r) => r.status === 'enabled' && r.using.includes(entryPoint) && (tls || !r.tls) && r.parsed && matches(r.parsed, req))
}

/**
 * The path after the router's middlewares, in order: stripPrefix takes off the first of its
 * prefixes that the path starts with (a leading / kept, an empty path left empty, which the proxy
 * sends as /) and says which in X-Forwarded-Prefix; addPrefix puts its prefix before the path.
 */
export function rewritePath(router: RouterInfo, path: string): {path: string; forwardedPrefix?: string} {
  let out = path
  let forwardedPrefix: string | undefined
  for (const m of router.middlewares) {
    const prefix = m.stripPrefix?.find((p) => out.startsWith(p))
    if (prefix !== undefined) {
      const rest = out.slice(prefix.length)
      out = rest === '' || rest.startsWith('/') ? rest : `/${rest}`
      forwardedPrefix = prefix
    }
    if (m.addPrefix !== undefined) out = `${m.addPrefix}${out}`.replace(/^(?!\/)/, '/')
  }
  return {path: out, ...(forwardedPrefix !== undefined ? {forwardedPrefix} : {})}
}

/** Round robin over the servers the health check says are UP. */
export function pickServer(svc: ServiceInfo): string | undefined {
  const up = svc.servers.filter((u) => svc.serverStatus[u] === 'UP')
  if (up.length === 0) return undefined
  return up[svc.next++ % up.length]
}

/** Checks every server now and then every interval; a server that fails is DOWN until it answers again. */
function startHealthCheck(svc: ServiceInfo, log: (line: string) => void): NodeJS.Timeout {
  const hc = svc.healthCheck!
  const once = () => {
    for (const server of svc.servers) {
      void checkServer(server, hc).then((problem) => {
        const was = svc.serverStatus[server]
        svc.serverStatus[server] = problem ? 'DOWN' : 'UP'
        if (problem && was === 'UP') log(`WRN Health check failed. error="${problem}" targetURL=${server} serviceName=${svc.name}`)
        if (!problem && was === 'DOWN') log(`INF Health check up: returning to server list. targetURL=${server} serviceName=${svc.name}`)
      })
    }
  }
  once()
  return setInterval(once, hc.interval)
}

/** One health check request: a status outside 2xx-3xx (or not `status:`) or no answer is a failure. */
function checkServer(server: string, hc: HealthCheckDef): Promise<string | undefined> {
  const target = new URL(server)
  if (hc.scheme) target.protocol = `${hc.scheme}:`
  if (hc.port) target.port = String(hc.port)
  const url = new URL(hc.path, target)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    const req = send(url, {method: 'GET', timeout: hc.timeout}, (res) => {
      res.resume()
      const code = res.statusCode ?? 0
      if (hc.status) resolve(code === hc.status ? undefined : `received error status code: ${code} expected status code: ${hc.status}`)
      else resolve(code >= 200 && code < 400 ? undefined : `received error status code: ${code}`)
    })
    req.on('timeout', () => req.destroy(new Error(`fail to connect to ${target.host} within ${hc.timeout / 1000}s`)))
    req.on('error', (e) => resolve(`HTTP request failed: ${e.message}`))
    req.end()
  })
}
