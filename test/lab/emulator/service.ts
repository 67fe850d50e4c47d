import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

import type {Fault, Options} from './args.js'
import type {Handler} from './http.js'

/**
 * What one profile contributes. main.ts owns everything every service shares: the listener,
 * the hang/slow/crash faults, the access log, and a clean exit on SIGTERM.
 */
export interface Service {
  handle: Handler
  /** An HTTP Upgrade request; returns the status it answered (101, or 400 for a bad handshake). */
  upgrade?: (req: IncomingMessage, socket: Duplex) => number
  /** Headers on every response, e.g. uvicorn's `server: uvicorn`. */
  headers?: Record<string, string>
  /** Log lines before the port opens (model loading, banners). */
  boot: string[]
  /** Log lines once the port is listening. */
  ready: string[]
  /** Fatal log lines for --fault crash, written to stderr before exit 1. */
  crash: string[]
  /** One access-log line in the service's own format. */
  access: (req: IncomingMessage, status: number) => string
  /** Keep the port closed this long first (vLLM loads before uvicorn listens); 'forever' never opens it. */
  closedMs?: number | 'forever'
}

/** A profile: which of the per-profile faults it understands, and how to build the service. */
export interface Profile {
  faults: readonly Fault[]
  /** Whether --api-key-env means anything here; elsewhere it is refused rather than silently ignored. */
  apiKey?: boolean
  create(opts: Options): Service
}

/** Service log lines go to stdout, fatal ones to stderr, one line per write so logs interleave cleanly. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

export function err(line: string): void {
  process.stderr.write(`${line}\n`)
}

/** The client address as `ip:port`, as uvicorn and actix print it. */
export function peer(req: IncomingMessage): string {
  return `${req.socket.remoteAddress ?? '-'}:${req.socket.remotePort ?? 0}`
}

/** `HH:MM:SS` and `MM-DD` pieces for the services that print local-looking timestamps. */
export function clock(d = new Date()): {date: string; time: string; iso: string} {
  const p = (n: number) => String(n).padStart(2, '0')
  return {
    date: `${p(d.getMonth() + 1)}-${p(d.getDate())}`,
    time: `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`,
    iso: d.toISOString(),
  }
}
