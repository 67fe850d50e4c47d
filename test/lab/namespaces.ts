import {alive, must, run, sleep} from './proc.js'
import {ADMIN, BRIDGE, BRIDGE_NS, CTS, HOST, NODE2, PREFIX_LEN, PROXY_CTS, SUBNET, VMS} from './topology.js'
import type {Machine} from './topology.js'

/** Every machine on the bridge: the host, the cluster's second node, the admin machine, the CTs, the VMs. */
export const MACHINES: readonly Machine[] = [HOST, NODE2, ADMIN, ...CTS, ...PROXY_CTS, ...VMS]

/**
 * Builds the network: the bridge in a namespace of its own, and one namespace per machine with
 * a veth `eth0` plugged into it. The root namespace gets nothing: no address, no route.
 */
export async function createNetwork(): Promise<void> {
  await guardRootNamespace()
  await must(['ip', 'netns', 'add', BRIDGE_NS])
  await ipBatch(BRIDGE_NS, ['link set lo up', `link add ${BRIDGE} type bridge`, `link set ${BRIDGE} up`])
  for (const m of MACHINES) await plug(m)
}

/** One machine: its namespace, its veth pair (eth0 inside, the port on the bridge), its address. */
async function plug(m: Machine): Promise<void> {
  await must(['ip', 'netns', 'add', m.ns])
  // Created directly in the two namespaces: the pair never exists in the root namespace.
  await must(['ip', 'link', 'add', 'eth0', 'netns', m.ns, 'type', 'veth', 'peer', 'name', m.port, 'netns', BRIDGE_NS])
  await ipBatch(BRIDGE_NS, [`link set ${m.port} master ${BRIDGE}`, `link set ${m.port} up`])
  await ipBatch(m.ns, ['link set lo up', `addr add ${m.address}/${PREFIX_LEN} dev eth0`, 'link set eth0 up'])
}

/** Several `ip` commands in one process (`ip -batch`), inside a namespace. */
async function ipBatch(ns: string, commands: readonly string[]): Promise<void> {
  await must(['ip', '-n', ns, '-batch', '-'], {input: `${commands.join('\n')}\n`})
}

/** Sets a machine's eth0 up or down (a stopped CT has no link). */
export async function setLink(ns: string, up: boolean): Promise<void> {
  await must(['ip', '-n', ns, 'link', 'set', 'eth0', up ? 'up' : 'down'])
}

/**
 * The lab's namespaces that exist now, including leftovers of a crashed run: matched by exact name,
 * so a lab with a longer prefix beside this one is never taken for a leftover.
 */
export async function labNamespaces(): Promise<string[]> {
  const ours = new Set([BRIDGE_NS, ...MACHINES.map((m) => m.ns)])
  const r = await run(['ip', 'netns', 'list'])
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => ours.has(n))
}

/** Pids of every process inside the lab's namespaces. */
export async function labPids(namespaces: readonly string[]): Promise<number[]> {
  const pids: number[] = []
  for (const ns of namespaces) {
    const r = await run(['ip', 'netns', 'pids', ns])
    pids.push(...r.stdout.split('\n').map(Number).filter((p) => p > 0 && p !== process.pid))
  }
  return [...new Set(pids)]
}

/**
 * Ends every process still inside a lab namespace (TERM, then KILL after a grace period), by
 * pid, and deletes the namespaces. The backstop of `down`: whatever the pid files missed.
 */
export async function destroyNetwork(): Promise<void> {
  const namespaces = await labNamespaces()
  const pids = await labPids(namespaces)
  signalAll(pids, 'SIGTERM')
  const until = Date.now() + 5000
  while (pids.some(alive) && Date.now() < until) await sleep(50)
  signalAll(pids.filter(alive), 'SIGKILL')
  for (const ns of namespaces) await run(['ip', 'netns', 'del', ns])
  await unguardRootNamespace()
}

/**
 * The root namespace has no route into the lab, so a phoenix run with a lab config started there
 * by mistake would send 198.18.0.x packets out through this machine's default route. An
 * `unreachable` route makes such a packet fail here, at once, instead ("Network is unreachable").
 * It routes nothing to the lab; labs beside this one share it, so the last one down removes it.
 */
async function guardRootNamespace(): Promise<void> {
  await must(['ip', 'route', 'replace', 'unreachable', `${SUBNET}.0/${PREFIX_LEN}`])
}

async function unguardRootNamespace(): Promise<void> {
  const others = (await run(['ip', 'netns', 'list'])).stdout.split('\n').some((l) => /vmbr0\b/.test(l))
  if (!others) await run(['ip', 'route', 'del', 'unreachable', `${SUBNET}.0/${PREFIX_LEN}`])
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}
