import {askCluster} from '../io/cluster/cluster-query.js'
import {guestWords} from '../io/guests/guests.js'
import type {ClusterReport, ClusterView, NodeShells, Placement} from '../model/cluster.js'
import type {CheckSpec} from '../model/check-spec.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import type {GuestRef} from '../model/ports.js'

/**
 * A cluster's part of one run (issue 15): what the cluster said (asked once, of the first node
 * that answers), and the node each guest runs on now. Every batch then goes to its guest's node.
 */
export interface ClusterRun {
  nodes: NodeShells
  view?: ClusterView
  /** Why no node answered (each node's message): guests then run where the inventory says. */
  error?: string
  /** By guest (`ct:954`, `vm:1002`). */
  placement: Map<string, Placement>
}

/** A guest's key in the placement. */
export const guestKey = (g: GuestRef) => `${g.kind}:${g.id}`

/** Asks the nodes in turn until one answers (all of them within timeoutMs), then places every guest of the run. */
export async function readCluster(inventory: Inventory, services: readonly ServiceDef[], nodes: NodeShells, timeoutMs: number, signal?: AbortSignal): Promise<ClusterRun> {
  const errors: string[] = []
  let view: ClusterView | undefined
  const end = performance.now() + timeoutMs
  for (const shell of nodes.candidates) {
    const left = Math.floor(end - performance.now())
    if (signal?.aborted || left <= 0) break
    const answer = await askCluster(shell, left, signal)
    if (typeof answer !== 'string') {
      nodes.learn(answer, shell)
      view = answer
      break
    }
    errors.push(answer)
  }
  const fallback = view?.asked || nodes.candidates[0]?.node || ''
  const placement = placeGuests([inventory.gateway, ...services], view, fallback)
  return {nodes, ...(view ? {view} : {error: errors.join('; ') || 'no node to ask'}), placement}
}

/**
 * Each guest's node: where the cluster says it runs, else where the inventory says, else the node
 * that answered. A guest found on another node than the inventory's says where it was.
 */
export function placeGuests(defs: readonly {guest: GuestRef; node?: string}[], view: ClusterView | undefined, fallback: string): Map<string, Placement> {
  const placement = new Map<string, Placement>()
  for (const def of defs) {
    const key = guestKey(def.guest)
    if (placement.has(key)) continue
    const found = view?.guests.find((g) => g.vmid === def.guest.id && g.type === (def.guest.kind === 'ct' ? 'lxc' : 'qemu'))
    const node = found?.node ?? def.node ?? fallback
    placement.set(key, {node, ...(found && def.node && def.node !== found.node ? {movedFrom: def.node} : {})})
  }
  return placement
}

/** The specs with their node: a guest's on the guest's node, the host layer's on the node of the service's guest. */
export function placeSpecs(specs: readonly CheckSpec[], services: readonly ServiceDef[], placement: ReadonlyMap<string, Placement>): CheckSpec[] {
  const guestOf = new Map(services.map((s) => [s.name, s.guest]))
  return specs.map((spec) => {
    const v = spec.vantage
    const guest = v.at === 'guest' ? v.guest : v.at === 'host' ? guestOf.get(spec.service) : undefined
    const node = guest ? placement.get(guestKey(guest))?.node : undefined
    return node && v.at !== 'local' ? {...spec, vantage: {...v, node}} : spec
  })
}

/** The cluster as the report shows it: the nodes, how many of the run's guests each has, the guests that moved. */
export function clusterReport(run: ClusterRun): ClusterReport {
  const counts = new Map<string, number>()
  for (const p of run.placement.values()) counts.set(p.node, (counts.get(p.node) ?? 0) + 1)
  const names = [...new Set([...(run.view?.nodes.map((n) => n.name) ?? []), ...counts.keys()])].sort()
  const online = (name: string) => run.view?.nodes.find((n) => n.name === name)?.online ?? true
  const moved = [...run.placement].filter(([, p]) => p.movedFrom).map(([key, p]) => ({guest: guestWords(refOf(key)).label, from: p.movedFrom!, to: p.node}))
  return {
    ...(run.view ? {asked: run.view.asked} : {error: run.error ?? 'not asked'}),
    ...(run.view?.quorate === undefined ? {} : {quorate: run.view.quorate}),
    nodes: names.map((name) => ({name, online: online(name), guests: counts.get(name) ?? 0})),
    moved,
  }
}

function refOf(key: string): GuestRef {
  const [kind, id] = key.split(':')
  return {kind: kind === 'vm' ? 'vm' : 'ct', id: Number(id)}
}
