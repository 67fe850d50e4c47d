import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {openSync} from 'node:fs'
import {connect, createServer} from 'node:net'
import type {AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'

/** The repository root, for spawning the emulator and phoenix itself. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** A free TCP port on loopback (bound, read, released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const {port} = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Polls until something accepts TCP on host:port, or fails after `ms` naming what did not come up.
 * 60 s is a hang guard, not a timing: a loaded 2-core machine starting a fleet of tsx emulators at
 * once took over 20 s (CI rehearsal).
 */
export async function waitForPort(host: string, port: number, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({host, port}, () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${ms} ms`)
}

/** Starts the lab's emulator as its own process (a real PID, so stopping it is real), output to a log. */
export function spawnEmulator(args: readonly string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'a')
  return spawn(process.execPath, ['--import', 'tsx', 'test/lab/emulator/main.ts', ...args], {cwd: REPO, stdio: ['ignore', log, log]})
}

/** Sends SIGTERM and waits for the exit (SIGKILL after a few seconds). */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
