import {existsSync} from 'node:fs'

import {askCluster} from '../../io/cluster/cluster-query.js'
import type {Estate, FoundService} from '../../inventory/discovery/estate.js'
import {uniqueNames} from '../../inventory/discovery/estate.js'
import type {Get} from '../../inventory/discovery/recognise.js'
import type {ProxmoxTarget} from '../../model/inventory.js'
import type {Shell} from '../../model/ports.js'
import {discoverNode, NO_GATEWAY_NOTE, route} from './discover.js'
import type {GatewayConfig} from './gateway-routes.js'

const QUERY_TIMEOUT_MS = 15_000

/** Opens a shell to another node (SSH, as the first node is reached); the caller closes it. */
export type NodeOpener = (target: ProxmoxTarget) => Promise<Shell>

/**
 * `phoenix init` on a node of a cluster covers every node (issue 15): the node read first is asked
 * where the guests run (`pvesh get /cluster/resources`, `/cluster/status`); each other online node
 * that has guests is read the same way, over SSH at its cluster address with the first node's SSH
 * settings. Every service and the gateway then say which node they were found on. A host that is no
 * cluster (pvesh missing, one node, or no guest elsewhere) gives its estate unchanged.
 */
export async function coverCluster(firstNode: {estate: Estate; gatewayConfig?: GatewayConfig}, host: Shell, target: ProxmoxTarget, open: NodeOpener, get: Get): Promise<Estate> {
  const first = firstNode.estate
  const view = await askCluster(host, QUERY_TIMEOUT_MS)
  if (typeof view === 'string' || !view.asked) return first
  const others = [...new Set(view.guests.map((g) => g.node))].filter((n) => n !== view.asked)
  if (others.length === 0) return first
  const notes = [...first.notes]
  const estates: {node: string; estate: Estate; gatewayConfig?: GatewayConfig}[] = [{node: view.asked, ...firstNode}]
  for (const node of others.sort()) {
    const state = view.nodes.find((n) => n.name === node)
    if (state && !state.online) {
      notes.push(`node ${node} is offline in the cluster: its guests were not read; run phoenix init --merge once it is back`)
      continue
    }
    const shell = await open(nodeTarget(target, state?.ip ?? node))
    try {
      estates.push({node, ...(await discoverNode(shell, get))})
    } catch (error) {
      notes.push(`node ${node} could not be read (${(error as Error).message}): its guests are missing; run phoenix init --merge once phoenix can reach it`)
    } finally {
      await shell.close()
    }
  }
  const placed = (node: string) => ({value: node, how: `found on node ${node} (pvesh get /cluster/resources)`})
  const gw = estates.find((e) => e.estate.gateway)
  // The gateway's routes lead to the services of every node: a node without it is routed by it.
  const services: FoundService[] = estates.flatMap(({node, estate, gatewayConfig}) => estate.services.map((s) => {
    const found: FoundService = {...s, node: placed(node)}
    if (!gatewayConfig && gw?.gatewayConfig) {
      found.todo = found.todo.filter((t) => !t.startsWith('route:'))
      route(found, gw.gatewayConfig)
    }
    return found
  }))
  uniqueNames(services)
  return {
    host: first.host,
    ...(gw ? {gateway: {...gw.estate.gateway!, node: placed(gw.node)}} : {}),
    services,
    notes: [...notes.filter((n) => !gw || n !== NO_GATEWAY_NOTE), ...estates.slice(1).flatMap((e) => e.estate.notes.filter((n) => !gw || n !== NO_GATEWAY_NOTE).map((n) => `node ${e.node}: ${n}`))],
    cluster: {asked: view.asked, nodes: estates.map((e) => e.node)},
  }
}

/**
 * Another node, reached as the first one is (its SSH settings). From a node itself, as Proxmox's
 * nodes reach each other: root with root's key (~/.ssh/id_rsa, which pvecm makes) and the cluster's
 * known_hosts (/etc/pve/priv/known_hosts), where they exist; else the agent and ~/.ssh/known_hosts.
 */
function nodeTarget(first: ProxmoxTarget, host: string): ProxmoxTarget {
  if (first.mode === 'ssh') return {...first, host}
  const home = process.env.HOME ?? '/root'
  const key = `${home}/.ssh/id_rsa`
  const known = existsSync(CLUSTER_KNOWN_HOSTS) ? CLUSTER_KNOWN_HOSTS : `${home}/.ssh/known_hosts`
  return {mode: 'ssh', host, port: 22, user: 'root', knownHosts: known, ...(existsSync(key) ? {identityFile: key} : {})}
}

/** pmxcfs's known_hosts of every node (Proxmox's /etc/ssh/ssh_known_hosts points to it). */
const CLUSTER_KNOWN_HOSTS = '/etc/pve/priv/known_hosts'
