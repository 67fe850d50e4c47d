import type {Report} from '../model/report.js'
import {reportChanges} from '../output/report-changes.js'
import {parseDuration} from './duration.js'
import {interruptedExitCode, watchInterrupts} from './interrupt.js'

/** How `--wait DURATION` (and `diag --watch`) reruns: until settled or the duration ends. */
export interface WaitPlan {
  waitMs: number
  rerun(): Promise<Report>
}

/** The pause between runs: long enough not to hammer a service that is starting. */
const PAUSE_MS = 2000

/** Nothing critical or unknown: a warning (slow, a hardening finding) does not keep the wait going. */
export function settled(report: Report): boolean {
  return report.status === 'pass' || report.status === 'skip' || report.status === 'warn'
}

/**
 * Reruns until the report settles, the wait ends (no run starts that could not finish its pause
 * in it), or Ctrl-C/SIGTERM (which also ends the pause); each rerun's changes go to `show`.
 */
export async function waitUntilSettled(first: Report, plan: WaitPlan, show: (lines: string[]) => Promise<void>): Promise<{last: Report; runs: number; elapsedMs: number}> {
  const t0 = performance.now()
  let last = first
  let runs = 1
  while (!settled(last) && interruptedExitCode() === undefined && performance.now() - t0 + PAUSE_MS < plan.waitMs) {
    if (!(await pause(PAUSE_MS))) break
    const next = await plan.rerun()
    runs++
    const changes = reportChanges(last, next)
    if (changes.length) await show(changes)
    last = next
  }
  return {last, runs, elapsedMs: Math.round(performance.now() - t0)}
}

/** Waits, or stops early on a signal (then false, and the exit code says which). */
async function pause(ms: number): Promise<boolean> {
  const interrupts = watchInterrupts()
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      interrupts.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), {once: true})
    })
    return !interrupts.signal.aborted
  } finally {
    interrupts.dispose()
  }
}

/** The wait `--wait DURATION` (or `diag --watch`: 15 minutes) asks for; undefined without one. */
export function waitPlan(wait: string | undefined, watch: boolean, rerun: () => Promise<Report>): WaitPlan | undefined {
  if (wait === undefined && !watch) return undefined
  return {waitMs: wait === undefined ? WATCH_MS : parseDuration(wait, 'wait'), rerun}
}

const WATCH_MS = 15 * 60_000
