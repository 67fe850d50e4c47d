import type {
  WebSocketObservation,
  WebSocketProbe,
  HttpObservation,
  HttpProbe,
  PingObservation,
  PingProbe,
  TcpObservation,
  TcpProbe,
} from './probes.js'

/**
 * Network probes run natively from this process. The real implementation uses undici, `net` and
 * the ping package; tests hand the same implementation pointed at servers on loopback.
 * None of these reject for an unhealthy target: failures come back as observations.
 */
export interface NetIo {
  http(probe: HttpProbe, timeoutMs: number): Promise<HttpObservation>
  tcp(probe: TcpProbe, timeoutMs: number): Promise<TcpObservation>
  ping(probe: PingProbe, timeoutMs: number): Promise<PingObservation>
  websocket(probe: WebSocketProbe, timeoutMs: number): Promise<WebSocketObservation>
}

/** Why a command could not be run at all (as opposed to running and exiting non-zero). */
export type ExecFailure = 'unreachable' | 'auth' | 'host_key' | 'timeout' | 'spawn' | 'channel'

export type ExecResult =
  | {ok: true; code: number; stdout: string; stderr: string; durationMs: number}
  | {ok: false; reason: ExecFailure; message: string; durationMs: number}

export interface ExecOptions {
  timeoutMs: number
  /** Bytes of stdout kept (default 1 MiB); a batch sizes it from its probes' budgets (batch-script.ts). */
  maxOutput?: number
  signal?: AbortSignal
  /**
   * Written to the command's stdin. Batch scripts travel this way (`sh -s`): they may hold an API
   * key, and stdin, unlike argv, never shows in `ps` on the host or in the CT. The command must
   * end by itself (the script's last line is `exit`): over SSH stdin stays open, because ssh2
   * cannot send a KILL on a channel whose write side has ended.
   */
  stdin?: string
}

/**
 * Runs commands on the Proxmox host: locally (no shell involved, argv as is) or over one reused
 * SSH connection (argv quoted for the remote shell). Never rejects: failures are ExecResults.
 */
export interface Shell {
  /** e.g. `local` or `ssh root@pve:22`, for messages. */
  readonly description: string
  /** Most commands it runs at once, if it has its own bound (SSH: sshd's sessions per connection). */
  readonly parallel?: number
  exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult>
  /** Closes the connection, if any. Safe to call twice. */
  close(): Promise<void>
}

/** The IO a run needs, built once per run. */
export interface RunIo {
  net: NetIo
  /** Runs commands on the Proxmox host (local, or one SSH connection). */
  host: Shell
  /** phoenix runs on the Proxmox host itself: host-layer network probes run in this process. */
  hostIsLocal: boolean
  /** The most files this process may have open (unknown: a safe value is assumed, lanes.ts). */
  openFiles?: number
}
