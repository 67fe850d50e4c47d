import type {IncomingMessage, ServerResponse} from 'node:http'

import {send, sendJson} from '../http.js'
import type {Runtime, RouterInfo, ServiceInfo} from './runtime.js'

/**
 * Traefik's API (pkg/api/handler_http.go, handler_overview.go) and /ping (pkg/ping): the runtime
 * configuration as JSON, routers and services sorted by name, each with its name@provider,
 * provider, status and errors; a load balancer's serverStatus, URL → UP or DOWN. An unknown
 * router or service is 404 with `{"message":"router not found: NAME"}`.
 */

export function routerJson(r: RouterInfo): Record<string, unknown> {
  return {
    entryPoints: r.entryPoints, service: r.service, rule: r.rule, ...(r.explicitPriority ? {priority: r.explicitPriority} : {}),
    ...(r.error.length ? {error: r.error} : {}), status: r.status, using: r.using,
    name: r.name, provider: 'file', priorityStr: String(r.explicitPriority), ...(r.tls ? {tls: {}} : {}),
  }
}

export function serviceJson(s: ServiceInfo): Record<string, unknown> {
  return {
    loadBalancer: {servers: s.servers.map((url) => ({url})), ...(s.healthCheck ? {healthCheck: {path: s.healthCheck.path, interval: `${s.healthCheck.interval / 1000}s`, timeout: `${s.healthCheck.timeout / 1000}s`}} : {}), passHostHeader: s.passHostHeader},
    status: 'enabled', usedBy: [...s.usedBy].sort(), name: s.name, provider: 'file', type: 'loadbalancer',
    ...(Object.keys(s.serverStatus).length ? {serverStatus: s.serverStatus} : {}),
  }
}

function overview(rt: Runtime): Record<string, unknown> {
  const routers = rt.routers
  const count = (items: {status: string; error?: string[]}[]) => ({total: items.length, warnings: items.filter((i) => i.status === 'warning').length, errors: items.filter((i) => i.status === 'disabled').length})
  return {
    http: {routers: count(routers), services: count([...rt.services.values()].map(() => ({status: 'enabled'}))), middlewares: {total: 0, warnings: 0, errors: 0}},
    tcp: {routers: {total: 0, warnings: 0, errors: 0}, services: {total: 0, warnings: 0, errors: 0}, middlewares: {total: 0, warnings: 0, errors: 0}},
    udp: {routers: {total: 0, warnings: 0, errors: 0}, services: {total: 0, warnings: 0, errors: 0}},
    features: {tracing: '', metrics: '', accessLog: false},
    providers: ['File'],
  }
}

const notFound = (res: ServerResponse, message: string) => send(res, 404, `${JSON.stringify({message})}\n`, 'text/plain; charset=utf-8', {'X-Content-Type-Options': 'nosniff'})

/** Serves the API; false when the path is none of its own. */
export function serveApi(rt: Runtime, req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://traefik.invalid').pathname
  if (req.method !== 'GET' || !path.startsWith('/api/')) return false
  const byName = <T extends {name: string}>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name))
  const one = /^\/api\/http\/(routers|services)\/(.+)$/.exec(path)
  if (path === '/api/http/routers') sendJson(res, 200, byName(rt.routers).map(routerJson))
  else if (path === '/api/http/services') sendJson(res, 200, byName([...rt.services.values()]).map(serviceJson))
  else if (path === '/api/overview') sendJson(res, 200, overview(rt))
  else if (one?.[1] === 'routers') {
    const name = decodeURIComponent(one[2]!)
    const r = rt.routers.find((x) => x.name === name)
    if (r) sendJson(res, 200, routerJson(r))
    else notFound(res, `router not found: ${name}`)
  } else if (one?.[1] === 'services') {
    const name = decodeURIComponent(one[2]!)
    const s = rt.services.get(name)
    if (s) sendJson(res, 200, serviceJson(s))
    else notFound(res, `service not found: ${name}`)
  } else return false
  return true
}

/** GET or HEAD /ping: 200 "OK" (503 while terminating, which the emulator never is). */
export function servePing(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://traefik.invalid').pathname
  if (path !== '/ping' || (req.method !== 'GET' && req.method !== 'HEAD')) return false
  send(res, 200, 'OK', 'text/plain; charset=utf-8')
  return true
}
