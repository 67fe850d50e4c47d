import type {Hook} from '@oclif/core'

import {EXIT} from '../model/status.js'
import {didYouMean} from '../inventory/suggest.js'

/**
 * An unknown command is a usage error like any other: one line and exit 64, and under --json only
 * the error object on stdout (oclif's default is a plain-text error whatever the flags).
 */
const commandNotFound: Hook<'command_not_found'> = async function (options) {
  const spaced = (id: string) => id.replaceAll(':', ' ')
  const known = options.config.commandIDs.filter((id) => !options.config.findCommand(id)?.hidden).map(spaced)
  const message = `unknown command "${spaced(options.id)}".${didYouMean(spaced(options.id), known)} Commands: ${known.join(', ')}.`
  if (options.argv?.includes('--json')) {
    await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({error: {kind: 'usage', message, exitCode: EXIT.usage}}, null, 2)}\n`, () => resolve()))
  } else process.stderr.write(`phoenix: ${message}\n`)
  this.exit(EXIT.usage)
}

export default commandNotFound
