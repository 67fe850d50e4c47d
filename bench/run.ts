/**
 * `npm run bench`: phoenix's figures against the operators' scripts, side by side, in one run
 * (scripts/bench.sh calls this with tsx). Start-up first (no lab), then the bench's own lab (a
 * second lab beside the test suite's: prefix phb-, state .lab-bench) for time to verdict, remote
 * calls and scale. The lab is always torn down, and the scale server ended, whatever happens.
 * Prints a table, writes bench/results.json and the figures of BENCHMARKS.md; raw runs go to
 * bench/raw/ (gitignored).
 */
import './lab-env.js'

import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {down, up} from '../test/lab/lab.js'
import {RAW} from './lab-runs.js'
import {benchCluster, CLUSTER_GUESTS} from './cluster.js'
import {parseOptions, SECTIONS} from './options.js'
import {rows, textTable, writeResults} from './report.js'
import type {Results} from './report.js'
import {benchScale, children, stop} from './scale.js'
import {benchStartup} from './startup.js'
import {benchVerdicts} from './verdict.js'

const log = (line: string) => console.log(line)

const REAL_LAB = process.env.PHOENIX_LAB_REAL !== '0'

async function main(argv: readonly string[]): Promise<number> {
  const o = parseOptions(argv)
  const startedAt = new Date()
  await mkdir(RAW, {recursive: true})
  const res: Results = {}
  if (o.sections.includes('startup')) {
    log('== start-up')
    res.startup = await benchStartup(o, log)
  }
  if (o.sections.includes('verdict') || o.sections.includes('scale')) {
    log(`== bringing the bench lab up (${process.env.PHOENIX_LAB_PREFIX}*, ${process.env.PHOENIX_LAB_STATE})`)
    try {
      // The real-CT lab: its pct enters real LXC containers with lxc-attach (measured), and the
      // pct delay adds the Perl start of a real host's pct on top (modelled). PHOENIX_LAB_REAL=0: shims.
      await up({real: REAL_LAB})
      if (o.sections.includes('verdict')) {
        log(`== time to verdict and remote calls (${o.runs} runs each; pct delay ${o.pctDelayMs} ms; timeout ${o.timeoutMs} ms)`)
        res.verdict = await benchVerdicts(o, log)
      }
      if (o.sections.includes('scale')) {
        log(`== scale (${o.scaleSizes.join(', ')} services)`)
        res.scale = await benchScale(o, log)
      }
    } finally {
      await teardown()
    }
  }
  if (o.sections.includes('cluster')) {
    log(`== a Proxmox cluster: ${CLUSTER_GUESTS} guests on 1 node, then on 3 (loopback fakes)`)
    res.cluster = await benchCluster(o, log)
  }
  const table = rows(res, o)
  log(`\n${textTable(table)}\n`)
  const full = o.sections.length === SECTIONS.length
  if (full) await writeResults(res, o, table, startedAt)
  else await writeFile(join(RAW, 'results-partial.json'), `${JSON.stringify({settings: o, table, ...res}, null, 2)}\n`)
  log(full ? 'wrote bench/results.json and the figures of BENCHMARKS.md' : `partial run (--only): wrote ${join('bench/raw', 'results-partial.json')}; results.json untouched`)
  return table.some((r) => r.met === false) ? 1 : 0
}

let tornDown: Promise<void> | undefined
/** Ends the scale server and takes the lab down, once, whoever asks first (finally or a signal). */
function teardown(): Promise<void> {
  tornDown ??= (async () => {
    for (const child of [...children]) stop(child)
    log('== tearing the bench lab down')
    await down()
  })()
  return tornDown
}

// A Ctrl-C or a kill still tears the lab down (scripts/bench.sh's trap is the second net).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void teardown().finally(() => process.exit(130))
  })
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  async (error: Error) => {
    console.error(`bench: ${error.message}`)
    process.exitCode = 2
  },
)
