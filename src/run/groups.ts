import {runnerFor} from '../checks/probes/registry.js'
import type {CheckSpec, Vantage} from '../model/check-spec.js'

/** Specs that run as one task: a native probe alone, or one remote batch. */
export interface Group {
  native: boolean
  vantage: Vantage
  specs: CheckSpec[]
}

/**
 * Host specs per batch (100 services' pings when phoenix is on the host): one `sh` that is slow to
 * start a thousand pings on a loaded host blinds these services, not every service of the run.
 */
export const HOST_BATCH_SPECS = 100

/**
 * Native specs one per group; remote specs grouped by where they run, the host's in batches of
 * HOST_BATCH_SPECS. `hostParallel` is how many commands the host's shell runs at once (SSH: its
 * channels): the host's batches are made no more than that many, so they all run in one round.
 */
export function groupByVantage(specs: readonly CheckSpec[], hostLocal: boolean | ((node: string | undefined) => boolean), hostParallel?: number): {remote: Group[]; native: Group[]} {
  const native: Group[] = []
  const remote = new Map<string, Group>()
  // In a cluster, each node's host specs are its own batches, native only on the node phoenix runs on.
  const isLocal = typeof hostLocal === 'boolean' ? () => hostLocal : hostLocal
  for (const spec of specs) {
    const hostIsLocal = spec.vantage.at === 'host' && isLocal(spec.vantage.node)
    // Pings go in the host's batch even when phoenix runs on the host: the ping package spawns one
    // /bin/ping per call from this thread (~2 ms each), which at 200 services delays every later
    // probe by a second; one `sh` running them all in parallel does not (BENCHMARKS.md, scale).
    if (spec.vantage.at === 'local' || (spec.vantage.at === 'host' && hostIsLocal && runnerFor(spec.probe).native !== undefined && spec.probe.kind !== 'ping')) {
      native.push({native: true, vantage: spec.vantage, specs: [spec]})
      continue
    }
    // One batch per CT, whatever the layers: the gateway CT serves every service's gateway layer and
    // the gateway's own checks in one `pct exec` (they share one `nginx -T`, so it is never split).
    const key = spec.vantage.at === 'guest' ? `${spec.vantage.guest.kind}:${spec.vantage.guest.id}` : `host:${spec.vantage.at === 'host' ? spec.vantage.node ?? '' : ''}`
    const group = remote.get(key) ?? {native: false, vantage: spec.vantage, specs: []}
    group.specs.push(spec)
    remote.set(key, group)
  }
  const batches = [...remote.values()].flatMap((g) => (g.vantage.at === 'host' ? hostBatches(g, hostParallel) : [g]))
  // The batches every service shares (the host's, the gateway CT's) before any one service's CT.
  const shared = (g: Group) => new Set(g.specs.map((s) => s.service)).size
  return {remote: batches.sort((a, b) => shared(b) - shared(a)), native}
}

/** The host's specs cut into batches at service boundaries (a service's host checks and its gate stay in one). */
function hostBatches(group: Group, parallel?: number): Group[] {
  const size = parallel ? Math.max(HOST_BATCH_SPECS, Math.ceil(group.specs.length / parallel)) : HOST_BATCH_SPECS
  const batches: Group[] = []
  let current: Group | undefined
  for (const spec of group.specs) {
    const last = current?.specs.at(-1)
    if (!current || (current.specs.length >= size && last?.service !== spec.service)) batches.push((current = {...group, specs: []}))
    current.specs.push(spec)
  }
  return batches
}
