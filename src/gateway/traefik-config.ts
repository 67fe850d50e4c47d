import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'
import type {Node, Pair, YAMLMap} from 'yaml'

import type {TraefikRouter, TraefikServer, TraefikService} from '../model/traefik.js'

/**
 * Traefik's dynamic configuration as the file provider reads it (YAML): `http.routers` (rule,
 * service, priority, entryPoints) and `http.services` (loadBalancer.servers[].url, healthCheck),
 * each with the file and line it is written at, so a hint can name them. A name defined in two
 * files is kept from the first, as Traefik's merge keeps it. TOML is named as not read: a TOML
 * parser done properly is not in phoenix's dependencies, and a half one would mislead.
 */

export interface TraefikFile {
  path: string
  text: string
}

export interface DynamicConfig {
  routers: TraefikRouter[]
  services: TraefikService[]
  problems: string[]
}

export function parseTraefikFiles(files: readonly TraefikFile[]): DynamicConfig {
  const out: DynamicConfig = {routers: [], services: [], problems: []}
  for (const f of files) {
    if (/\.toml$/i.test(f.path)) {
      out.problems.push(`${f.path}: TOML is not read by phoenix (its routers there are unseen; the API, where enabled, still shows them)`)
      continue
    }
    const lines = new LineCounter()
    const doc = parseDocument(f.text, {lineCounter: lines, uniqueKeys: false})
    if (doc.errors.length) {
      out.problems.push(`${f.path}:${lines.linePos(doc.errors[0]!.pos[0]).line}: ${doc.errors[0]!.message.split('\n')[0]}`)
      continue
    }
    const line = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 0)
    const at = (n: Node | null | undefined) => ({file: f.path, line: line(n)})
    for (const [key, value] of entries(doc.getIn(['http', 'routers'], true))) {
      if (out.routers.some((r) => r.name === key.name)) continue
      const m = value as YAMLMap
      const priority = Number(scalar(m, 'priority'))
      const eps = m.get('entryPoints', true)
      out.routers.push({
        name: key.name, rule: scalar(m, 'rule') ?? '', service: scalar(m, 'service') ?? '', at: at(key.node),
        ...(priority > 0 ? {priority} : {}),
        ...(isSeq(eps) ? {entryPoints: eps.items.map((x) => String(isScalar(x) ? x.value : x))} : {}),
      })
    }
    for (const [key, value] of entries(doc.getIn(['http', 'services'], true))) {
      if (out.services.some((s) => s.name === key.name)) continue
      const lb = (value as YAMLMap).get('loadBalancer', true)
      const servers = isMap(lb) ? lb.get('servers', true) : undefined
      const list: TraefikServer[] = isSeq(servers) ? servers.items.flatMap((x) => {
        const url = isMap(x) ? x.get('url', true) : undefined
        return isScalar(url) ? [{url: String(url.value), at: at(url)}] : []
      }) : []
      const hc = isMap(lb) ? lb.get('healthCheck', true) : undefined
      const path = isMap(hc) ? scalar(hc, 'path') : undefined
      out.services.push({name: key.name, servers: list, at: at(key.node), ...(path ? {healthCheckPath: path} : {})})
    }
  }
  return out
}

/** The entries of a YAML map that are maps themselves, with their key's name and node. */
function entries(node: unknown): [{name: string; node: Node}, unknown][] {
  if (!isMap(node)) return []
  return (node.items as Pair[]).filter((p) => isScalar(p.key) && isMap(p.value)).map((p) => [{name: String((p.key as {value: unknown}).value), node: p.key as Node}, p.value])
}

function scalar(m: YAMLMap, key: string): string | undefined {
  const v = m.get(key, true)
  return isScalar(v) && v.value !== null ? String(v.value) : undefined
}

/** The API's name for a file provider's router or service. */
export function qualified(name: string): string {
  return name.includes('@') ? name : `${name}@file`
}

interface ApiRouter {name?: string; rule?: string; service?: string; priority?: number; entryPoints?: string[]; status?: string; error?: string[]}
interface ApiService {name?: string; serverStatus?: Record<string, string>; loadBalancer?: {servers?: {url?: string}[]}}

/**
 * Adds what the API says to what the files say: each router's status and errors, each server's
 * UP/DOWN. A router or service only the API knows (another provider, a file phoenix cannot read)
 * is added without a file and line.
 */
export function withApi(config: DynamicConfig, routers: readonly ApiRouter[], services: readonly ApiService[]): DynamicConfig {
  const out: DynamicConfig = {...config, routers: config.routers.map((r) => ({...r})), services: config.services.map((s) => ({...s, servers: s.servers.map((x) => ({...x}))}))}
  for (const a of routers) {
    if (!a.name) continue
    const own = out.routers.find((r) => qualified(r.name) === a.name)
    const status = {...(a.status ? {status: a.status} : {}), ...(a.error?.length ? {errors: a.error} : {})}
    if (own) Object.assign(own, status)
    else out.routers.push({name: a.name, rule: a.rule ?? '', service: a.service ?? '', ...(a.priority ? {priority: a.priority} : {}), ...(a.entryPoints ? {entryPoints: a.entryPoints} : {}), ...status})
  }
  for (const a of services) {
    if (!a.name) continue
    let own = out.services.find((s) => qualified(s.name) === a.name)
    if (!own) out.services.push((own = {name: a.name, servers: (a.loadBalancer?.servers ?? []).flatMap((x) => (x.url ? [{url: x.url}] : []))}))
    for (const server of own.servers) {
      const status = a.serverStatus?.[server.url]
      if (status) server.status = status
    }
  }
  return out
}
