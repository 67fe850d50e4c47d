/**
 * What the cluster's own tools print, read (pure). Shapes from pve-manager (PVE/API2/Cluster.pm:
 * /cluster/resources and /cluster/status), corosync's `pvecm status` and pve-ha-manager's
 * `ha-manager status` (PVE/API2/HA/Status.pm: one `TYPE STATUS` line per entry).
 */
import type {ClusterGuest, ClusterNodeState, ClusterView} from '../../model/cluster.js'

/** The sections of the one script the cluster is asked with (cluster-query.ts), by marker. */
export const SECTIONS = ['resources', 'status', 'pvecm', 'ha'] as const
export type Section = (typeof SECTIONS)[number]

/** The guests of `pvesh get /cluster/resources --type vm --output-format json`, or why not. */
export function parseResources(text: string): ClusterGuest[] | string {
  const json = parseJson(text)
  if (!Array.isArray(json)) return `pvesh get /cluster/resources did not print a JSON list: ${firstLine(text)}`
  const guests: ClusterGuest[] = []
  for (const e of json as Record<string, unknown>[]) {
    if ((e.type !== 'lxc' && e.type !== 'qemu') || typeof e.node !== 'string') continue
    const vmid = Number(e.vmid)
    if (!Number.isInteger(vmid)) continue
    guests.push({vmid, type: e.type, node: e.node, status: typeof e.status === 'string' ? e.status : 'unknown', ...(typeof e.hastate === 'string' ? {hastate: e.hastate} : {})})
  }
  return guests
}

/** The nodes of `pvesh get /cluster/status --output-format json` (online and local are 0/1 or booleans). */
export function parseStatus(text: string): ClusterNodeState[] | string {
  const json = parseJson(text)
  if (!Array.isArray(json)) return `pvesh get /cluster/status did not print a JSON list: ${firstLine(text)}`
  return (json as Record<string, unknown>[])
    .filter((e) => e.type === 'node' && typeof e.name === 'string')
    .map((e) => ({name: e.name as string, online: Boolean(Number(e.online ?? 0)), local: Boolean(Number(e.local ?? 0)), ...(typeof e.ip === 'string' ? {ip: e.ip} : {})}))
}

/** `pvecm status`: whether the cluster is quorate, and the lines that say so. */
export function parseQuorum(text: string): {quorate?: boolean; lines: string[]} {
  const lines = text.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => /^(Quorate|Expected votes|Total votes|Quorum):/.test(l))
  const said = /^Quorate:\s*(\S+)/m.exec(text.replace(/^[ \t]+/gm, ''))?.[1]
  return {...(said ? {quorate: said === 'Yes'} : {}), lines}
}

/** `ha-manager status`: its `service SID (NODE, STATE)` lines, by sid. */
export function parseHa(text: string): ClusterView['ha'] {
  const ha: ClusterView['ha'] = new Map()
  for (const line of text.split('\n')) {
    const m = /^service ((?:ct|vm):\d+) \(([^,]+), ([^)]+)\)\s*$/.exec(line.trim())
    if (m) ha.set(m[1]!, {node: m[2]!, state: m[3]!, line: line.trim()})
  }
  return ha
}

/** The view from the sections' texts, or why there is none (the resources are the one part needed). */
export function clusterView(sections: Record<Section, string>): ClusterView | string {
  const guests = parseResources(sections.resources)
  if (typeof guests === 'string') return guests
  const nodes = parseStatus(sections.status)
  const known = Array.isArray(nodes) ? nodes : []
  const quorum = parseQuorum(sections.pvecm)
  const asked = known.find((n) => n.local)?.name ?? ''
  return {asked, guests, nodes: known, ...(quorum.quorate === undefined ? {} : {quorate: quorum.quorate}), quorum: quorum.lines, ha: parseHa(sections.ha)}
}

/** HA states that keep a guest down whatever `pct start` does (pve-ha-manager's verbose service states). */
export const HA_KEEPS_DOWN: readonly string[] = ['stopped', 'request_stop', 'disabled', 'error', 'fence', 'recovery']

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim())
  } catch {
    return undefined
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) || 'nothing'
}
