/**
 * Section 4: a Proxmox cluster (issue 15). 300 kind-http guests on loopback fakes (one HTTP server
 * here; each node a folder of pct/pvesh/pvecm/ha-manager shims run through a real local shell,
 * test/helpers/fake-cluster.ts), diagnosed in this process at the service and host layers, once with
 * every guest on one node and once spread over three. Each node's shell stands for its one SSH
 * connection: at most 8 commands at once (ssh-shell.ts's channels per connection). Measured: the
 * connections a run opens (nodes with work) and the time to verdict, three nodes against one.
 */
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import {createNodeShells} from '../src/io/cluster/node-shells.js'
import {createNetIo} from '../src/io/net-io.js'
import {parseInventory} from '../src/inventory/load.js'
import type {Inventory} from '../src/model/inventory.js'
import type {Shell} from '../src/model/ports.js'
import type {Report} from '../src/model/report.js'
import {diagnose} from '../src/run/diagnose.js'
import {startFakeCluster} from '../test/helpers/fake-cluster.js'
import type {FakeCluster} from '../test/helpers/fake-cluster.js'
import {series} from './measure.js'
import type {Series} from './measure.js'
import type {BenchOptions} from './options.js'

export const CLUSTER_GUESTS = 300
const NODES = ['pve1', 'pve2', 'pve3']
/** ssh-shell.ts: commands at once on one SSH connection. */
const CHANNELS = 8

export interface ClusterShape {
  nodes: number
  guests: number
  /** Node shells that ran anything (over SSH: connections opened), per run. */
  connections: number[]
  /** Commands each node ran in the last run (its cluster query and batches). */
  execsPerNode: Record<string, number>
  time: Series
  /** Runs whose verdicts were not all healthy. */
  wrong: string[]
}

export interface ClusterResult {
  oneNode: ClusterShape
  threeNodes: ClusterShape
}

export async function benchCluster(o: BenchOptions, log: (line: string) => void): Promise<ClusterResult> {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const fake = await startFakeCluster()
  try {
    const inv = parseInventory(inventory(port), '(bench cluster)')
    const oneNode = await shape(fake, inv, 1, o, log)
    const threeNodes = await shape(fake, inv, 3, o, log)
    return {oneNode, threeNodes}
  } finally {
    await fake.close()
    server.close()
  }
}

async function shape(fake: FakeCluster, inv: Inventory, nodes: number, o: BenchOptions, log: (line: string) => void): Promise<ClusterShape> {
  const guests = new Map(Array.from({length: CLUSTER_GUESTS}, (_, i) => [1000 + i, {node: NODES[i % nodes]!}]))
  guests.set(999, {node: NODES[0]!})
  await fake.set({nodes: NODES, guests})
  const times: number[] = []
  const connections: number[] = []
  const wrong: string[] = []
  await run(fake, inv, o) // warm-up, not counted
  for (let i = 0; i < o.runs; i++) {
    fake.execs.clear()
    const t0 = performance.now()
    const report = await run(fake, inv, o)
    times.push(Math.round(performance.now() - t0))
    connections.push(fake.execs.size)
    const bad = report.services.filter((s) => s.status !== 'pass')
    if (bad.length) wrong.push(`run ${i + 1}: ${bad.length} not healthy (${bad.slice(0, 3).map((s) => `${s.name} ${s.status} ${s.verdict.cause}`).join(', ')})`)
    log(`  ${nodes} node${nodes > 1 ? 's' : ''}, ${CLUSTER_GUESTS} guests, run ${i + 1}/${o.runs}: ${(times.at(-1)! / 1000).toFixed(2)} s, ${fake.execs.size} node connections, ${bad.length} not healthy`)
  }
  return {nodes, guests: CLUSTER_GUESTS, connections, execsPerNode: Object.fromEntries(fake.execs), time: series(times), wrong}
}

async function run(fake: FakeCluster, inv: Inventory, o: BenchOptions): Promise<Report> {
  const make = (t: Inventory['proxmox']): Shell => channels(fake.shell(t.mode === 'local' ? 'pve1' : `pve${t.host.split('.')[3]}`))
  const nodes = createNodeShells(inv.cluster!, make)
  try {
    const io = {net: createNetIo(), host: nodes.candidates[0]!, hostIsLocal: false, nodes}
    const options = {timeoutMs: o.timeoutMs, deadlineMs: 120_000, concurrency: 64, layers: ['service' as const, 'host' as const], deep: false}
    return await diagnose({inventory: inv, services: inv.services, options, apiKeys: new Map()}, io)
  } finally {
    await nodes.close()
  }
}

/** The shell as one SSH connection runs it: at most CHANNELS commands at once, the rest queued. */
function channels(inner: Shell): Shell {
  let running = 0
  const waiting: (() => void)[] = []
  return {
    description: inner.description,
    parallel: CHANNELS,
    exec: async (argv, options) => {
      if (running >= CHANNELS) await new Promise<void>((resolve) => waiting.push(resolve))
      running++
      try {
        return await inner.exec(argv, options)
      } finally {
        running--
        waiting.shift()?.()
      }
    },
    close: () => inner.close(),
  }
}

/** Every node over SSH (127.0.0.k: the fake's addresses), 300 kind-http services on the one server. */
function inventory(port: number): string {
  const nodes = NODES.map((n, k) => `    - { name: ${n}, host: 127.0.0.${k + 1} }`).join('\n')
  const services = Array.from({length: CLUSTER_GUESTS}, (_, i) => `  g${1000 + i}: { kind: http, ctid: ${1000 + i}, address: 127.0.0.1, port: ${port} }`).join('\n')
  return `proxmox:\n  nodes:\n${nodes}\ngateway: { ctid: 999, address: 127.0.0.1, url: http://127.0.0.1:1 }\nservices:\n${services}\n`
}
