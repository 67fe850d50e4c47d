import {Command, Errors} from '@oclif/core'

import {maskDeep, maskHeld, redact} from '../io/redact.js'
import type {Report} from '../model/report.js'
import {EXIT, exitCodeFor} from '../model/status.js'
import {UsageError} from '../inventory/errors.js'
import {FORMATS} from '../output/formats.js'
import type {FormatName, RenderContext} from '../output/formats.js'
import {interruptedExitCode} from './interrupt.js'
import {formatInArgv} from './output-format.js'
import type {WaitPlan} from './wait-loop.js'

/** How a diagnosing command's report leaves: in which format, and to stdout or a textfile. */
export interface OutputChoice {
  format: FormatName
  /** node_exporter's textfile directory: the metrics go to DIR/phoenix.prom, not stdout. */
  textfile?: string
  context: RenderContext
}

/**
 * What every phoenix command shares: a user's mistake is one paragraph and exit 64, a bug is one
 * line and exit 70, and neither shows a stack trace (DEBUG=phoenix shows it).
 */
export abstract class PhoenixCommand extends Command {
  static override enableJsonFlag = true

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    // this.exit() carries its exit code already.
    if (error instanceof Errors.ExitError) throw error
    // oclif's parse errors (unknown flag, bad --layer, a missing argument) are the user's mistake too:
    // the same one paragraph and exit 64, and under --json only the error object, not oclif's internals.
    const usage = error instanceof UsageError || isParseError(error)
    if (error instanceof Errors.CLIError && !usage) return super.catch(error)
    const code = usage ? EXIT.usage : 70
    // Whatever threw, its message passes the run's key mask: an error may quote a body or a header.
    const message = maskHeld(usage ? tidy(error.message) : `internal error: ${redact(error.message)} (this is a bug; DEBUG=phoenix shows the stack)`)
    if (process.env.DEBUG?.includes('phoenix') && !usage) this.logToStderr(maskHeld(redact(error.stack ?? '')))
    // A format with its own error convention (Nagios: a status line and exit 3) reports it so.
    const format = formatInArgv(this.argv)
    const own = format && (await FORMATS[format]()).default.error?.(message)
    if (own) {
      this.logToStderr(`phoenix: ${message}`)
      await write(own.stdout)
      this.exit(own.exitCode)
    }
    if (this.jsonEnabled()) await this.print({error: {kind: usage ? 'usage' : 'internal', message, exitCode: code}}, () => '')
    else this.logToStderr(`phoenix: ${message}`)
    this.exit(code)
  }

  /** `--format json` is `--json`: the same JSON, and errors as a JSON object too. */
  public override jsonEnabled(): boolean {
    return super.jsonEnabled() || formatInArgv(this.argv) === 'json'
  }

  /**
   * Prints the report in the chosen format (or writes it to the textfile) and exits with the
   * format's code for it: the Nagios code of its status unless the format maps it otherwise.
   * The report is printed here, not returned, so that a non-zero exit does not lose it.
   * With a wait plan (`--wait`), an unsettled report is rerun first (see waitFor()).
   */
  protected async finish(report: Report, output: OutputChoice, wait?: WaitPlan): Promise<void> {
    const render = await this.renderer(output)
    const {last, shown} = wait ? await this.waitFor(report, wait, output, render) : {last: report, shown: false}
    if (!shown && output.textfile === undefined) await write(render(last))
    else if (!shown) await writeTextfile(output.textfile!, render(last))
    await this.exitFor(last, output)
  }

  /** The report as its format prints it. Every key the run holds is masked before any format sees the report, and in its text again. */
  protected async renderer(output: OutputChoice): Promise<(r: Report) => string> {
    const formatter = (await FORMATS[output.format]()).default
    return (r: Report) => maskHeld(formatter.render(maskDeep(r, maskHeld), output.context))
  }

  /** Ends with the report's exit code in its format; interrupted (Ctrl-C, SIGTERM): 130 or 143, whatever the partial report's status. */
  protected async exitFor(report: Report, output: OutputChoice): Promise<void> {
    const formatter = (await FORMATS[output.format]()).default
    const interrupted = interruptedExitCode()
    const code = formatter.exitCode?.(report, interrupted) ?? interrupted ?? exitCodeFor(report.status)
    if (code !== 0) this.exit(code)
  }

  /** Lines for the person at the terminal: on stdout in the human view, on stderr when stdout carries a machine format. */
  protected async tell(lines: string[], output: OutputChoice): Promise<void> {
    const text = maskHeld(lines.join('\n'))
    if (output.format === 'human' && output.textfile === undefined) await write(text)
    else this.logToStderr(text)
  }

  /**
   * `--wait`: reruns until nothing is critical or unknown, or the wait ends. On a terminal's human
   * view the first report is shown whole, then only what changed, then one line of how it ended
   * (`shown`: nothing more to print); every other format prints the last report only.
   */
  private async waitFor(first: Report, wait: WaitPlan, output: OutputChoice, render: (r: Report) => string): Promise<{last: Report; shown: boolean}> {
    const [{settled, waitUntilSettled}, {waitBanner, waitSummary}] = await Promise.all([import('./wait-loop.js'), import('../output/report-changes.js')])
    if (settled(first)) return {last: first, shown: false}
    const human = output.format === 'human' && output.textfile === undefined
    if (human) await write(`${render(first)}\n\n${waitBanner(wait.waitMs)}`)
    const {last, runs, elapsedMs} = await waitUntilSettled(first, wait, async (lines) => (human ? write(maskHeld(lines.join('\n'))) : undefined))
    if (human) await write(waitSummary(last, runs, elapsedMs, settled(last)))
    return {last, shown: human}
  }

  /**
   * Writes the JSON or the human view and waits until it is handed to the OS. oclif exits through
   * process.exit() for a non-zero code; a pipe that is still draining then loses everything past
   * its 64 KiB buffer (`phoenix check --all --json | jq` would read a cut report).
   */
  protected async print(value: unknown, human: () => string): Promise<void> {
    // The one place output leaves: every key the run holds is masked here, whatever built the text.
    const text = this.jsonEnabled() ? JSON.stringify(maskDeep(value, maskHeld), null, 2) : maskHeld(human())
    await write(text)
  }

  /** Whether to colour: a terminal, and NO_COLOR not set (https://no-color.org). */
  protected get colour(): boolean {
    if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
    if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true
    return Boolean(process.stdout.isTTY)
  }
}

/** Writes a line to stdout and waits until the OS has it (see print()). */
function write(text: string): Promise<void> {
  return new Promise<void>((resolve) => process.stdout.write(`${text}\n`, 'utf8', () => resolve()))
}

/** DIR/phoenix.prom, atomically; a directory phoenix cannot write is the user's to fix (exit 64, Nagios 3). */
async function writeTextfile(dir: string, text: string): Promise<void> {
  const {writeFileAtomic} = await import('../io/textfile.js')
  try {
    await writeFileAtomic(dir, 'phoenix.prom', `${text.replace(/\n$/, '')}\n`)
  } catch (error) {
    throw new UsageError(`--textfile: cannot write ${dir}/phoenix.prom: ${(error as Error).message}`)
  }
}

/** A flag or argument oclif could not parse: package.json maps every parse failure to exit 64. */
function isParseError(error: Error): boolean {
  return error instanceof Errors.CLIError && error.oclif?.exit === EXIT.usage
}

/** oclif's parse messages indent with tabs and end lines with spaces: one clean paragraph instead. */
function tidy(message: string): string {
  return message.replace(/[ \t]*\n\t/g, ': ').replace(/[ \t]+$/gm, '')
}
