import {mkdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {inventoryYaml} from './inventory.js'
import {PVE_DIR} from './pve-firewall.js'
import type {Mode} from './inventory.js'
import {run, waitUntil} from './proc.js'
import {unitDir} from './services.js'
import {CLIENT_KEY, KNOWN_HOSTS, NODE2_SSH_UNIT, SSH_PORT, SSH_USER, startNode2Sshd} from './sshd.js'
import {CLUSTER_STATE, HOST, HOST_BIN, NODE2, NODE2_BIN, NODE_NAMES, SHIMS, STATE} from './topology.js'
import type {LabService} from './topology.js'

/**
 * The lab as a Proxmox cluster (issue 15): node `pve` (the host) and node `pve2` (its own namespace
 * on the bridge, its own real sshd), each with a pct that sees only its own CTs, and pvesh, pvecm and
 * ha-manager answering from the cluster's state (shims/host/cluster.sh). The cluster test places CTs
 * on pve2; nothing is placed otherwise, so every other test sees the lab it always had.
 */

/** The cluster inventories: nodes: listed (phoenix on pve, pve2 over SSH), and cluster: one node to ask over SSH. */
export const CONFIG_CLUSTER: Record<Mode, string> = {local: join(STATE, 'phoenix-cluster-local.yaml'), ssh: join(STATE, 'phoenix-cluster-ssh.yaml')}
/** The CT the cluster lab starts on pve2 (the inventory says so). */
export const ON_NODE2 = 957

/** `lab.env`'s line naming the cluster's nodes and addresses, for the shims. */
export const NODES_ENV = `PHX_NODES='${NODE_NAMES.host}:${HOST.address} ${NODE_NAMES.node2}:${NODE2.address}'\n`

/** Each node's wrappers: its pct and the cluster tools, answering as that node. Node 1's pct is written by lab.ts. */
export async function prepareClusterTools(): Promise<void> {
  for (const sub of ['placement', 'offline', 'ha']) await mkdir(join(CLUSTER_STATE, sub), {recursive: true})
  await mkdir(NODE2_BIN, {recursive: true})
  const wrap = (node: string, tool: string) => `#!/bin/sh\nPHX_NODE='${node}' PHOENIX_LAB_STATE='${STATE}' exec '${join(SHIMS, 'host', tool)}' "$@"\n`
  for (const tool of ['pvesh', 'pvecm', 'ha-manager']) await writeFile(join(HOST_BIN, tool), wrap(NODE_NAMES.host, tool), {mode: 0o755})
  for (const tool of ['pct', 'pvesh', 'pvecm', 'ha-manager']) await writeFile(join(NODE2_BIN, tool), wrap(NODE_NAMES.node2, tool), {mode: 0o755})
}

/** Writes the two cluster inventories, the guests on the nodes the lab starts them on. */
export async function writeClusterConfigs(services: readonly LabService[]): Promise<void> {
  const node = (ctid: number) => (ctid === ON_NODE2 ? NODE_NAMES.node2 : NODE_NAMES.host)
  const ssh = {port: SSH_PORT, user: SSH_USER, identityFile: CLIENT_KEY, knownHosts: KNOWN_HOSTS}
  // configDir: the lab's /etc/pve (pmxcfs: one for the whole cluster), as the single-host inventories have it.
  const local = `\n  nodes:\n    - { name: ${NODE_NAMES.host}, host: local }\n    - ${flow({name: NODE_NAMES.node2, host: NODE2.address, ...ssh})}\n  configDir: ${JSON.stringify(PVE_DIR)}`
  await writeFile(CONFIG_CLUSTER.local, inventoryYaml('local', services, {proxmox: local, node}))
  await writeFile(CONFIG_CLUSTER.ssh, inventoryYaml('ssh', services, {proxmox: `{ cluster: ${flow({host: HOST.address, ...ssh})}, configDir: ${JSON.stringify(PVE_DIR)} }`, node}))
}

function flow(entries: Record<string, string | number>): string {
  return `{ ${Object.entries(entries).map(([k, v]) => `${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`).join(', ')} }`
}

/** Places a CT on a node (a migration, as far as pct, pvesh and ha-manager can tell). */
export async function placeGuest(ctid: number, node: string): Promise<void> {
  if (node === NODE_NAMES.host) await rm(join(CLUSTER_STATE, 'placement', String(ctid)), {force: true})
  else await writeFile(join(CLUSTER_STATE, 'placement', String(ctid)), `${node}\n`)
}

/** Marks a node offline for the cluster (or back online): /cluster/status, pvecm's votes. */
export async function setOffline(node: string, offline: boolean): Promise<void> {
  const file = join(CLUSTER_STATE, 'offline', node)
  if (offline) await writeFile(file, '')
  else await rm(file, {force: true})
}

/** Stops node 2's sshd (its supervisor records the stop), or starts it again and waits for it to listen. */
export async function setNode2Sshd(up: boolean): Promise<void> {
  const dir = unitDir('host', NODE2_SSH_UNIT)
  if (!up) {
    await run(['sh', '-c', `. '${join(SHIMS, 'lib.sh')}' && unit_stop '${dir}'`], {env: {...process.env, PHOENIX_LAB_STATE: STATE}})
    return
  }
  await startNode2Sshd()
  await waitNode2Sshd()
}

/** Node 2's sshd listens. */
export async function waitNode2Sshd(): Promise<void> {
  await waitUntil('sshd listening on node pve2', async () => (await run(['ip', 'netns', 'exec', NODE2.ns, 'ss', '-tlnH', 'sport = :22'])).stdout.includes(':22'))
}
