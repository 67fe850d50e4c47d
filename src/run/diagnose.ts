import {guestIds} from '../io/guests/guests.js'
import {BODY_LIMIT, bodyStart} from '../io/redact.js'
import type {Observation} from '../model/probes.js'
import type {PlanContext} from '../checks/services/kind.js'
import {planService} from '../checks/services/plan.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import type {CheckSpec, RunOptions} from '../model/check-spec.js'
import {observeAll} from './engine.js'
import {clusterReport, guestKey, placeSpecs, readCluster} from './cluster-run.js'
import type {ClusterRun} from './cluster-run.js'
import {clusterRootCauses} from '../verdict/cluster-causes.js'
import type {Observations} from '../model/observed.js'
import type {RunIo} from '../model/ports.js'
import {judgeService} from '../verdict/judge.js'
import {findRootCauses} from '../verdict/root-causes.js'
import type {JudgedCheck} from '../verdict/judge.js'
import {SCHEMA_VERSION} from '../model/report.js'
import type {CheckResult, LayerResult, Report, ServiceReport, Verdict} from '../model/report.js'
import {worstStatus} from '../model/status.js'
import type {Layer, Status} from '../model/status.js'
import {decideVerdict} from '../verdict/verdict.js'

/** What to diagnose and how. */
export interface DiagnoseInput {
  inventory: Inventory
  services: readonly ServiceDef[]
  options: RunOptions
  apiKeys: ReadonlyMap<string, string>
}

/** Live progress of a run: which layers each target has, then each layer's status as it is judged. */
export interface RunProgress {
  planned(target: string, layers: readonly Layer[]): void
  layer(target: string, layer: Layer, status: Status): void
}

/**
 * One run: plan every check of every service, observe them all at once, judge, and give each
 * service its verdict. Unhealthy targets come back in the report; only a bug throws.
 */
export async function diagnose(input: DiagnoseInput, io: RunIo, progress?: RunProgress): Promise<Report> {
  const startedAt = new Date()
  const t0 = performance.now()
  const context: PlanContext = {inventory: input.inventory, deep: input.options.deep, apiKeys: input.apiKeys, posture: input.options.posture ?? false}
  const planned = input.services.flatMap((s) => planService(s, context, input.options.layers))
  // A cluster (issue 15): asked once where each guest runs; every batch then goes to its guest's node.
  // The deadline counts from the run's start, the cluster query included (the CLI gives the process's start).
  const runOptions = input.options.startedAtMs === undefined ? {...input.options, startedAtMs: t0} : input.options
  const cluster = io.nodes ? await readCluster(input.inventory, input.services, io.nodes, clusterQueryMs(runOptions), input.options.signal) : undefined
  const specs = cluster ? placeSpecs(planned, input.services, cluster.placement) : planned
  const order = new Map(specs.map((s, i) => [s, i]))
  for (const s of input.services) progress?.planned(s.name, input.options.layers.filter((l) => specs.some((x) => x.service === s.name && x.layer === l)))
  const observations = await observeAll(specs, io, runOptions, progress && ((service, layer, soFar) => progress.layer(service, layer, layerStatus(service, layer, soFar, order))), cluster)
  const own = byService(observations)
  const services = input.services.map((s): ServiceReport => {
    const judged = judgeService(s.name, own.get(s.name) ?? {observed: [], gates: []}, input.options.layers)
    const verdict = decideVerdict(s, judged, input.inventory)
    const layers = judged.map(publicLayer)
    return {name: s.name, kind: s.kind, ...guestIds(s.guest), status: serviceStatus(verdict, layers), layers, verdict, ...(cluster ? placedOn(cluster, s) : {})}
  })
  const clusterSection = cluster ? clusterReport(cluster) : undefined
  return {
    schemaVersion: SCHEMA_VERSION,
    // A cluster without quorum is a warning even when every service answers: nothing can be started or moved.
    status: worstStatus([...services.map((s) => s.status), ...(clusterSection?.quorate === false ? ['warn' as const] : [])]),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    inventory: input.inventory.source,
    layers: [...input.options.layers],
    services,
    rootCauses: [...(clusterSection ? clusterRootCauses(clusterSection, services) : []), ...findRootCauses(services, input.inventory.gateway.guest)],
    ...(clusterSection ? {cluster: clusterSection} : {}),
  }
}

/** Time the cluster query may take beyond --timeout: pvesh and pvecm start Perl on the node. */
const CLUSTER_SLACK_MS = 5000

/** The cluster query's bound: --timeout and its slack, within what is left of the deadline (never past it). */
function clusterQueryMs(o: RunOptions): number {
  const left = (o.startedAtMs ?? performance.now()) + o.deadlineMs - (o.reportMs ?? 0) - performance.now()
  return Math.max(1, Math.floor(Math.min(o.timeoutMs + CLUSTER_SLACK_MS, left)))
}

/** Where a service's guest runs in the cluster, and where the inventory had it if it moved. */
function placedOn(cluster: ClusterRun, s: ServiceDef): Pick<ServiceReport, 'node' | 'movedFrom'> {
  const p = cluster.placement.get(guestKey(s.guest))
  return p ? {node: p.node, ...(p.movedFrom ? {movedFrom: p.movedFrom} : {})} : {}
}

/**
 * The worst layer's status, except when the verdict is a layer phoenix could not see: a failure
 * outside it (the host cannot reach the CT, from a machine without pct or off the CT network) has
 * no ground, and the service is unknown (exit 3), not critical: run phoenix where it can see.
 */
function serviceStatus(verdict: Verdict, layers: readonly LayerResult[]): Status {
  const blind = verdict.layer !== null && layers.find((l) => l.layer === verdict.layer)?.status === 'unknown'
  return blind ? 'unknown' : worstStatus(layers.map((l) => l.status))
}

/**
 * A layer's status from what is observed so far (in plan order, as the final judging sees it): the
 * live view. A prerequisite in a layer not yet observed is not applied; the report's own judging is.
 */
function layerStatus(service: string, layer: Layer, soFar: Observations, order: ReadonlyMap<CheckSpec, number>): Status {
  const observed = soFar.observed.filter((o) => o.spec.service === service).sort((a, b) => order.get(a.spec)! - order.get(b.spec)!)
  const judged = judgeService(service, {observed, gates: soFar.gates.filter((g) => g.service === service)}, [layer])
  return judged[0]?.status ?? 'skip'
}

/** Each service's own observations, in run order: judging 1000 services must not scan all of them 1000 times. */
function byService(all: Observations): Map<string, Observations> {
  const out = new Map<string, Observations>()
  const of = (name: string) => out.get(name) ?? out.set(name, {observed: [], gates: []}).get(name)!
  for (const o of all.observed) of(o.spec.service).observed.push(o)
  for (const g of all.gates) of(g.service).gates.push(g)
  return out
}

/** The report's check objects: what was seen and judged, without the verdict's internals. */
function publicLayer(layer: LayerResult): LayerResult {
  return {
    ...layer,
    checks: (layer.checks as JudgedCheck[]).map(({finding: _f, evidence: _e, hints: _h, ...check}): CheckResult => ({
      ...check,
      ...(check.observed ? {observed: reportable(check.observed)} : {}),
    })),
  }
}

/** An observation as a report shows it: bodies cut to BODY_LIMIT (judging saw more). */
function reportable(obs: Observation): Observation {
  // The route table and the whole error log are read for judging; a report carries their gist.
  if (obs.kind === 'nginx') return {...obs, routes: [], upstreams: [], routeCount: obs.routes.length, errors: obs.errors.slice(-10), certificates: obs.certificates.map(({pems: _p, ...c}) => c)}
  if (obs.kind === 'traefik' && obs.certificates) return {...obs, certificates: obs.certificates.map(({pems: _p, ...c}) => c)}
  // The firewall's files are read for judging; a report says how many were there.
  if (obs.kind === 'firewall') return {kind: 'firewall', ...(obs.unread ? {unread: obs.unread} : {}), files: obs.state ? [obs.state.cluster, ...Object.values(obs.state.guests)].filter((f) => f.present).length : 0}
  if ((obs.kind === 'http' || obs.kind === 'websocket') && obs.body !== undefined && obs.body.length > BODY_LIMIT) {
    return {...obs, body: bodyStart(obs.body, [], BODY_LIMIT)}
  }
  return obs
}
