import {spawn} from 'node:child_process'

import {REPO} from './processes.js'

/** What one run of the built CLI printed and how it ended. */
export interface BinRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs `node bin/run.js ARGS` as a user would from a shell (the built dist), with stdin closed,
 * and kills it after `hangGuardMs` so a hang fails the test instead of stalling the suite.
 */
export function runPhoenix(args: readonly string[], options: {env?: NodeJS.ProcessEnv; hangGuardMs?: number} = {}): Promise<BinRun> {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], {cwd: REPO, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.hangGuardMs ?? 30_000)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, ms: Math.round(performance.now() - started)})
    })
  })
}
