import {spawn} from 'node:child_process'

/** What a finished command left: exit code and its output. */
export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  cwd?: string
}

/**
 * Runs argv (no shell) and resolves with its exit code and output; never rejects for a non-zero
 * exit, so cleanup code can try things that may already be gone.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv
  if (!file) return Promise.resolve({code: 127, stdout: '', stderr: 'empty command'})
  return new Promise((resolve) => {
    const child = spawn(file, args, {env: options.env ?? process.env, cwd: options.cwd, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.once('error', (e) => {
      clearTimeout(timer)
      resolve({code: 127, stdout, stderr: `${stderr}${e.message}`})
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})
    })
    if (child.stdin) {
      child.stdin.on('error', () => {}) // a command that exits without reading its input
      child.stdin.end(options.input)
    }
  })
}

/** Runs argv and throws, with its output, when it exits non-zero: for steps that must work. */
export async function must(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const r = await run(argv, options)
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`)
  return r.stdout
}

/**
 * Starts a daemon through `setsid -f` with no stdio of ours: a child that kept our pipes open
 * would keep `run` waiting for their end as long as the daemon lives.
 */
export function startDetached(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('setsid', ['-f', ...argv], {stdio: 'ignore'})
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(0) : reject(new Error(`setsid -f ${argv.join(' ')} exited ${code}`))))
  })
}

/** argv that runs inside a network namespace. */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv]
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `test` until it is true, or throws naming what did not happen within `ms`. */
export async function waitUntil(what: string, test: () => Promise<boolean>, ms = 20_000, everyMs = 100): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await test()) return
    await sleep(everyMs)
  }
  throw new Error(`lab: ${what} did not happen within ${ms} ms`)
}

/** Whether a process id is alive (signal 0). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
