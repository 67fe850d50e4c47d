import {spawn} from 'node:child_process'

import type {ExecOptions, ExecResult, Shell} from '../model/ports.js'

/** Output beyond this is dropped: a diagnosis needs the start of it, not megabytes. */
const MAX_OUTPUT = 1024 * 1024

/**
 * Runs commands on this machine (phoenix on the Proxmox host itself). argv goes to execve as is:
 * no local shell sees it, so nothing in it is interpreted here. Never rejects.
 */
export function createLocalShell(): Shell {
  return {
    description: 'local',
    exec: (argv, options) => runLocal(argv, options),
    close: async () => {},
  }
}

function runLocal(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const started = performance.now()
  const took = () => Math.round(performance.now() - started)
  return new Promise((resolve) => {
    const [file, ...args] = argv
    if (!file) return resolve({ok: false, reason: 'spawn', message: 'empty command', durationMs: 0})
    // A run that is already over starts nothing: a listener added to an aborted signal never fires.
    if (options.signal?.aborted) return resolve({ok: false, reason: 'timeout', message: `${file} was not started: the run's deadline had passed`, durationMs: 0})
    let settled = false
    const finish = (result: ExecResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    // detached: the command gets its own process group, so a timeout kills the whole batch (its
    // background probes too), not only the shell that started them.
    const child = spawn(file, args, {stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true, env: minimalEnv()})
    // A command that exits without reading all of stdin makes the write fail with EPIPE: harmless.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.stdin)
    const out = collector(options.maxOutput)
    const err = collector()
    child.stdout?.on('data', out.add)
    child.stderr?.on('data', err.add)
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
    const timer = setTimeout(() => {
      kill()
      finish({ok: false, reason: 'timeout', message: `${file} did not finish within ${options.timeoutMs} ms`, durationMs: took()})
    }, Math.max(0, Math.round(options.timeoutMs)))
    const onAbort = () => {
      kill()
      finish({ok: false, reason: 'timeout', message: `${file} was stopped at the run's deadline`, durationMs: took()})
    }
    options.signal?.addEventListener('abort', onAbort, {once: true})
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT'
      finish({ok: false, reason: 'spawn', message: missing ? `${file} is not installed here (not on PATH)` : `${file} could not start: ${error.message}`, durationMs: took()})
    })
    child.once('close', (code, signal) => {
      finish({ok: true, code: code ?? (signal ? 128 : 1), stdout: out.text(), stderr: err.text(), durationMs: took()})
    })
  })
}

/**
 * The environment of every command phoenix runs on the host: PATH, LANG and TERM, nothing else.
 * PVE 8's `pct exec` runs lxc-attach with --keep-env by default, so whatever pct is given reaches
 * the CT's shell: phoenix's own environment holds the API keys.
 */
export function minimalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const name of ['PATH', 'LANG', 'TERM'] as const) if (process.env[name] !== undefined) env[name] = process.env[name]
  return env
}

/** Collects a stream's bytes up to `max` (MAX_OUTPUT unless the caller sized it). */
function collector(max = MAX_OUTPUT) {
  const chunks: Buffer[] = []
  let size = 0
  return {
    add: (chunk: Buffer) => {
      if (size >= max) return
      chunks.push(chunk)
      size += chunk.length
    },
    text: () => Buffer.concat(chunks).toString('utf8').slice(0, max),
  }
}
