import {Flags} from '@oclif/core'

import {UsageError} from '../inventory/errors.js'
import {FORMAT_NAMES} from '../output/formats.js'
import type {FormatName} from '../output/formats.js'

/** The output flags of the diagnosing commands (`check`, `diag`). */
export const formatFlags = {
  format: Flags.string({description: `Output format: ${FORMAT_NAMES.join(', ')} (--json is --format json).`, options: FORMAT_NAMES, helpValue: 'NAME'}),
  textfile: Flags.string({description: 'Write the Prometheus metrics to DIR/phoenix.prom atomically (node_exporter\'s textfile collector) instead of stdout; implies --format prometheus.', helpValue: 'DIR'}),
}

/** The one format the flags ask for; throws UsageError when they contradict each other. */
export function chooseFormat(flags: {format?: string; textfile?: string}, json: boolean): FormatName {
  const asked = flags.format as FormatName | undefined
  if (json && asked && asked !== 'json') throw new UsageError(`--json and --format ${asked} ask for two formats; --json is --format json`)
  if (flags.textfile !== undefined && (json || (asked && asked !== 'prometheus'))) throw new UsageError(`--textfile writes Prometheus metrics; it does not go with ${json ? '--json' : `--format ${asked}`}`)
  if (flags.textfile === '') throw new UsageError('--textfile needs a directory (node_exporter\'s --collector.textfile.directory)')
  return json ? 'json' : (asked ?? (flags.textfile === undefined ? 'human' : 'prometheus'))
}

/**
 * The format named on the command line, read from the raw arguments: when parsing itself failed
 * (a usage error), the error must still be reported the way that format's reader expects.
 */
export function formatInArgv(argv: readonly string[]): FormatName | undefined {
  const end = argv.indexOf('--')
  const args = end === -1 ? argv : argv.slice(0, end)
  let name: string | undefined
  args.forEach((arg, i) => {
    if (arg === '--format') name = args[i + 1]
    else if (arg.startsWith('--format=')) name = arg.slice('--format='.length)
    else if (arg === '--json') name = 'json'
  })
  return FORMAT_NAMES.find((f) => f === name)
}
