import {describe, expect, it} from 'vitest'

import {runPhoenix} from '../helpers/phoenix-bin.js'

/** Every way to hold the command line wrong; none needs a config or the network. */
const MISTAKES: [string, string[], RegExp][] = [
  ['an unknown flag', ['check', '--all', '--bogus'], /Nonexistent flag: --bogus/],
  ['a bad --layer', ['check', '--all', '--layer', 'bogus'], /--layer=bogus to be one of: service, host, proxy, gateway, client/],
  ['--concurrency 0', ['check', '--all', '--concurrency', '0'], /--concurrency: Expected an integer greater than or equal to 1/],
  ['--concurrency that is not a number', ['diag', 'n8n', '--concurrency', 'abc'], /--concurrency: Expected an integer but received: abc/],
  ['a missing argument', ['diag'], /Missing 1 required arg/],
  ['an unknown command', ['chek', '--all'], /unknown command "chek"\. Did you mean "check"\?/],
  ['an unknown subcommand', ['gateway', 'routez'], /unknown command "gateway routez"\. Did you mean "gateway routes"\?/],
]

describe('usage errors through bin/run.js (D13, issue 9 item 11)', () => {
  it.each(MISTAKES)('%s under --json: exit 64 and only the usage error object on stdout', async (_what, args, message) => {
    const run = await runPhoenix([...args, '--json'])
    expect(run.code).toBe(64)
    const parsed = JSON.parse(run.stdout) as {error: {kind: string; message: string; exitCode: number}}
    expect(Object.keys(parsed)).toEqual(['error'])
    expect(Object.keys(parsed.error).sort()).toEqual(['exitCode', 'kind', 'message'])
    expect(parsed.error).toMatchObject({kind: 'usage', exitCode: 64})
    expect(parsed.error.message).toMatch(message)
    expect(run.stdout).not.toMatch(/"oclif"|"parse"|"input"/)
    expect(run.stderr).toBe('')
  })

  it.each(MISTAKES)('%s in a shell: exit 64 and one paragraph on stderr', async (_what, args, message) => {
    const run = await runPhoenix(args)
    expect(run.code).toBe(64)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^phoenix: /)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/\n\s+at |›/)
  })
})
