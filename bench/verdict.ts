/**
 * Sections 1 and 2: time to verdict on the lab, healthy and with one service hanging, phoenix
 * against the operators' script, and the remote calls each made. For each scenario and pct delay,
 * the three contenders take turns run by run (the order alternates), so a busy moment of a
 * shared 2-core machine hits all of them alike, and each ratio comes from the same runs.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {Report} from '../src/model/report.js'
import {fault, heal, setPctDelay} from '../test/lab/lab.js'
import {baselinePlan} from './baseline-plan.js'
import {baselineRun, phoenixRun, RAW} from './lab-runs.js'
import type {Calls, LabRun} from './lab-runs.js'
import {median, round, series} from './measure.js'
import type {Series} from './measure.js'
import type {BenchOptions} from './options.js'

export type Scenario = 'healthy' | 'hang'

/** The service that hangs in the `hang` scenario, and the verdict phoenix must give it. */
export const HANG = {service: 'n8n', fault: 'hang', layer: 'service', cause: 'api_timeout'} as const

/** One contender's runs in one scenario. */
export interface Contender extends Series {
  /** Remote calls of one run (the same in every run; the first one is kept, the others checked). */
  calls: Calls
  /** Runs whose answer was wrong (a fast wrong verdict is not a win); empty when all were right. */
  wrong: string[]
}

export interface VerdictResult {
  scenario: Scenario
  pctDelayMs: number
  timeoutMs: number
  /**
   * Where phoenix's wall time goes: `startup` from spawn to the engine's start (node, oclif, the
   * command's modules, the inventory), `engine` the diagnosis itself (report.durationMs), the
   * rest is printing the report and exiting.
   */
  phoenix: Contender & {startup: Series; engine: Series}
  phoenixSsh: Contender
  baseline: Contender
  /** baseline median / phoenix median, both from these runs. */
  ratio: number
  /**
   * Checks per run: phoenix's report (its `service.ct`/`gateway.ct` gates come from whether pct
   * exec got in, and every `gateway.route` from one nginx -T), the baseline's output lines.
   */
  checks: {phoenix: number; baseline: number}
}

/** Runs every scenario at the chosen pct delay, then (unless disabled) with a free pct. */
export async function benchVerdicts(o: BenchOptions, log: (line: string) => void): Promise<VerdictResult[]> {
  const plan = join(RAW, 'baseline-plan.tsv')
  await writeFile(plan, baselinePlan())
  const delays = o.zeroDelay && o.pctDelayMs !== 0 ? [o.pctDelayMs, 0] : [o.pctDelayMs]
  const results: VerdictResult[] = []
  for (const delay of delays) {
    for (const scenario of ['healthy', 'hang'] as const) {
      await setPctDelay(delay)
      if (scenario === 'hang') await fault(HANG.service, HANG.fault)
      try {
        results.push(await scenarioRuns(scenario, delay, plan, o, log))
      } finally {
        if (scenario === 'hang') await heal(HANG.service)
      }
    }
  }
  await setPctDelay(0)
  return results
}

async function scenarioRuns(scenario: Scenario, delay: number, plan: string, o: BenchOptions, log: (line: string) => void): Promise<VerdictResult> {
  const tag = (who: string, i: number) => `verdict-${scenario}-pct${delay}-${who}-${i}`
  // Warm the page cache and the lab's processes; not counted.
  await phoenixRun('local', o.timeoutMs, tag('warmup', 0))
  const runs = {local: [] as LabRun[], ssh: [] as LabRun[], baseline: [] as LabRun[]}
  for (let i = 0; i < o.runs; i++) {
    const steps = [
      async () => runs.local.push(await phoenixRun('local', o.timeoutMs, tag('phoenix', i))),
      async () => runs.ssh.push(await phoenixRun('ssh', o.timeoutMs, tag('phoenix-ssh', i))),
      async () => runs.baseline.push(await baselineRun(plan, o.timeoutMs, tag('baseline', i))),
    ]
    for (const step of i % 2 ? steps.reverse() : steps) await step()
    log(`  ${scenario}, pct ${delay} ms, run ${i + 1}/${o.runs}: phoenix ${ms(runs.local.at(-1)!)}, over ssh ${ms(runs.ssh.at(-1)!)}, baseline ${ms(runs.baseline.at(-1)!)}`)
  }
  const phoenix = contender(runs.local, (r) => judgeReport(r, scenario))
  const engine = series(runs.local.map((r) => parseReport(r)?.durationMs ?? Number.NaN))
  const startup = series(runs.local.map((r) => Date.parse(parseReport(r)?.startedAt ?? '') - (r.spawnedAt ?? Number.NaN)))
  return {
    scenario, pctDelayMs: delay, timeoutMs: o.timeoutMs,
    phoenix: {...phoenix, startup, engine},
    phoenixSsh: contender(runs.ssh, (r) => judgeReport(r, scenario)),
    baseline: contender(runs.baseline, (r) => judgeBaseline(r, scenario)),
    ratio: round(median(runs.baseline.map((r) => r.wallMs)) / median(runs.local.map((r) => r.wallMs)), 1),
    checks: {
      phoenix: parseReport(runs.local[0]!)?.services.reduce((n, sv) => n + sv.layers.reduce((m, l) => m + l.checks.length, 0), 0) ?? 0,
      baseline: runs.baseline[0]!.stdout.split('\n').filter((l) => / rc=/.test(l)).length,
    },
  }
}

function contender(runs: readonly LabRun[], judge: (r: LabRun) => string | undefined): Contender {
  const first = JSON.stringify(runs[0]!.calls)
  const wrong = runs.flatMap((r, i) => {
    const problem = judge(r) ?? (JSON.stringify(r.calls) !== first ? `remote calls differ from run 1: ${JSON.stringify(r.calls)}` : undefined)
    return problem ? [`run ${i + 1}: ${problem}`] : []
  })
  return {...series(runs.map((r) => r.wallMs)), calls: runs[0]!.calls, wrong}
}

function parseReport(r: LabRun): Report | undefined {
  try {
    return JSON.parse(r.stdout) as Report
  } catch {
    return undefined
  }
}

/**
 * Whether phoenix gave the verdict the lab's fault table expects. Healthy: nothing fails (check
 * leaves the gateway's hardening to `phoenix audit`). Hang: n8n fails at the service
 * layer with api_timeout, and nothing else fails.
 */
export function judgeReport(r: LabRun, scenario: Scenario): string | undefined {
  const report = parseReport(r)
  if (!report) return `no JSON report (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`
  const bad = report.services.filter((s) => s.status === 'fail' || s.status === 'unknown')
  const expected = scenario === 'hang' ? [HANG.service] : []
  const names = bad.map((s) => s.name)
  if (names.join() !== expected.join()) return `failing services ${names.join(', ') || 'none'}, expected ${expected.join(', ') || 'none'}`
  const hung = bad[0]
  if (hung && (hung.verdict.layer !== HANG.layer || hung.verdict.cause !== HANG.cause)) {
    return `${hung.name}: verdict ${hung.verdict.layer}/${hung.verdict.cause}, expected ${HANG.layer}/${HANG.cause}`
  }
  return undefined
}

/**
 * The baseline has exit codes and HTTP statuses only: healthy, every check exits 0 and no API call
 * is refused (401: a key not sent); hang, the hung service's checks time out (curl's 28).
 */
function judgeBaseline(r: LabRun, scenario: Scenario): string | undefined {
  // client.auth.* asks an API route without credentials on purpose: its 401 is the right answer.
  const failed = r.stdout.split('\n').filter((l) => / rc=[1-9]/.test(l) || (/ http=401/.test(l) && !/ client\.auth\./.test(l)))
  if (scenario === 'healthy') return failed.length ? `checks failed: ${failed.join('; ')}` : undefined
  const others = failed.filter((l) => !l.startsWith(`${HANG.service} `))
  if (others.length) return `checks failed on other services: ${others.join('; ')}`
  return failed.some((l) => l.includes('service.http rc=28')) ? undefined : `no timeout seen on ${HANG.service}: ${failed.join('; ')}`
}

const ms = (r: LabRun) => `${(r.wallMs / 1000).toFixed(2)} s`
