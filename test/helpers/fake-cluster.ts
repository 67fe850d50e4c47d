import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createLocalShell} from '../../src/io/local-shell.js'
import type {ExecResult, Shell} from '../../src/model/ports.js'

/**
 * A Proxmox cluster on this machine, for unit tests and the bench: each node is a folder of shims
 * (pct, pvesh, pvecm, ha-manager) that answer as the real tools do, run through a real local shell
 * with the node's folder first on PATH. Every "CT" is this machine: `pct exec` runs the script here,
 * for the node that has the CT only (elsewhere, pct's own "does not exist").
 */
export interface FakeCluster {
  dir: string
  /** A node's shell (a real local shell); counts its execs. */
  shell(node: string): Shell
  /** execs run per node so far. */
  execs: Map<string, number>
  /** Rewrites the cluster's state: where each guest runs, its status, online nodes, quorum, HA. */
  set(state: ClusterState): Promise<void>
  /** Makes every node's pvesh hang (pmxcfs stuck), or answer again. */
  hang(on: boolean): Promise<void>
  close(): Promise<void>
}

export interface ClusterState {
  /** Node names, in order; `offline` ones are online 0 in /cluster/status. */
  nodes: readonly string[]
  offline?: readonly string[]
  /** CTs: id -> node and status. */
  guests: ReadonlyMap<number, {node: string; status?: 'running' | 'stopped'}>
  quorate?: boolean
  /** HA resources: `ct:957` -> state. */
  ha?: ReadonlyMap<string, string>
}

const PCT = `#!/bin/sh
# Fake pct of one node: a CT this node has runs its command here.
d=$(dirname "$0")
case "$1" in
  exec) ct=$2; shift 2; [ "$1" = "--" ] && shift
    [ -e "$d/ct/$ct" ] || { echo "Configuration file 'nodes/$(cat "$d/name")/lxc/$ct.conf' does not exist" >&2; exit 255; }
    [ "$(cat "$d/ct/$ct")" = running ] || { echo "container '$ct' not running!" >&2; exit 255; }
    exec "$@" ;;
  status) [ -e "$d/ct/$2" ] || { echo "Configuration file 'nodes/$(cat "$d/name")/lxc/$2.conf' does not exist" >&2; exit 255; }
    echo "status: $(cat "$d/ct/$2")" ;;
  *) echo "pct: $1 not in the fake" >&2; exit 2 ;;
esac
`
const PVESH = `#!/bin/sh
d=$(dirname "$0")
# A hung pmxcfs: pvesh waits (the fake's "hang" file).
[ -e "$d/../hang" ] && sleep 60
case "$2" in /cluster/resources) cat "$d/../resources.json" ;; /cluster/status) cat "$d/status.json" ;; *) echo "no such path $2" >&2; exit 2 ;; esac
`
const CAT = (file: string) => `#!/bin/sh\ncat "$(dirname "$0")/${file}"\n`

export async function startFakeCluster(): Promise<FakeCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'phoenix-cluster-'))
  const execs = new Map<string, number>()
  const nodeDir = (node: string) => join(dir, node)
  return {
    dir,
    execs,
    shell(node) {
      const inner = createLocalShell()
      return {
        description: `fake ${node}`,
        exec: (argv, options): Promise<ExecResult> => {
          execs.set(node, (execs.get(node) ?? 0) + 1)
          return inner.exec(['env', `PATH=${nodeDir(node)}:${process.env.PATH}`, ...argv], options)
        },
        close: () => inner.close(),
      }
    },
    async set(state) {
      await writeFile(join(dir, 'resources.json'), JSON.stringify([...state.guests].map(([vmid, g]) => ({
        id: `lxc/${vmid}`, vmid, node: g.node, type: 'lxc', name: `ct${vmid}`, template: 0,
        status: state.offline?.includes(g.node) ? 'unknown' : (g.status ?? 'running'),
        ...(state.ha?.has(`ct:${vmid}`) ? {hastate: state.ha.get(`ct:${vmid}`)} : {}),
      }))))
      for (const [i, node] of state.nodes.entries()) {
        const d = nodeDir(node)
        await rm(d, {recursive: true, force: true})
        await mkdir(join(d, 'ct'), {recursive: true})
        await writeFile(join(d, 'name'), node)
        for (const [vmid, g] of state.guests) if (g.node === node) await writeFile(join(d, 'ct', String(vmid)), g.status ?? 'running')
        await writeFile(join(d, 'status.json'), JSON.stringify([
          {type: 'cluster', id: 'cluster', name: 'lab', nodes: state.nodes.length, version: 3, quorate: state.quorate === false ? 0 : 1},
          ...state.nodes.map((n, k) => ({type: 'node', id: `node/${n}`, name: n, nodeid: k + 1, ip: `127.0.0.${k + 1}`, local: n === node ? 1 : 0, online: state.offline?.includes(n) ? 0 : 1, level: ''})),
        ]))
        await writeFile(join(d, 'pvecm.txt'), pvecmStatus(state, i))
        await writeFile(join(d, 'ha.txt'), haStatus(state, node))
        for (const [name, text] of [['pct', PCT], ['pvesh', PVESH], ['pvecm', CAT('pvecm.txt')], ['ha-manager', CAT('ha.txt')]] as const) await writeFile(join(d, name), text, {mode: 0o755})
      }
    },
    hang: async (on) => (on ? writeFile(join(dir, 'hang'), '') : rm(join(dir, 'hang'), {force: true})),
    close: () => rm(dir, {recursive: true, force: true}),
  }
}

/** `pvecm status` as corosync-quorumtool prints it under Proxmox (trimmed to the parts read). */
export function pvecmStatus(state: Pick<ClusterState, 'nodes' | 'offline' | 'quorate'>, self: number): string {
  const online = state.nodes.filter((n) => !state.offline?.includes(n)).length
  const quorum = Math.floor(state.nodes.length / 2) + 1
  const quorate = state.quorate ?? online >= quorum
  return `Cluster information
-------------------
Name:             lab
Config Version:   3
Transport:        knet
Secure auth:      on

Quorum information
------------------
Date:             Wed Dec  2 03:00:00 2026
Quorum provider:  corosync_votequorum
Nodes:            ${online}
Node ID:          0x0000000${self + 1}
Ring ID:          1.10
Quorate:          ${quorate ? 'Yes' : 'No'}

Votequorum information
----------------------
Expected votes:   ${state.nodes.length}
Highest expected: ${state.nodes.length}
Total votes:      ${online}
Quorum:           ${quorum} ${quorate ? '' : 'Activity blocked'}
Flags:            ${quorate ? 'Quorate' : ''}
`
}

/** `ha-manager status` as pve-ha-manager prints it: one `TYPE STATUS` line per entry. */
export function haStatus(state: Pick<ClusterState, 'nodes' | 'guests' | 'ha' | 'quorate'>, self: string): string {
  const lines = [state.quorate === false ? `quorum No quorum on node '${self}'!` : 'quorum OK', `master ${state.nodes[0]} (active, Wed Dec  2 03:00:00 2026)`]
  for (const n of state.nodes) lines.push(`lrm ${n} (active, watchdog active, Wed Dec  2 03:00:00 2026)`)
  for (const [sid, st] of state.ha ?? []) lines.push(`service ${sid} (${state.guests.get(Number(sid.split(':')[1]))?.node ?? '---'}, ${st})`)
  return `${lines.join('\n')}\n`
}
