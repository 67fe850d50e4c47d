/**
 * Section 3: scale. N `kind: http` services (scale-plan.ts), a tenth of them hanging, served by
 * one process (scale-server.ts) inside the lab's admin namespace, whose loopback is the bench's
 * own. phoenix runs there too, on the host and client layers (there are no CTs to enter), and we
 * measure its wall time and peak RSS.
 */
import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import type {Report} from '../src/model/report.js'
import {ADMIN, REPO} from '../test/lab/topology.js'
import {RAW} from './lab-runs.js'
import {median, round, series, timed} from './measure.js'
import type {Series} from './measure.js'
import type {BenchOptions} from './options.js'
import {isHanging, scaleInventory, serviceName} from './scale-plan.js'

export interface ScaleResult {
  services: number
  hanging: number
  timeoutMs: number
  wall: Series
  engine: Series
  peakRssMb: {median: number; max: number; runs: number[]}
  /** Runs with a wrong verdict: a healthy service failed, a hanging one passed or only warned (or no report). */
  wrong: string[]
  /** Per run, the services not seen as they are without being wrong: unknown (not observed), or a slow warning. */
  unseen: number[]
  /**
   * The hard deadline (sizes from DEADLINE_FROM up): runs with a --deadline shorter than the run
   * needs, timed from spawn to exit (the bound: deadline + 1 s), and their wrong verdicts.
   */
  deadline?: {deadlineMs: number; wall: Series; wrong: string[]; unseen: number[]}
}

/** From this size up, the scale test also measures the deadline bound. */
const DEADLINE_FROM = 1000

/** Children the bench started (the scale server), so a crash or a signal can end them by pid. */
export const children = new Set<ChildProcess>()

export async function benchScale(o: BenchOptions, log: (line: string) => void): Promise<ScaleResult[]> {
  const results: ScaleResult[] = []
  for (const n of o.scaleSizes) {
    const server = await startServer(n)
    try {
      results.push(await scaleRuns(n, o, log))
    } finally {
      stop(server)
    }
  }
  return results
}

async function scaleRuns(n: number, o: BenchOptions, log: (line: string) => void): Promise<ScaleResult> {
  const config = join(RAW, `scale-${n}.yaml`)
  await writeFile(config, scaleInventory(n))
  const base = ['ip', 'netns', 'exec', ADMIN.ns, process.execPath, join(REPO, 'bin/run.js'), 'check', '--all', '--layer', 'host', '--layer', 'client',
    '--json', '--timeout', `${o.timeoutMs}ms`, '--config', config]
  const argv = base
  const env = {...process.env, NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
  await timed(argv, {env, cwd: REPO}) // warm-up, not counted
  const walls: number[] = []
  const engines: number[] = []
  const rss: number[] = []
  const wrong: string[] = []
  const unseen: number[] = []
  for (let i = 0; i < o.runs; i++) {
    const r = await timed(argv, {env, cwd: REPO, rss: true, timeoutMs: 120_000})
    await writeFile(join(RAW, `scale-${n}-${i}.json`), r.stdout)
    walls.push(r.wallMs)
    rss.push(r.peakRssMb ?? Number.NaN)
    const {problem, unseen: missed, durationMs} = verdicts(r.stdout, n)
    engines.push(durationMs ?? Number.NaN)
    unseen.push(missed)
    if (problem) wrong.push(`run ${i + 1}: ${problem}`)
    log(`  ${n} services, run ${i + 1}/${o.runs}: ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssMb?.toFixed(0)} MB, ${missed} unknown or slow${problem ? ` (WRONG: ${problem})` : ''}`)
  }
  return {
    services: n,
    hanging: Array.from({length: n}, (_, i) => i).filter(isHanging).length,
    timeoutMs: o.timeoutMs,
    wall: series(walls),
    engine: series(engines),
    peakRssMb: {median: round(median(rss), 1), max: round(Math.max(...rss), 1), runs: rss.map((v) => round(v, 1))},
    wrong,
    unseen,
    ...(n >= DEADLINE_FROM ? {deadline: await deadlineRuns(n, base, env, o, log)} : {}),
  }
}

/** The same check with --deadline at timeout + 1 s, shorter than the run needs: when does the process end? */
async function deadlineRuns(n: number, base: readonly string[], env: NodeJS.ProcessEnv, o: BenchOptions, log: (line: string) => void): Promise<NonNullable<ScaleResult['deadline']>> {
  const deadlineMs = o.timeoutMs + 1000
  const walls: number[] = []
  const wrong: string[] = []
  const unseen: number[] = []
  for (let i = 0; i < o.runs; i++) {
    const r = await timed([...base, '--deadline', `${deadlineMs}ms`], {env, cwd: REPO, timeoutMs: 120_000})
    await writeFile(join(RAW, `scale-${n}-deadline-${i}.json`), r.stdout)
    walls.push(r.wallMs)
    const {problem, unseen: missed} = verdicts(r.stdout, n)
    unseen.push(missed)
    if (problem) wrong.push(`run ${i + 1}: ${problem}`)
    log(`  ${n} services, --deadline ${deadlineMs} ms, run ${i + 1}/${o.runs}: ended ${(r.wallMs / 1000).toFixed(2)} s after spawn, ${missed} unknown or slow${problem ? ` (WRONG: ${problem})` : ''}`)
  }
  return {deadlineMs, wall: series(walls), wrong, unseen}
}

/**
 * A run's verdicts against the estate: a healthy service that fails, or a hanging one that passes
 * or only warns, is wrong. Unknown (not observed: the deadline, a batch too slow) and a slow
 * warning on a busy machine are not wrong; they are counted (`unseen`).
 */
function verdicts(stdout: string, n: number): {problem?: string; unseen: number; durationMs?: number} {
  let report: Report
  try {
    report = JSON.parse(stdout) as Report
  } catch {
    return {problem: 'no JSON report', unseen: n}
  }
  const hanging = new Set(Array.from({length: n}, (_, i) => i).filter(isHanging).map(serviceName))
  const bad = report.services.filter((s) => (hanging.has(s.name) ? s.status === 'pass' || s.status === 'warn' : s.status === 'fail'))
  const unseen = report.services.filter((s) => s.status === 'unknown' || (!hanging.has(s.name) && s.status === 'warn')).length
  const problem = bad.length ? `${bad.length} wrong (${bad.slice(0, 5).map((s) => `${s.name} ${s.status} ${s.verdict.cause}`).join(', ')})` : undefined
  return {...(problem ? {problem} : {}), unseen, durationMs: report.durationMs}
}

/** Starts the scale server in the admin namespace and waits for its "ready" line. */
function startServer(n: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ADMIN.ns, process.execPath, '--import', 'tsx', join(REPO, 'bench/scale-server.ts'), String(n)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.add(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (stop(child), reject(new Error(`scale server for ${n} services not ready in 30 s`))), 30_000)
    child.once('exit', (code) => reject(new Error(`scale server exited ${code} before it was ready`)))
    createInterface({input: child.stdout!}).once('line', (line) => {
      clearTimeout(timer)
      if ((JSON.parse(line) as {ready?: number}).ready === n) resolve(child)
      else reject(new Error(`scale server: ${line}`))
    })
  })
}

/** Ends a child by its pid (`ip netns exec` execs node, so the pid is the server's). */
export function stop(child: ChildProcess): void {
  children.delete(child)
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
}
