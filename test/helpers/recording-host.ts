import {createLocalShell} from '../../src/io/local-shell.js'
import type {ExecOptions, ExecResult, Shell} from '../../src/model/ports.js'

export type Call = {argv: readonly string[]; stdin?: string}

/**
 * A Proxmox host for a guest transport's tests: every call's argv (and stdin) is kept, to show what
 * the transport sends; `answer` plays pct or qm, with a real local shell (`local`) to run what a
 * guest would run. An argv it does not expect is a spawn failure.
 */
export function recordingHost(answer: (argv: readonly string[], options: ExecOptions, local: Shell) => Promise<ExecResult | undefined>): Shell & {calls: Call[]} {
  const local = createLocalShell()
  const calls: Call[] = []
  return {
    description: 'test host',
    calls,
    close: () => local.close(),
    exec: async (argv, options: ExecOptions) => {
      calls.push({argv, ...(options.stdin === undefined ? {} : {stdin: options.stdin})})
      return (await answer(argv, options, local)) ?? {ok: false, reason: 'spawn', message: `unexpected ${argv.join(' ')}`, durationMs: 0}
    },
  }
}

/** A command's answer as the host's shell gives it. */
export const answered = (stdout: string, code = 0, stderr = ''): ExecResult => ({ok: true, code, stdout, stderr, durationMs: 1})
