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

import type {Report} from '../src/diagnosis/report.js'
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
  /** Runs whose verdicts were not exactly "the hanging ones fail, the rest pass". */
  wrong: string[]
  /**
   * The hard deadline (sizes from DEADLINE_FROM up): runs with a --deadline shorter than the run
   * needs, timed from spawn to exit (the bound: deadline + 1 s), and their wrong verdicts (a
   * healthy service failed, or a hanging one passed; not observed is unknown, never wrong).
   */
  deadline?: {deadlineMs: number; wall: Series; wrong: string[]}
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
  for (let i = 0; i < o.runs; i++) {
    const r = await timed(argv, {env, cwd: REPO, rss: true, timeoutMs: 120_000})
    await writeFile(join(RAW, `scale-${n}-${i}.json`), r.stdout)
    walls.push(r.wallMs)
    rss.push(r.peakRssMb ?? Number.NaN)
    const problem = judge(r.stdout, n)
    engines.push(problem ? Number.NaN : (JSON.parse(r.stdout) as Report).durationMs)
    if (problem) wrong.push(`run ${i + 1}: ${problem}`)
    log(`  ${n} services, run ${i + 1}/${o.runs}: ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssMb?.toFixed(0)} MB${problem ? ` (WRONG: ${problem})` : ''}`)
  }
  return {
    services: n,
    hanging: Array.from({length: n}, (_, i) => i).filter(isHanging).length,
    timeoutMs: o.timeoutMs,
    wall: series(walls),
    engine: series(engines),
    peakRssMb: {median: round(median(rss), 1), max: round(Math.max(...rss), 1), runs: rss.map((v) => round(v, 1))},
    wrong,
    ...(n >= DEADLINE_FROM ? {deadline: await deadlineRuns(n, base, env, o, log)} : {}),
  }
}

/** The same check with --deadline at timeout + 1 s, shorter than the run needs: when does the process end? */
async function deadlineRuns(n: number, base: readonly string[], env: NodeJS.ProcessEnv, o: BenchOptions, log: (line: string) => void): Promise<NonNullable<ScaleResult['deadline']>> {
  const deadlineMs = o.timeoutMs + 1000
  const walls: number[] = []
  const wrong: string[] = []
  for (let i = 0; i < o.runs; i++) {
    const r = await timed([...base, '--deadline', `${deadlineMs}ms`], {env, cwd: REPO, timeoutMs: 120_000})
    await writeFile(join(RAW, `scale-${n}-deadline-${i}.json`), r.stdout)
    walls.push(r.wallMs)
    const problem = judgeCut(r.stdout, n)
    if (problem) wrong.push(`run ${i + 1}: ${problem}`)
    log(`  ${n} services, --deadline ${deadlineMs} ms, run ${i + 1}/${o.runs}: ended ${(r.wallMs / 1000).toFixed(2)} s after spawn${problem ? ` (WRONG: ${problem})` : ''}`)
  }
  return {deadlineMs, wall: series(walls), wrong}
}

/** A run cut by its deadline: what it saw must be right (unknown is allowed: not observed). */
function judgeCut(stdout: string, n: number): string | undefined {
  let report: Report
  try {
    report = JSON.parse(stdout) as Report
  } catch {
    return 'no JSON report'
  }
  const hanging = new Set(Array.from({length: n}, (_, i) => i).filter(isHanging).map(serviceName))
  const bad = report.services.filter((s) => s.name !== 'gateway' && (hanging.has(s.name) ? s.status === 'pass' : s.status === 'fail'))
  return bad.length ? `${bad.length} wrong (${bad.slice(0, 5).map((s) => `${s.name} ${s.status} ${s.verdict.cause}`).join(', ')})` : undefined
}

/** Exactly the hanging services fail (and the gateway, a 200, passes): each other service is a wrong verdict. */
function judge(stdout: string, n: number): string | undefined {
  let report: Report
  try {
    report = JSON.parse(stdout) as Report
  } catch {
    return 'no JSON report'
  }
  const failing = report.services.filter((s) => s.status !== 'pass').map((s) => s.name).sort()
  const expected = Array.from({length: n}, (_, i) => i).filter(isHanging).map(serviceName).sort()
  return failing.join() === expected.join() ? undefined : `not passing: ${failing.length} (${failing.slice(0, 5).join(', ')}…), expected the ${expected.length} hanging ones`
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
