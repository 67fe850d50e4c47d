/**
 * Section 4: start-up. `phoenix --version` and `phoenix check --help` against `node -e 0`, the
 * floor any Node CLI pays. The three commands take turns, run by run, so a busy moment of the
 * machine hits them alike; each figure is a median, and the ratio is of medians of the same runs.
 * No network: this section needs no lab.
 */
import {join} from 'node:path'

import {REPO} from '../test/lab/topology.js'
import {median, round, series, timed} from './measure.js'
import type {Series} from './measure.js'
import type {BenchOptions} from './options.js'

export interface StartupResult {
  node: Series
  version: Series & {ratio: number; peakRssMb: number}
  help: Series & {ratio: number; peakRssMb: number}
}

const COMMANDS = {
  node: ['-e', '0'],
  version: [join(REPO, 'bin/run.js'), '--version'],
  help: [join(REPO, 'bin/run.js'), 'check', '--help'],
} as const

type Which = keyof typeof COMMANDS

export async function benchStartup(o: BenchOptions, log: (line: string) => void): Promise<StartupResult> {
  const env = {...process.env, NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
  const order = Object.keys(COMMANDS) as Which[]
  const walls: Record<Which, number[]> = {node: [], version: [], help: []}
  const rss: Record<Which, number[]> = {node: [], version: [], help: []}
  for (const which of order) await timed([process.execPath, ...COMMANDS[which]], {env, cwd: REPO}) // warm the page cache
  for (let i = 0; i < o.startupRuns; i++) {
    for (const which of i % 2 ? [...order].reverse() : order) {
      const r = await timed([process.execPath, ...COMMANDS[which]], {env, cwd: REPO})
      if (r.code !== 0) throw new Error(`start-up: ${which} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`)
      walls[which].push(r.wallMs)
    }
  }
  // Peak RSS apart, with GNU time around the command: its wrapper must not blur the timings.
  for (const which of order) rss[which].push((await timed([process.execPath, ...COMMANDS[which]], {env, cwd: REPO, rss: true})).peakRssMb ?? Number.NaN)
  const base = median(walls.node)
  const of = (which: Which) => ({...series(walls[which], 1), ratio: round(median(walls[which]) / base, 2), peakRssMb: round(rss[which][0]!, 1)})
  const result = {node: series(walls.node, 1), version: of('version'), help: of('help')}
  log(`  node -e 0 ${result.node.medianMs} ms, --version ${result.version.medianMs} ms (${result.version.ratio}x), check --help ${result.help.medianMs} ms (${result.help.ratio}x)`)
  return result
}
