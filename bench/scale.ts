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
}

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
  const argv = ['ip', 'netns', 'exec', ADMIN.ns, process.execPath, join(REPO, 'bin/run.js'), 'check', '--all', '--layer', 'host', '--layer', 'client',
    '--json', '--timeout', `${o.timeoutMs}ms`, '--config', config]
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
  }
}

/** Exactly the hanging services fail (and the gateway, a 200, passes). */
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
