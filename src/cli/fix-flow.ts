import {createInterface} from 'node:readline'

import type {Hint, Report} from '../model/report.js'
import type {ExecResult} from '../model/ports.js'
import {UsageError} from '../inventory/errors.js'

/** A hint `diag --fix` may run: marked safe by the verdict, and with a command to run. */
export type Fix = Hint & {fix: NonNullable<Hint['fix']>; command: string}

/** Before anything runs: --fix asks on a terminal, or needs --yes (a cron job cannot answer). */
export function checkFixCanAsk(fix: boolean, yes: boolean, stdinIsTerminal: boolean): void {
  if (yes && !fix) throw new UsageError('--yes confirms a fix: use it with --fix')
  if (fix && !yes && !stdinIsTerminal) throw new UsageError('diag --fix asks before it changes anything, and stdin is not a terminal: add --yes to run the fix without asking')
}

/** The first safe fix among the diagnosed service's hints; none when healthy or no hint is one. */
export function fixFor(report: Report, service: string): Fix | undefined {
  const s = report.services.find((x) => x.name === service)
  return s?.verdict.hints.find((h): h is Fix => h.fix !== undefined && h.command !== undefined)
}

/** What --fix says when it has nothing it may run. */
export function noFixLines(report: Report, service: string): string[] {
  const s = report.services.find((x) => x.name === service)
  if (!s || s.status === 'pass' || s.verdict.cause === 'healthy') return [`--fix: ${service} is healthy; nothing to fix.`]
  return [`--fix: no safe fix for ${s.verdict.cause} (phoenix only starts or restarts things); the hints above are for a person. Nothing was changed.`]
}

export function fixLines(fix: Fix): string[] {
  return [`Fix: ${fix.text}`, `  $ ${fix.command}`]
}

export function resultLines(result: ExecResult): string[] {
  if (!result.ok) return [`✖ the fix did not run: ${result.message}`]
  const seconds = (result.durationMs / 1000).toFixed(1)
  if (result.code === 0) return [`✔ ran in ${seconds} s (exit 0); diagnosing again`]
  const said = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-5).map((l) => `  ${l}`)
  return [`✖ the fix exited ${result.code} after ${seconds} s; diagnosing again`, ...said]
}

/** y/yes runs it; anything else, an empty line, Ctrl-C or Ctrl-D does not. */
export function confirm(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({input, output, terminal: false})
    let answered = false
    const done = (yes: boolean) => {
      if (answered) return
      answered = true
      rl.close()
      resolve(yes)
    }
    output.write(question)
    rl.once('line', (line) => done(/^\s*y(es)?\s*$/i.test(line)))
    rl.once('SIGINT', () => done(false))
    rl.once('close', () => done(false))
  })
}
