/**
 * How the bench measures a command: wall time from spawn to exit as the caller sees it, and
 * optionally the peak RSS of the process. Every figure is a median of several runs.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** One finished command. */
export interface Timed {
  code: number
  stdout: string
  stderr: string
  wallMs: number
  /** Peak resident set size of the measured process, when asked for. */
  peakRssMb?: number
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
  /** Measure the peak RSS: GNU time's %M (exact), else VmHWM sampled from /proc. */
  rss?: boolean
}

const GNU_TIME = '/usr/bin/time'

/**
 * Runs argv (no shell) and times it. With `rss`, GNU time wraps the command; its own start-up
 * (~1 ms, a small C program) is inside the wall time, so compare figures measured the same way.
 */
export async function timed(argv: readonly string[], options: TimedOptions = {}): Promise<Timed> {
  if (options.rss && existsSync(GNU_TIME)) {
    const dir = await mkdtemp(join(tmpdir(), 'phoenix-bench-'))
    const out = join(dir, 'rss')
    try {
      const r = await spawnTimed([GNU_TIME, '-f', '%M', '-o', out, ...argv], options)
      const kb = Number((await readFile(out, 'utf8')).trim().split('\n').pop())
      return {...r, peakRssMb: kb / 1024}
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }
  return spawnTimed(argv, options, options.rss)
}

function spawnTimed(argv: readonly string[], options: TimedOptions, sampleRss = false): Promise<Timed> {
  const [file, ...args] = argv
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(file!, args, {env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let hwmKb = 0
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    // Without GNU time: VmHWM is the kernel's own high-water mark, so sampling it often is enough.
    const sampler = sampleRss ? setInterval(() => void readHwm(child.pid).then((kb) => (hwmKb = Math.max(hwmKb, kb))), 10) : undefined
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000)
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started
      clearTimeout(timer)
      clearInterval(sampler)
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr, wallMs, ...(sampleRss ? {peakRssMb: hwmKb / 1024} : {})})
    })
  })
}

async function readHwm(pid: number | undefined): Promise<number> {
  if (!pid) return 0
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
}

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Rounded to `digits` decimals, for results.json (raw runs stay in bench/raw). */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** A series of runs of one thing: its median and every run, in milliseconds. */
export interface Series {
  medianMs: number
  runsMs: number[]
}

export function series(values: readonly number[], digits = 0): Series {
  return {medianMs: round(median(values), digits), runsMs: values.map((v) => round(v, digits))}
}
