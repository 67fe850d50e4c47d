import {constants} from 'node:os'

import type {Client, ClientChannel} from 'ssh2'

import {remoteCommand} from './remote-command.js'
import {connect, describeTarget} from './ssh-connect.js'
import type {Connection, SshTarget} from './ssh-connect.js'
import type {ExecFailure, ExecOptions, ExecResult, Shell} from '../model/ports.js'

/**
 * sshd allows 10 sessions per connection (MaxSessions), but frees a slot a little after the client
 * sees the channel close: at 9-10 back-to-back channels some opens fail. 8 never did in the lab.
 */
const MAX_CHANNELS = 8
/** Channel-open failures retried, with backoff, for the same late-freed slots. */
const OPEN_RETRIES = 4
const OPEN_BACKOFF_MS = 40
/** How long a timed-out channel may hold its slot while sshd closes it. */
const CLOSE_GRACE_MS = 2000
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Output beyond this is dropped: a diagnosis needs the start of it, not megabytes. */
const MAX_OUTPUT = 1024 * 1024

/** How the SSH shell connects. */
export interface SshShellOptions {
  /** Record an unknown host key in known_hosts instead of refusing it. A changed key is always refused. */
  acceptNewHostKey: boolean
  connectTimeoutMs?: number
}

/**
 * Runs commands on the Proxmox host over one SSH connection, opened on the first exec and reused by
 * every exec of the run, with at most MAX_CHANNELS channels at a time. argv is quoted word by word
 * for the remote shell, so a config value can never run a command. Never rejects.
 */
export function createSshShell(target: SshTarget, options: SshShellOptions): Shell {
  const description = describeTarget(target)
  const slots = semaphore(MAX_CHANNELS)
  let connection: Promise<Connection> | undefined
  let closed = false

  // A failed connect is remembered: every exec of the run gets the same answer, with no reconnect storm.
  const connected = () =>
    (connection ??= connect(target, {acceptNewHostKey: options.acceptNewHostKey, connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS}).then((result) => {
      if (result.ok) result.client.once('close', () => (connection = Promise.resolve(lost(description, closed))))
      return result
    }))

  return {
    description,
    parallel: MAX_CHANNELS,
    exec: async (argv, execOptions) => {
      const started = performance.now()
      const took = () => Math.round(performance.now() - started)
      const failed = (reason: ExecFailure, message: string): ExecResult => ({ok: false, reason, message, durationMs: took()})
      if (argv.length === 0) return failed('channel', `${description}: empty command`)
      if (closed) return failed('channel', `${description}: the connection was already closed by phoenix`)
      const stopped = () => failed('timeout', `${description}: ${argv[0]} was stopped at the run's deadline`)
      const ready = await untilAborted(connected(), execOptions.signal)
      if (!ready) return stopped()
      if (!ready.ok) return failed(ready.reason, ready.message)
      const release = await slots.acquire(execOptions.signal)
      if (!release) return stopped()
      const result = await runCommand(ready.client, argv, execOptions, release, description)
      return {...result, durationMs: took()}
    },
    close: async () => {
      if (closed) return
      closed = true
      const result = await connection
      if (result?.ok) result.client.end()
    },
  }
}

function lost(description: string, closedByUs: boolean): Connection {
  if (closedByUs) return {ok: false, reason: 'channel', message: `${description}: the connection was already closed by phoenix`}
  return {ok: false, reason: 'unreachable', message: `${description}: the connection was lost during the run; check the host and its sshd log`}
}

/** Opens a channel (retrying late-freed slots), runs the command, and bounds it by the timeout and signal. */
async function runCommand(client: Client, argv: readonly string[], options: ExecOptions, release: () => void, description: string): Promise<ExecResult> {
  const started = performance.now()
  const took = () => Math.round(performance.now() - started)
  const name = argv[0]
  const deadline = Date.now() + options.timeoutMs
  // Wrapped so that the command dies with its channel, with a minimal environment (remote-command.ts).
  // Never channel.end(): the wrapper's watchdog ends the command when stdin reaches EOF.
  const command = remoteCommand(argv, options.stdin, options.timeoutMs)
  const opened = await openChannel(client, command, options.signal, deadline)
  if (!(opened instanceof Error)) {
    if (options.stdin !== undefined) opened.write(options.stdin)
    return watch(opened, name, options, release, description)
  }
  release()
  if (opened.name === 'AbortError' || Date.now() >= deadline) {
    return {ok: false, reason: 'timeout', message: `${description}: ${name} could not start within ${options.timeoutMs} ms`, durationMs: took()}
  }
  const hint = /Channel open failure/i.test(opened.message) ? '; sshd is at its MaxSessions limit (another client on this connection?)' : ''
  return {ok: false, reason: 'channel', message: `${description}: could not run ${name} (${opened.message})${hint}`, durationMs: took()}
}

async function openChannel(client: Client, command: string, signal: AbortSignal | undefined, deadline: number): Promise<ClientChannel | Error> {
  for (let attempt = 0; ; attempt++) {
    const result = await new Promise<ClientChannel | Error>((resolve) => {
      try {
        client.exec(command, (error, channel) => resolve(error ?? channel))
      } catch (error) {
        resolve(error as Error)
      }
    })
    const retriable = result instanceof Error && /Channel open failure/i.test(result.message)
    if (!retriable || attempt >= OPEN_RETRIES) return result
    await new Promise((resolve) => setTimeout(resolve, OPEN_BACKOFF_MS * 2 ** attempt))
    if (signal?.aborted || Date.now() >= deadline) return Object.assign(new Error('aborted'), {name: 'AbortError'})
  }
}

/** Collects a running channel's output and exit status; closes it at the timeout or on abort. */
function watch(channel: ClientChannel, name: string | undefined, options: ExecOptions, release: () => void, description: string): Promise<ExecResult> {
  const started = performance.now()
  const took = () => Math.round(performance.now() - started)
  const out = collector(options.maxOutput)
  const err = collector()
  channel.on('data', out.add)
  channel.stderr.on('data', err.add)
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: ExecResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    const stop = (message: string) => {
      // Closing the channel ends the command: its stdin reaches EOF and the wrapper's watchdog
      // KILLs its process group (remote-command.ts). No signal request: an sshd that honours it
      // kills the session's own group, the watchdog with it, and not the command's.
      channel.close()
      // release is once-only: the close event and this timer may both call it.
      setTimeout(release, CLOSE_GRACE_MS).unref()
      finish({ok: false, reason: 'timeout', message, durationMs: took()})
    }
    const timer = setTimeout(() => stop(`${description}: ${name} did not finish within ${options.timeoutMs} ms; its channel was closed`), options.timeoutMs)
    const onAbort = () => stop(`${description}: ${name} was stopped at the run's deadline`)
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, {once: true})
    // The exit status comes from close's arguments, not the 'exit' event: a fast command's status
    // can arrive in the same packet batch as the channel confirmation, before this listener exists,
    // and ssh2 keeps it for close (which waits for the output to be read) but not for 'exit'.
    channel.once('close', (code?: number | null, signal?: string) => {
      release()
      const exit = typeof code === 'number' ? code : signal ? 128 + signalNumber(signal) : undefined
      if (exit !== undefined) return finish({ok: true, code: exit, stdout: out.text(), stderr: err.text(), durationMs: took()})
      finish({ok: false, reason: 'channel', message: `${description}: the channel for ${name} closed without an exit status (connection lost?)`, durationMs: took()})
    })
  })
}

/** `SIGTERM` -> 15, so a killed command reads as 143, as a local shell reports it. */
function signalNumber(signal: string): number {
  return constants.signals[signal as keyof typeof constants.signals] ?? 0
}

/** Collects a stream's bytes up to `max` (MAX_OUTPUT unless the caller sized it), still draining the rest so the channel never stalls. */
function collector(max = MAX_OUTPUT) {
  const chunks: Buffer[] = []
  let size = 0
  return {
    add: (chunk: Buffer) => {
      if (size >= max) return
      chunks.push(chunk)
      size += chunk.length
    },
    text: () => Buffer.concat(chunks).subarray(0, max).toString('utf8'),
  }
}

/** Resolves with the promise's value, or undefined once the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, {once: true})
    void promise.then((value) => (signal.removeEventListener('abort', onAbort), resolve(value)))
  })
}

/** A counting semaphore whose waiters leave the queue when their signal aborts. */
function semaphore(limit: number) {
  let free = limit
  const waiters: Array<(release: () => void) => void> = []
  const release = () => {
    const next = waiters.shift()
    if (next) next(once())
    else free++
  }
  const once = () => {
    let done = false
    return () => void (done || ((done = true), release()))
  }
  const acquire = (signal?: AbortSignal): Promise<(() => void) | undefined> => {
    if (signal?.aborted) return Promise.resolve(undefined)
    if (free > 0) return (free--, Promise.resolve(once()))
    return new Promise((resolve) => {
      const waiter = (r: () => void) => (signal?.removeEventListener('abort', onAbort), resolve(r))
      const onAbort = () => (waiters.splice(waiters.indexOf(waiter), 1), resolve(undefined))
      signal?.addEventListener('abort', onAbort, {once: true})
      waiters.push(waiter)
    })
  }
  return {acquire}
}
