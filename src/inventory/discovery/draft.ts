import {Document, isMap, isScalar, parseDocument} from 'yaml'
import type {Node, YAMLMap} from 'yaml'

import type {Estate, FoundGateway, FoundService, Guess} from './estate.js'

/** How phoenix reaches the host, as the draft's `proxmox:` section says it; a cluster's: the node to ask (issue 15). */
export type ProxmoxSection = HostSection | {cluster: HostSection}
export type HostSection = {host: 'local'} | {host: string; port?: number; user?: string; identityFile?: string; knownHosts?: string}

/**
 * The draft inventory: every guessed value with a comment saying how it was found, what phoenix
 * could not tell as `# TODO:` lines, notes (VMs, unknown ports) at the end. Never a key: only the
 * names of the variables that hold them.
 */
export function draftDocument(estate: Estate, proxmox: ProxmoxSection, source: string, proxmoxHow?: string): Document {
  const doc = new Document({})
  doc.commentBefore = [
    ` phoenix inventory: a draft written by phoenix init from ${source}.`,
    ' Each guessed value says after # how phoenix found it: check it. Fill in each TODO.',
    ' Keys are never written here: export each apiKeyEnv variable before a run.',
  ].join('\n')
  const px = doc.createNode(proxmox) as YAMLMap
  for (const pair of px.items) {
    const host = 'cluster' in proxmox ? proxmox.cluster.host : proxmox.host
    const how = 'cluster' in proxmox ? `a cluster: guests were found on ${estate.cluster?.nodes.join(', ') ?? 'several nodes'}; phoenix asks this node where each runs` : proxmoxHow ?? (host === 'local' ? 'phoenix init ran on this Proxmox host' : pair === px.items[0] ? 'phoenix init reached it over SSH' : 'as phoenix init connected')
    ;(pair.value as Node).comment = ` ${how}`
  }
  doc.set('proxmox', px)
  if (estate.gateway) doc.set('gateway', gatewayNode(doc, estate.gateway))
  const services = doc.createNode({}) as YAMLMap
  for (const s of estate.services) services.set(doc.createNode(s.name), serviceNode(doc, s))
  doc.set('services', services)
  const notes = [...(estate.gateway ? [] : ['TODO: gateway: { ctid: CTID, address: ADDRESS, url: http://ADDRESS } (no nginx gateway was found)']), ...estate.notes.map((n) => `NOTE: ${n}`)]
  if (estate.services.length === 0) notes.unshift('TODO: services: no service phoenix knows was found; add them by hand')
  if (notes.length) doc.comment = notes.map((n) => ` ${n}`).join('\n')
  return doc
}

function gatewayNode(doc: Document, g: FoundGateway): YAMLMap {
  const map = doc.createNode({}) as YAMLMap
  put(doc, map, 'ctid', g.ctid)
  put(doc, map, 'address', g.address)
  put(doc, map, 'url', g.url)
  if (g.nginxConf) put(doc, map, 'nginxConf', g.nginxConf)
  if (g.errorLog) put(doc, map, 'errorLog', g.errorLog)
  if (g.node) put(doc, map, 'node', g.node)
  todo(map, g.todo)
  return map
}

function serviceNode(doc: Document, s: FoundService): YAMLMap {
  const map = doc.createNode({}) as YAMLMap
  put(doc, map, 'kind', s.kind)
  put(doc, map, 'ctid', s.ctid)
  put(doc, map, 'address', s.address)
  put(doc, map, 'port', s.port)
  for (const key of ['runtime', 'route', 'model', 'task', 'apiKeyEnv', 'node'] as const) {
    const guess = s[key] as Guess<unknown> | undefined
    if (guess) put(doc, map, key, guess)
  }
  todo(map, s.todo, s.notes)
  return map
}

/** key: value # how it was found. */
function put(doc: Document, map: YAMLMap, key: string, guess: Guess<unknown>): void {
  const node = doc.createNode(guess.value) as Node & {flow?: boolean}
  if (isMap(node)) node.flow = true
  node.comment = ` ${guess.how}`
  map.set(doc.createNode(key), node)
}

function todo(map: YAMLMap, lines: readonly string[], notes: readonly string[] = []): void {
  const all = [...lines.map((l) => ` TODO: ${l}`), ...notes.map((n) => ` NOTE: ${n}`)]
  if (all.length) map.comment = all.join('\n')
}

/** The draft as text. */
export function draftText(doc: Document): string {
  return doc.toString({lineWidth: 0})
}

/**
 * `--merge`: the user's file as they left it (their values, their comments, their order), with what
 * the draft has that the file lacks: a missing section, each service not already there (matched by
 * name, or by the same CT and port). Returns the text and the names it added.
 */
export function mergeDraft(existing: string, draft: Document): {text: string; added: string[]} {
  const doc: Document = parseDocument(existing)
  if (doc.errors.length) throw new Error(`it is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`)
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap
  const added: string[] = []
  for (const section of ['proxmox', 'gateway'] as const) {
    const node = draft.get(section, true)
    if (node && !doc.has(section)) {
      doc.set(section, node)
      added.push(section)
    }
  }
  const theirs = doc.get('services', true)
  const ours = draft.get('services', true) as YAMLMap | undefined
  if (!isMap(theirs)) {
    if (ours) doc.set('services', ours)
    added.push(...(ours?.items ?? []).map((p) => String(isScalar(p.key) ? p.key.value : p.key)))
    return {text: doc.toString({lineWidth: 0}), added}
  }
  for (const pair of ours?.items ?? []) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key)
    if (theirs.has(name) || sameService(theirs, pair.value as YAMLMap)) continue
    theirs.items.push(pair)
    added.push(name)
  }
  return {text: doc.toString({lineWidth: 0}), added}
}

/** A service already listed under another name: the same CT and port. */
function sameService(services: YAMLMap, found: YAMLMap): boolean {
  const at = (m: unknown, key: string) => (isMap(m) ? String((m as YAMLMap).get(key)) : undefined)
  return services.items.some((p) => at(p.value, 'ctid') === at(found, 'ctid') && at(p.value, 'port') === at(found, 'port'))
}
