import {setMaxListeners} from 'node:events'

import {runnerFor} from '../checks/probes/registry.js'
import {guestWords} from '../io/guests/guests.js'
import type {Observation} from '../model/probes.js'
import type {Observations, Observed, GateResult} from '../model/observed.js'
import type {NetIo, RunIo} from '../model/ports.js'
import type {CheckSpec, Judgement, RunOptions, Vantage} from '../model/check-spec.js'
import {groupByVantage} from './groups.js'
import type {Group} from './groups.js'
import {laneLimits, PARK_AFTER_MS} from './lanes.js'
import {runFair, untilAborted} from './pool.js'
import {clusterGate, notSent, shellFor, unseenNode} from './cluster-gates.js'
import type {ClusterRun} from './cluster-run.js'
import {runRemoteBatch} from './remote-batch.js'
import type {BatchOutcome} from './remote-batch.js'

/** Reports progress: a (service, layer) has all its observations; `soFar` is everything observed yet. */
export type ProgressListener = (service: string, layer: CheckSpec['layer'], soFar: Observations) => void

/**
 * Runs every spec concurrently under one pool and one deadline. Specs that run at the same remote
 * vantage go together as one batch (one `pct exec` per CT, one SSH exec on the host);
 * network specs that run from this process go one task each.
 */
export async function observeAll(specs: readonly CheckSpec[], io: RunIo, options: RunOptions, onDone?: ProgressListener, cluster?: ClusterRun): Promise<Observations> {
  // The deadline counts from options.startedAtMs (the CLI gives the process's start), and is kept in
  // whole milliseconds: timers take integers, and a float (851.2) made AbortSignal.timeout throw.
  const deadlineAt = (options.startedAtMs ?? performance.now()) + options.deadlineMs - (options.reportMs ?? 0)
  const remaining = () => Math.max(0, Math.floor(deadlineAt - performance.now()))
  const stop = AbortSignal.any([AbortSignal.timeout(remaining()), ...(options.signal ? [options.signal] : [])])
  // Every task of the run listens to this one signal; that is by design, not a leak.
  setMaxListeners(0, stop)
  const pending = countPending(specs)
  const settle = (done: readonly CheckSpec[]) => {
    for (const s of done) {
      const key = `${s.service}\u0000${s.layer}`
      const left = (pending.get(key) ?? 1) - 1
      pending.set(key, left)
      if (left === 0) onDone?.(s.service, s.layer, {observed, gates})
    }
  }
  const observed: Observed[] = []
  const gates: GateResult[] = []
  const record = (group: Group, outcome: BatchOutcome) => {
    group.specs.forEach((spec, i) => observed.push({spec, obs: outcome.observations[i]!, durationMs: outcome.durationMs}))
    if (outcome.gate) gates.push(...gatesFor(group.specs, group.vantage, outcome.gate, outcome.durationMs))
    settle(group.specs)
  }
  const missed = (group: Group): BatchOutcome => ({
    observations: group.specs.map(() => pastDeadline(options)),
    ...(group.native ? {} : {gate: {status: 'unknown' as const, summary: pastDeadline(options).message, finding: 'deadline'}}),
    durationMs: 0,
  })
  const task = (group: Group) => async () => {
    const timeoutMs = Math.min(options.timeoutMs, remaining())
    // Nothing starts once the run is over: a task whose turn comes at the deadline is not observed.
    if (stop.aborted || timeoutMs <= 0) return record(group, missed(group))
    if (group.native) {
      const spec = group.specs[0]!
      const t0 = performance.now()
      const obs = await untilAborted(runNative(spec, io.net, timeoutMs), stop, () => pastDeadline(options))
      return record(group, {observations: [cutShort(obs, timeoutMs, options)], durationMs: Math.round(performance.now() - t0)})
    }
    // In a cluster, the batch goes to its node's shell; a node the cluster says is offline is not tried.
    const shell = shellFor(group.vantage, io)
    const unseen = unseenNode(group.vantage, shell, cluster)
    if (unseen || !shell) return record(group, notSent(group.specs, unseen!))
    const outcome = await untilAborted(runRemoteBatch(group.specs, group.vantage, shell, timeoutMs, stop), stop, () => missed(group))
    record(group, clusterGate({...outcome, observations: outcome.observations.map((obs) => cutShort(obs, timeoutMs, options))}, group.vantage, shell, cluster))
  }
  const nodes = io.nodes
  const {remote, native} = groupByVantage(specs, nodes ? (node) => (node ? nodes.isLocal(node) : io.hostIsLocal) : io.hostIsLocal, io.host.parallel)
  // Two lanes sharing the slots fairly: a thousand hung CT batches cannot hold every slot while
  // the host and client probes wait (D9); a lane with nothing left gives its slots to the other.
  // Each lane has its own bounds too, and a probe waiting out a hanging target waits aside (lanes.ts).
  const limit = laneLimits(options.concurrency, {localBatches: io.hostIsLocal, ...(io.openFiles === undefined ? {} : {openFiles: io.openFiles})})
  await runFair([
    {tasks: remote.map(task), limit: limit.remote},
    {tasks: native.map(task), limit: limit.native, inFlight: limit.nativeInFlight, parkAfterMs: PARK_AFTER_MS},
  ], options.concurrency)
  // Back to plan order: a check's prerequisites are judged before it.
  const order = new Map(specs.map((s, i) => [s, i]))
  observed.sort((a, b) => order.get(a.spec)! - order.get(b.spec)!)
  return {observed, gates}
}

function runNative(spec: CheckSpec, net: NetIo, timeoutMs: number): Promise<Observation> {
  const native = runnerFor(spec.probe).native
  if (!native) throw new Error(`probe kind ${spec.probe.kind} cannot run in this process`)
  return native(spec.probe, net, timeoutMs)
}

/** One gate check per service in the batch: `service.ct`, `gateway.ct`, or `host.ssh`. */
function gatesFor(specs: readonly CheckSpec[], vantage: Vantage, judgement: Judgement, durationMs: number): GateResult[] {
  const seen = new Map<string, GateResult>()
  for (const s of specs) {
    const id = vantage.at === 'guest' ? `${s.layer}.${guestWords(vantage.guest).gate}` : 'host.ssh'
    seen.set(`${s.service}\u0000${id}`, {service: s.service, id, layer: s.layer, judgement, durationMs})
  }
  return [...seen.values()]
}

function countPending(specs: readonly CheckSpec[]): Map<string, number> {
  const pending = new Map<string, number>()
  for (const s of specs) pending.set(`${s.service}\u0000${s.layer}`, (pending.get(`${s.service}\u0000${s.layer}`) ?? 0) + 1)
  return pending
}

/**
 * A timeout under a timeout the deadline shortened says nothing about the target: it was given
 * less time than --timeout promises, so it is not observed (deadline), never a fault.
 */
function cutShort(obs: Observation, timeoutMs: number, options: RunOptions): Observation {
  if (timeoutMs >= options.timeoutMs || !('error' in obs) || typeof obs.error !== 'object' || obs.error?.code !== 'timeout') return obs
  return {kind: 'unavailable', reason: 'deadline', message: `only ${timeoutMs} ms of the ${options.timeoutMs} ms timeout were left before the ${options.deadlineMs} ms deadline`}
}

function pastDeadline(options: RunOptions): Extract<Observation, {kind: 'unavailable'}> {
  const why = options.signal?.aborted ? `the run was stopped (${String(options.signal.reason)})` : `the ${options.deadlineMs} ms deadline`
  return {kind: 'unavailable', reason: 'deadline', message: `not finished before ${why}`}
}
