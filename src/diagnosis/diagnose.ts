import {BODY_LIMIT, bodyStart} from '../checks/probes/redact.js'
import type {Observation} from '../checks/probes/types.js'
import type {PlanContext} from '../checks/services/kind.js'
import {planService} from '../checks/services/plan.js'
import type {Inventory, ServiceDef} from '../inventory/types.js'
import type {RunOptions} from './check-spec.js'
import {observeAll} from './engine.js'
import type {ProgressListener, RunIo} from './engine.js'
import {judgeService} from './judge.js'
import type {JudgedCheck} from './judge.js'
import {SCHEMA_VERSION} from './report.js'
import type {CheckResult, LayerResult, Report, ServiceReport} from './report.js'
import {worstStatus} from './status.js'
import {decideVerdict} from './verdict.js'

/** What to diagnose and how. */
export interface DiagnoseInput {
  inventory: Inventory
  services: readonly ServiceDef[]
  options: RunOptions
  apiKeys: ReadonlyMap<string, string>
}

/**
 * One run: plan every check of every service, observe them all at once, judge, and give each
 * service its verdict. Unhealthy targets come back in the report; only a bug throws.
 */
export async function diagnose(input: DiagnoseInput, io: RunIo, onProgress?: ProgressListener): Promise<Report> {
  const startedAt = new Date()
  const t0 = performance.now()
  const context: PlanContext = {inventory: input.inventory, deep: input.options.deep, apiKeys: input.apiKeys}
  const specs = input.services.flatMap((s) => planService(s, context, input.options.layers))
  const observations = await observeAll(specs, io, input.options, onProgress)
  const services = input.services.map((s): ServiceReport => {
    const judged = judgeService(s.name, observations, input.options.layers)
    const verdict = decideVerdict(s, judged, input.inventory)
    const layers = judged.map(publicLayer)
    return {name: s.name, kind: s.kind, ctid: s.ctid, status: worstStatus(layers.map((l) => l.status)), layers, verdict}
  })
  return {
    schemaVersion: SCHEMA_VERSION,
    status: worstStatus(services.map((s) => s.status)),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    inventory: input.inventory.source,
    layers: [...input.options.layers],
    services,
  }
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
  if (obs.kind === 'nginx') return {...obs, routes: [], routeCount: obs.routes.length, errors: obs.errors.slice(-10)}
  if ((obs.kind === 'http' || obs.kind === 'websocket') && obs.body !== undefined && obs.body.length > BODY_LIMIT) {
    return {...obs, body: bodyStart(obs.body, [], BODY_LIMIT)}
  }
  return obs
}
