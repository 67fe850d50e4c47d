import {readdirSync, readFileSync, statSync} from 'node:fs'
import {extname, join} from 'node:path'

import {parse as parseToml} from 'smol-toml'
import {parse as parseYaml} from 'yaml'

/**
 * Traefik's two configurations, as its docs define them. The static one (traefik.yml, read once at
 * start: entryPoints, api, ping, providers.file) and the dynamic one the file provider reads from a
 * file or every .yml/.yaml/.toml file of a directory (pkg/provider/file: the decoder by the file's
 * extension), merged: http.routers, http.services and http.middlewares (stripPrefix, addPrefix). A
 * name defined in two files is kept from the first and the second is logged and skipped, as
 * Traefik's merge does.
 */

export interface StaticConfig {
  /** entryPoint name → listen address (`:80`, `127.0.0.1:8080`). */
  entryPoints: Record<string, string>
  /** The entryPoints with `http.tls`: every router on them is served on TLS (Traefik's entryPoint default). */
  tlsEntryPoints: string[]
  api: {insecure: boolean}
  /** The entryPoint /ping is served on (Traefik's default: `traefik`); undefined: ping disabled. */
  ping?: string
  file: {directory?: string; filename?: string; watch: boolean}
}

export interface HealthCheckDef {
  path: string
  interval: number
  timeout: number
  scheme?: string
  port?: number
  status?: number
}

export interface ServiceDef {
  servers: string[]
  passHostHeader: boolean
  healthCheck?: HealthCheckDef
}

export interface RouterDef {
  rule: string
  service: string
  priority?: number
  entryPoints?: string[]
  middlewares?: string[]
  /** A `tls` section: the router takes only TLS connections. */
  tls?: boolean
}

/** The middlewares that change the path (pkg/middlewares/stripprefix, addprefix). */
export interface MiddlewareDef {
  stripPrefix?: string[]
  addPrefix?: string
}

export interface DynamicConfig {
  routers: Record<string, RouterDef>
  services: Record<string, ServiceDef>
  middlewares: Record<string, MiddlewareDef>
  /** tls.certificates: the pairs Traefik picks from by SNI. */
  certificates: {certFile: string; keyFile: string}[]
  /** What the provider logged while reading (file errors, duplicates). */
  problems: string[]
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export function readStatic(path: string): StaticConfig {
  const raw = obj(parseYaml(readFileSync(path, 'utf8')))
  const entryPoints = Object.fromEntries(Object.entries(obj(raw.entryPoints)).map(([name, ep]) => [name, str(obj(ep).address) ?? ':80']))
  const api = obj(raw.api)
  const file = obj(obj(raw.providers).file)
  const ping = raw.ping === undefined ? undefined : str(obj(raw.ping).entryPoint) ?? 'traefik'
  // api.insecure and ping on `traefik` without an entryPoint of that name: Traefik makes it on :8080.
  if ((api.insecure === true || ping === 'traefik') && !entryPoints.traefik) entryPoints.traefik = ':8080'
  const tlsEntryPoints = Object.entries(obj(raw.entryPoints)).filter(([, ep]) => obj(ep).http !== undefined && obj(obj(ep).http).tls !== undefined).map(([name]) => name)
  return {
    entryPoints,
    tlsEntryPoints,
    api: {insecure: api.insecure === true},
    ...(ping ? {ping} : {}),
    file: {directory: str(file.directory), filename: str(file.filename), watch: file.watch !== false},
  }
}

/** Go durations as Traefik writes them (`10s`, `500ms`, `1m`), or seconds as a number. */
export function durationMs(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v * 1000
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(str(v) ?? '')
  if (!m) return fallback
  return Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms' | 's' | 'm' | 'h']
}

/** The files the provider reads: the one file, or the directory's configuration files by name. */
export function providerFiles(file: StaticConfig['file']): string[] {
  if (file.filename) return [file.filename]
  if (!file.directory) return []
  try {
    return readdirSync(file.directory).filter((n) => ['.yml', '.yaml', '.toml'].includes(extname(n).toLowerCase())).sort().map((n) => join(file.directory!, n)).filter((p) => statSync(p).isFile())
  } catch {
    return []
  }
}

export function readDynamic(files: readonly string[]): DynamicConfig {
  const config: DynamicConfig = {routers: {}, services: {}, middlewares: {}, certificates: [], problems: []}
  for (const path of files) {
    let http: Obj
    try {
      const text = readFileSync(path, 'utf8')
      const top = obj(extname(path).toLowerCase() === '.toml' ? parseToml(text) : parseYaml(text))
      http = obj(top.http)
      const certs = obj(top.tls).certificates
      for (const c of Array.isArray(certs) ? certs.map(obj) : []) if (str(c.certFile) && str(c.keyFile)) config.certificates.push({certFile: str(c.certFile)!, keyFile: str(c.keyFile)!})
    } catch (error) {
      config.problems.push(`Error occurred during watcher callback: ${path}: ${(error as Error).message.split('\n')[0]}`)
      continue
    }
    for (const [name, r] of Object.entries(obj(http.routers))) {
      if (config.routers[name]) config.problems.push(`HTTP router already configured, skipping: routerName=${name}`)
      else config.routers[name] = router(obj(r))
    }
    for (const [name, s] of Object.entries(obj(http.services))) {
      if (config.services[name]) config.problems.push(`HTTP service already configured, skipping: serviceName=${name}`)
      else config.services[name] = service(obj(s))
    }
    for (const [name, m] of Object.entries(obj(http.middlewares))) {
      if (config.middlewares[name]) config.problems.push(`HTTP middleware already configured, skipping: middlewareName=${name}`)
      else config.middlewares[name] = middleware(obj(m))
    }
  }
  return config
}

function router(r: Obj): RouterDef {
  const eps = Array.isArray(r.entryPoints) ? r.entryPoints.map(String) : undefined
  const mws = Array.isArray(r.middlewares) ? r.middlewares.map(String) : undefined
  // TOML gives integers as numbers, or as bigints past 2^53.
  const priority = typeof r.priority === 'number' || typeof r.priority === 'bigint' ? Number(r.priority) : undefined
  const tls = r.tls !== undefined && r.tls !== null && r.tls !== false
  return {rule: str(r.rule) ?? '', service: str(r.service) ?? '', ...(priority !== undefined ? {priority} : {}), ...(eps ? {entryPoints: eps} : {}), ...(mws ? {middlewares: mws} : {}), ...(tls ? {tls} : {})}
}

function middleware(m: Obj): MiddlewareDef {
  const strip = obj(m.stripPrefix).prefixes
  const add = str(obj(m.addPrefix).prefix)
  return {...(Array.isArray(strip) ? {stripPrefix: strip.map((p) => String(p).trim())} : {}), ...(add !== undefined ? {addPrefix: add} : {})}
}

function service(s: Obj): ServiceDef {
  const lb = obj(s.loadBalancer)
  const servers = Array.isArray(lb.servers) ? lb.servers.map((x) => str(obj(x).url)).filter((u): u is string => Boolean(u)) : []
  const hc = lb.healthCheck === undefined ? undefined : obj(lb.healthCheck)
  return {
    servers,
    passHostHeader: lb.passHostHeader !== false,
    ...(hc ? {healthCheck: {
      path: str(hc.path) ?? '/',
      // Traefik's defaults: every 30 s, 5 s to answer.
      interval: durationMs(hc.interval, 30_000),
      timeout: durationMs(hc.timeout, 5000),
      ...(str(hc.scheme) ? {scheme: str(hc.scheme)} : {}),
      ...(typeof hc.port === 'number' ? {port: hc.port} : {}),
      ...(typeof hc.status === 'number' ? {status: hc.status} : {}),
    }} : {}),
  }
}
