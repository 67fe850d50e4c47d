/**
 * A Proxmox cluster (issue 15): several nodes, each guest running on one of them. The cluster itself
 * says where each guest runs (`pvesh get /cluster/resources`); phoenix follows it, one connection per
 * node with work.
 */
import type {ProxmoxTarget} from './inventory.js'
import type {Shell} from './ports.js'

/** One node of the inventory's `proxmox.nodes` list: its name in the cluster, and how to reach it. */
export interface ClusterNodeDef {
  name: string
  target: ProxmoxTarget
}

/**
 * The inventory's cluster: every node listed (`proxmox: {nodes: [...]}`), or one node to ask
 * (`proxmox: {cluster: NODE}`), the others reached at the address the cluster gives them
 * (`/cluster/status`), as that node is (its SSH user, key and known_hosts).
 */
export type ClusterDef =
  | {form: 'nodes'; nodes: ClusterNodeDef[]}
  | {form: 'cluster'; node: ProxmoxTarget; ssh: Omit<Extract<ProxmoxTarget, {mode: 'ssh'}>, 'mode' | 'host'>}

/** A guest as /cluster/resources lists it. */
export interface ClusterGuest {
  vmid: number
  type: 'lxc' | 'qemu'
  node: string
  /** `running`, `stopped`, or `unknown` (its node is offline: no fresh status). */
  status: string
  /** The HA state, for a guest HA manages (`started`, `stopped`, `error`, ...). */
  hastate?: string
}

/** A node as /cluster/status lists it. */
export interface ClusterNodeState {
  name: string
  online: boolean
  /** Its cluster address (what corosync resolves its name to). */
  ip?: string
  /** The node that answered. */
  local: boolean
}

/** What the cluster said once per run, on the node that answered. */
export interface ClusterView {
  /** The node that answered (its name in the cluster). */
  asked: string
  guests: ClusterGuest[]
  nodes: ClusterNodeState[]
  /** From `pvecm status` (Quorate: Yes/No); undefined when it could not be read. */
  quorate?: boolean
  /** The lines of `pvecm status` that say so (evidence). */
  quorum: string[]
  /** `ha-manager status` service lines, by sid (`ct:954` -> `service ct:954 (pve2, stopped)`). */
  ha: Map<string, {node: string; state: string; line: string}>
}

/** A guest's place in this run: the node it runs on, and where the inventory said it was (if it moved). */
export interface Placement {
  node: string
  /** The node the inventory names, when the cluster found the guest elsewhere. */
  movedFrom?: string
}

/** The cluster as a report shows it. */
export interface ClusterReport {
  /** The node that answered /cluster/resources (absent when none did). */
  asked?: string
  /** Why no node answered, when none did: every guest then runs where the inventory says. */
  error?: string
  quorate?: boolean
  nodes: {name: string; online: boolean; guests: number}[]
  /** Guests found on another node than the inventory's. */
  moved: {guest: string; from: string; to: string}[]
}

/**
 * The ways to a cluster's nodes for one run (src/io/cluster/node-shells.ts). A node's shell
 * connects on its first exec: a node without work costs nothing.
 */
export interface NodeShells {
  /** The shells to ask the cluster, in order (the node phoenix runs on first). */
  readonly candidates: readonly Shell[]
  /** Learns the nodes' names and addresses from what the cluster said, and which shell answered. */
  learn(view: ClusterView, answered: Shell): void
  /** The shell to a node, by its cluster name; undefined when phoenix knows no way to it. */
  shell(node: string): Shell | undefined
  /** phoenix runs on this node: its host-layer network probes run in this process. */
  isLocal(node: string): boolean
  close(): Promise<void>
}
