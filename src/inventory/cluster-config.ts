import type {ConfigReader, KeyPath} from './reader.js'
import type {ClusterDef, ClusterNodeDef} from '../model/cluster.js'
import type {ProxmoxTarget} from '../model/inventory.js'

/** A Proxmox node name (pve-manager's `pve-node` format: a DNS label). */
export const NODE_NAME = {test: (v: string) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(v), expected: 'a Proxmox node name (like pve1)'}

/** The keys of one way to a node: the single-host `proxmox:` form's. */
export const TARGET_KEYS = ['host', 'port', 'user', 'identityFile', 'knownHosts'] as const

/** Reads one way to a Proxmox node (local, or SSH) from a map of TARGET_KEYS at `at`. */
export type TargetReader = (m: Record<string, unknown>, at: KeyPath, r: ConfigReader) => ProxmoxTarget

/**
 * The cluster forms of `proxmox:` (issue 15): `nodes: [{name, host, ...}]`, every node listed,
 * or `cluster: NODE` (`local`, an address, or a map of TARGET_KEYS), one node to ask. The
 * single-host form (`host:` ...) is none of them: undefined.
 */
export function clusterConfig(p: Record<string, unknown>, r: ConfigReader, read: TargetReader): {first: ProxmoxTarget; cluster: ClusterDef} | undefined {
  if (p.nodes === undefined && p.cluster === undefined) return undefined
  const other = TARGET_KEYS.find((k) => p[k] !== undefined)
  if (p.nodes !== undefined && p.cluster !== undefined) r.fail(['proxmox', 'cluster'], 'both nodes and cluster are set', 'keep nodes: (every node listed) or cluster: (one node to ask), not both')
  if (other) r.fail(['proxmox', other], `${other} is set beside ${p.nodes !== undefined ? 'nodes' : 'cluster'}`, `move ${other} into ${p.nodes !== undefined ? 'each node of nodes:' : 'cluster: { ... }'}`)
  if (p.nodes !== undefined) {
    const nodes = nodeList(p.nodes, r, read)
    // The node phoenix runs on stands for the host where one is needed (audit, routes, --fix); else the first listed.
    return {first: (nodes.find((n) => n.target.mode === 'local') ?? nodes[0]!).target, cluster: {form: 'nodes', nodes}}
  }
  const at: KeyPath = ['proxmox', 'cluster']
  const m = typeof p.cluster === 'string' ? {host: p.cluster} : r.map(p.cluster, at, TARGET_KEYS)
  const node = read(m, at, r)
  // The other nodes are reached over SSH as this one is (its user, key and known_hosts; port 22 unless said).
  const ssh = node.mode === 'ssh' ? {port: node.port, user: node.user, knownHosts: node.knownHosts, ...(node.identityFile ? {identityFile: node.identityFile} : {})} : read({...m, host: 'ssh-settings.invalid'}, at, r)
  const {mode: _m, host: _h, ...settings} = ssh as Extract<ProxmoxTarget, {mode: 'ssh'}>
  return {first: node, cluster: {form: 'cluster', node, ssh: settings}}
}

function nodeList(value: unknown, r: ConfigReader, read: TargetReader): ClusterNodeDef[] {
  const at: KeyPath = ['proxmox', 'nodes']
  const example = '[{ name: pve1, host: local }, { name: pve2, host: 10.0.0.2 }]'
  if (!Array.isArray(value) || value.length === 0) return r.fail(at, 'expected a list of nodes', `write it as ${example}`)
  const seen = new Set<string>()
  const nodes = value.map((item, i): ClusterNodeDef => {
    const m = r.map(item, [...at, i], ['name', ...TARGET_KEYS])
    const name = r.string(r.required(m, 'name', [...at, i], 'pve1'), [...at, i, 'name'], NODE_NAME)
    if (seen.has(name)) r.fail([...at, i, 'name'], `the node ${name} is listed twice`, 'list each node once')
    seen.add(name)
    return {name, target: read(m, [...at, i], r)}
  })
  const local = nodes.filter((n) => n.target.mode === 'local')
  if (local.length > 1) r.fail([...at, nodes.indexOf(local[1]!), 'host'], 'two nodes are "local": phoenix runs on one machine', 'keep host: local on the node phoenix runs on; give the others their address')
  return nodes
}
