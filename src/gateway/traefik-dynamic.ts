import type {TraefikCertificate, TraefikMiddleware, TraefikRouter, TraefikServer, TraefikService} from '../model/traefik.js'

/**
 * What phoenix keeps of Traefik's dynamic configuration, from one file already parsed into plain
 * values (YAML and TOML give the same shape): http.routers, http.services, http.middlewares and
 * tls.certificates, each with the line it is written at (`line(path)`, from the file's own reader).
 * A router, service or middleware defined in two files is kept from the first, as Traefik's merge
 * keeps it.
 */

export interface DynamicConfig {
  routers: TraefikRouter[]
  services: TraefikService[]
  middlewares: TraefikMiddleware[]
  tlsCertificates: TraefikCertificate[]
  problems: string[]
}

/** The line a path of keys (and array indexes) is written at in its file; 0 when not known. */
export type Locate = (path: readonly (string | number)[]) => number

export const emptyDynamic = (): DynamicConfig => ({routers: [], services: [], middlewares: [], tlsCertificates: [], problems: []})

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined)
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.flatMap((x) => str(x) ?? []) : undefined)
const tables = (v: unknown): [string, Obj][] => Object.entries(obj(v) ?? {}).flatMap(([k, x]) => (obj(x) ? [[k, obj(x)!]] : []))

export function collectDynamic(root: unknown, file: string, line: Locate, out: DynamicConfig): void {
  const at = (path: readonly (string | number)[]) => ({file, line: line(path)})
  const http = obj(obj(root)?.http)
  for (const [name, r] of tables(http?.routers)) {
    if (out.routers.some((x) => x.name === name)) continue
    const priority = Number(r.priority)
    const eps = strings(r.entryPoints)
    const mws = strings(r.middlewares)
    out.routers.push({
      name, rule: str(r.rule) ?? '', service: str(r.service) ?? '', at: at(['http', 'routers', name]),
      ...(priority > 0 ? {priority} : {}),
      ...(eps ? {entryPoints: eps} : {}),
      ...(mws?.length ? {middlewares: mws} : {}),
      // `tls: {}` and `[http.routers.x.tls]` both turn TLS on; so does `tls: true` in YAML.
      ...(r.tls !== undefined && r.tls !== null && r.tls !== false ? {tls: true} : {}),
    })
  }
  for (const [name, s] of tables(http?.services)) {
    if (out.services.some((x) => x.name === name)) continue
    const lb = obj(s.loadBalancer)
    const base = ['http', 'services', name, 'loadBalancer', 'servers']
    const servers: TraefikServer[] = Array.isArray(lb?.servers) ? lb.servers.flatMap((x, i) => {
      const url = str(obj(x)?.url)
      return url ? [{url, at: at([...base, i, 'url'])}] : []
    }) : []
    const path = str(obj(lb?.healthCheck)?.path)
    out.services.push({name, servers, at: at(['http', 'services', name]), ...(path ? {healthCheckPath: path} : {})})
  }
  for (const [name, m] of tables(http?.middlewares)) {
    if (out.middlewares.some((x) => x.name === name)) continue
    const strip = strings(obj(m.stripPrefix)?.prefixes)
    const add = str(obj(m.addPrefix)?.prefix)
    out.middlewares.push({name, at: at(['http', 'middlewares', name]), ...(strip ? {stripPrefix: strip} : {}), ...(add ? {addPrefix: add} : {})})
  }
  const certs = obj(obj(root)?.tls)?.certificates
  if (Array.isArray(certs)) {
    certs.forEach((c, i) => {
      const certFile = str(obj(c)?.certFile)
      const keyFile = str(obj(c)?.keyFile)
      if (certFile) out.tlsCertificates.push({certFile, ...(keyFile ? {keyFile} : {}), at: at(['tls', 'certificates', i])})
    })
  }
}
