/**
 * The issue's targets, judged against the figures of this run; the table printed on the terminal;
 * bench/results.json; and the figures section of BENCHMARKS.md (between its markers), so the
 * document always shows the latest run.
 */
import {cpus, loadavg, release} from 'node:os'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {GATEWAY_CTID, REPO} from '../test/lab/topology.js'
import type {BenchOptions} from './options.js'
import type {ClusterResult} from './cluster.js'
import type {ScaleResult} from './scale.js'
import type {StartupResult} from './startup.js'
import type {Contender, VerdictResult} from './verdict.js'

export interface Results {
  startup?: StartupResult
  verdict?: VerdictResult[]
  scale?: ScaleResult[]
  cluster?: ClusterResult
}

/** One row of the table: a figure, what it is compared with, the target, and whether it is met. */
export interface Row {
  figure: string
  phoenix: string
  baseline: string
  ratio: string
  target: string
  /** undefined: a figure without a target (context for the others). */
  met?: boolean
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
/** A contender that answered wrong in some run is named in its row: a fast wrong answer is no win. */
const wrongNote = (cs: Record<string, Contender>) => {
  const who = Object.entries(cs).filter(([, c]) => c.wrong.length).map(([name]) => name)
  return who.length ? ` (WRONG ANSWER from ${who.join(' and ')} in some runs: see results.json)` : ''
}

function verdictRows(v: readonly VerdictResult[], o: BenchOptions): Row[] {
  const rows: Row[] = []
  for (const r of v) {
    const chosen = r.pctDelayMs === o.pctDelayMs
    const name = `time to verdict, ${r.scenario === 'hang' ? 'n8n hanging' : 'healthy'}, pct ${r.pctDelayMs} ms`
    const bound = r.timeoutMs + 500
    const target = !chosen ? '' : r.scenario === 'healthy' ? 'ratio ≥ 5x' : `≤ timeout + 0.5 s = ${s(bound)}`
    const met = !chosen ? undefined : (r.scenario === 'healthy' ? r.ratio >= 5 : r.phoenix.medianMs <= bound) && !r.phoenix.wrong.length && !r.baseline.wrong.length
    rows.push({figure: name + wrongNote({phoenix: r.phoenix, baseline: r.baseline}), phoenix: s(r.phoenix.medianMs), baseline: s(r.baseline.medianMs), ratio: `${r.ratio}x`, target, ...(met === undefined ? {} : {met})})
    rows.push({figure: `  same, phoenix over SSH from the admin machine${wrongNote({'phoenix over SSH': r.phoenixSsh})}`, phoenix: s(r.phoenixSsh.medianMs), baseline: '', ratio: `${(r.baseline.medianMs / r.phoenixSsh.medianMs).toFixed(1)}x`, target: ''})
    if (r.scenario === 'hang') {
      // Where the time went: what phoenix controls (start-up, overhead), and what no tool avoids (one pct start, one timeout).
      const floor = r.pctDelayMs + r.timeoutMs
      rows.push({
        figure: `  where: start-up (spawn to engine start) ${s(r.phoenix.startup.medianMs)}; diagnosis ${s(r.phoenix.engine.medianMs)}, of which one pct start + the timeout ${s(floor)}`,
        phoenix: '', baseline: '', ratio: '',
        target: chosen && r.pctDelayMs > 0 ? `(for reference: pct + timeout + 0.5 s = ${s(floor + 500)})` : '',
      })
    }
  }
  return rows
}

/** Calls per run: phoenix's most pct execs in one CT against what the target allows there. */
function economyRows(v: readonly VerdictResult[]): Row[] {
  const r = v.find((x) => x.scenario === 'healthy') ?? v[0]
  if (!r) return []
  const allowed = (ct: string) => (Number(ct) === GATEWAY_CTID ? 2 : 1) // the gateway CT hosts two layers: gateway, and its own service layer
  const all = v.flatMap((x) => [x.phoenix.calls, x.phoenixSsh.calls])
  const worst = Math.max(...all.flatMap((c) => Object.entries(c.pctExecByCt).map(([ct, n]) => n / allowed(ct))))
  const perCt = Object.entries(r.phoenix.calls.pctExecByCt).map(([ct, n]) => `${ct}:${n}`).join(' ')
  const ssh = Math.max(...v.map((x) => x.phoenixSsh.calls.sshConnections))
  return [
    {figure: 'checks per run (phoenix: incl. the pct gates and the per-route nginx -T reads)', phoenix: String(r.checks.phoenix), baseline: String(r.checks.baseline), ratio: '', target: ''},
    {figure: 'pct exec calls per run (healthy)', phoenix: String(r.phoenix.calls.pctExec), baseline: String(r.baseline.calls.pctExec), ratio: `${(r.baseline.calls.pctExec / r.phoenix.calls.pctExec).toFixed(1)}x`, target: ''},
    {figure: `  pct exec per CT, every scenario and mode (${perCt})`, phoenix: `max ${Math.max(...all.flatMap((c) => Object.values(c.pctExecByCt)))}`, baseline: '', ratio: '', target: '1 per CT per layer', met: worst <= 1},
    {figure: 'SSH connections per run (phoenix over SSH)', phoenix: String(ssh), baseline: `${r.baseline.calls.pctExec}+ (one per remote command)*`, ratio: '', target: '1 per host', met: ssh === 1},
  ]
}

function scaleRows(sc: readonly ScaleResult[]): Row[] {
  return sc.flatMap((r) => {
    // Issue 6: 200 services within timeout + 1 s, under 150 MB; issue 10: 1000 within timeout + 1.5 s, under 200 MB.
    const big = r.services >= 1000
    const bound = r.timeoutMs + (big ? 1500 : 1000)
    const rssBound = big ? 200 : 150
    const judged = r.services >= 200
    const wrong = r.wrong.length ? ` (WRONG ANSWER in ${r.wrong.length} runs)` : ''
    const rows: Row[] = [
      {figure: `scale: ${r.services} kind-http services, ${r.hanging} hanging, wall time${wrong}`, phoenix: s(r.wall.medianMs), baseline: '', ratio: '', target: judged ? `≤ timeout + ${big ? '1.5' : '1'} s = ${s(bound)}` : '', ...(judged ? {met: r.wall.medianMs <= bound && !r.wrong.length} : {})},
      {figure: `scale: ${r.services} services, runs with a wrong verdict (healthy failed, hanging passed)`, phoenix: String(r.wrong.length), baseline: '', ratio: '', target: '0', met: r.wrong.length === 0},
      {figure: `  services unknown or slow (not wrong; max of runs)`, phoenix: String(Math.max(...r.unseen)), baseline: '', ratio: '', target: ''},
      {figure: `scale: ${r.services} services, peak RSS (max of runs)`, phoenix: `${r.peakRssMb.max.toFixed(0)} MB`, baseline: '', ratio: '', target: `< ${rssBound} MB`, met: r.peakRssMb.max < rssBound},
    ]
    if (r.deadline) {
      const d = r.deadline
      const end = Math.max(...d.wall.runsMs)
      rows.push({
        figure: `scale: ${r.services} services, --deadline ${s(d.deadlineMs)}: spawn to exit (max of runs)${d.wrong.length ? ` (WRONG ANSWER in ${d.wrong.length} runs)` : ''}`,
        phoenix: s(end), baseline: '', ratio: '', target: `≤ deadline + 1 s = ${s(d.deadlineMs + 1000)}`, met: end <= d.deadlineMs + 1000 && !d.wrong.length,
      })
    }
    return rows
  })
}

/** Issue 15: one connection per node with work, and the time to verdict of three nodes against one. */
function clusterRows(c: ClusterResult): Row[] {
  const three = c.threeNodes
  const one = c.oneNode
  const wrong = [...one.wrong, ...three.wrong].length ? ` (WRONG ANSWER in ${one.wrong.length + three.wrong.length} runs)` : ''
  const most = Math.max(...three.connections)
  return [
    {figure: `cluster: ${three.guests} guests on ${three.nodes} nodes, connections per run (execs per node: ${Object.entries(three.execsPerNode).map(([n, k]) => `${n} ${k}`).join(', ')})`, phoenix: String(most), baseline: '', ratio: '', target: `1 per node with work = ${three.nodes}`, met: most === three.nodes && Math.min(...three.connections) === three.nodes},
    {figure: `cluster: time to verdict, ${three.nodes} nodes vs the same ${one.guests} guests on 1 node (service and host layers)${wrong}`, phoenix: s(three.time.medianMs), baseline: s(one.time.medianMs), ratio: `${(one.time.medianMs / three.time.medianMs).toFixed(1)}x`, target: '≤ 1 node\'s', met: three.time.medianMs <= one.time.medianMs * 1.1 && !wrong},
  ]
}

function startupRows(st: StartupResult): Row[] {
  const ms = (v: number) => `${v.toFixed(0)} ms`
  return [
    {figure: 'start-up: phoenix --version vs node -e 0', phoenix: ms(st.version.medianMs), baseline: ms(st.node.medianMs), ratio: `${st.version.ratio}x`, target: '≤ 2.5x', met: st.version.ratio <= 2.5},
    {figure: 'start-up: phoenix check --help vs node -e 0', phoenix: ms(st.help.medianMs), baseline: ms(st.node.medianMs), ratio: `${st.help.ratio}x`, target: '≤ 2.5x', met: st.help.ratio <= 2.5},
  ]
}

export function rows(res: Results, o: BenchOptions): Row[] {
  return [...verdictRows(res.verdict ?? [], o), ...economyRows(res.verdict ?? []), ...scaleRows(res.scale ?? []), ...(res.cluster ? clusterRows(res.cluster) : []), ...(res.startup ? startupRows(res.startup) : [])]
}

const metText = (m: boolean | undefined) => (m === undefined ? '' : m ? 'met' : 'MISSED')
const HEAD: Row = {figure: 'figure', phoenix: 'phoenix', baseline: 'baseline', ratio: 'ratio', target: 'target'}

/** The table for the terminal. */
export function textTable(all: readonly Row[]): string {
  const cells = [HEAD, ...all].map((r) => [r.figure, r.phoenix, r.baseline, r.ratio, r.target, r === HEAD ? 'met' : metText(r.met)])
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)))
  return cells.map((c) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

function markdownTable(all: readonly Row[]): string {
  const esc = (v: string) => v.replaceAll('|', '\\|')
  const lines = ['| figure | phoenix | baseline | ratio | target | met |', '|---|---|---|---|---|---|']
  for (const r of all) lines.push(`| ${[r.figure, r.phoenix, r.baseline, r.ratio, r.target, metText(r.met)].map(esc).join(' | ')} |`)
  return lines.join('\n')
}

function settingsLine(o: BenchOptions): string {
  const pct = process.env.PHOENIX_LAB_REAL === '0' ? 'the shims\' pct (nsenter)' : 'pct: real lxc-attach into LXC CTs booting systemd'
  return `runs per figure ${o.runs} (start-up ${o.startupRuns}), ${pct}, plus a modelled Perl start (pct delay) of ${o.pctDelayMs} ms, per-probe timeout ${o.timeoutMs} ms; ` +
    `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), Linux ${release()}, Node ${process.version}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`
}

/** Writes bench/results.json and the figures section of BENCHMARKS.md. */
export async function writeResults(res: Results, o: BenchOptions, all: readonly Row[], startedAt: Date): Promise<void> {
  const json = {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: {runs: o.runs, startupRuns: o.startupRuns, pctDelayMs: o.pctDelayMs, timeoutMs: o.timeoutMs, scaleSizes: o.scaleSizes, sections: o.sections},
    machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), kernel: release(), node: process.version, loadavgAtEnd: loadavg().map((l) => Number(l.toFixed(2)))},
    table: all,
    ...res,
  }
  await writeFile(join(REPO, 'bench/results.json'), `${JSON.stringify(json, null, 2)}\n`)
  const doc = join(REPO, 'BENCHMARKS.md')
  const text = await readFile(doc, 'utf8').catch(() => '')
  const start = '<!-- figures:start -->'
  const end = '<!-- figures:end -->'
  if (!text.includes(start) || !text.includes(end)) return
  const figures = `${start}\n_Run of ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${settingsLine(o)}._\n\n${markdownTable(all)}\n\n` +
    '\\* the baseline run here is on the host itself; an operator\'s script from a workstation opens one SSH connection per remote command (not measured).\n' +
    `${end}`
  await writeFile(doc, text.slice(0, text.indexOf(start)) + figures + text.slice(text.indexOf(end) + end.length))
}
