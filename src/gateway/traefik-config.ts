import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'
import type {Document, Node, Pair} from 'yaml'

import {collectDynamic, emptyDynamic} from './traefik-dynamic.js'
import type {DynamicConfig, Locate} from './traefik-dynamic.js'
import {readToml} from './traefik-toml.js'

export type {DynamicConfig} from './traefik-dynamic.js'

/**
 * Traefik's dynamic configuration as the file provider reads it, YAML or TOML (by the file's
 * extension, as Traefik picks its decoder): routers (rule, service, priority, entryPoints,
 * middlewares, tls), services (loadBalancer.servers[].url, healthCheck), middlewares (stripPrefix,
 * addPrefix) and tls.certificates, each with the file and line it is written at, so a hint can
 * name them. A file that does not parse is a problem with its file:line, never a throw.
 */

export interface TraefikFile {
  path: string
  text: string
}

export function parseTraefikFiles(files: readonly TraefikFile[]): DynamicConfig {
  const out = emptyDynamic()
  for (const f of files) {
    if (/\.toml$/i.test(f.path)) {
      const toml = readToml(f.text)
      if (toml.ok) collectDynamic(toml.value, f.path, toml.line, out)
      else out.problems.push(`${f.path}:${toml.line}: ${toml.error}`)
      continue
    }
    const lines = new LineCounter()
    const doc = parseDocument(f.text, {lineCounter: lines, uniqueKeys: false})
    if (doc.errors.length) {
      out.problems.push(`${f.path}:${lines.linePos(doc.errors[0]!.pos[0]).line}: ${doc.errors[0]!.message.split('\n')[0]}`)
      continue
    }
    collectDynamic(doc.toJS({maxAliasCount: 100}), f.path, yamlLocator(doc, lines), out)
  }
  return out
}

/** The line of a path of keys in a YAML document: the key's own line (an array item's for an index). */
function yamlLocator(doc: Document, lines: LineCounter): Locate {
  const lineOf = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 0)
  return (path) => {
    let node: unknown = doc.contents
    let found = 0
    for (const k of path) {
      if (isMap(node)) {
        const pair = (node.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === String(k))
        if (!pair) break
        found = lineOf(pair.key as Node) || found
        node = pair.value
      } else if (isSeq(node) && typeof k === 'number' && node.items[k]) {
        node = node.items[k]
        found = lineOf(node as Node) || found
      } else break
    }
    return found
  }
}

/** The API's name for a file provider's router or service. */
export function qualified(name: string): string {
  return name.includes('@') ? name : `${name}@file`
}

interface ApiRouter {name?: string; rule?: string; service?: string; priority?: number; entryPoints?: string[]; status?: string; error?: string[]; tls?: unknown}
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
    else out.routers.push({name: a.name, rule: a.rule ?? '', service: a.service ?? '', ...(a.priority ? {priority: a.priority} : {}), ...(a.entryPoints ? {entryPoints: a.entryPoints} : {}), ...(a.tls ? {tls: true} : {}), ...status})
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
