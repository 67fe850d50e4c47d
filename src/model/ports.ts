import type {NodeShells} from './cluster.js'
import type {
  CtStatusObservation,
  DnsObservation,
  DnsProbe,
  WebSocketObservation,
  WebSocketProbe,
  HttpObservation,
  HttpProbe,
  PingObservation,
  PingProbe,
  TcpObservation,
  TcpProbe,
  UnavailableObservation,
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
  dns(probe: DnsProbe, timeoutMs: number): Promise<DnsObservation>
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
  /** The cluster node it runs on (a cluster, issue 15): a blind spot is named after it. */
  readonly node?: string
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
  /** A Proxmox cluster's nodes (issue 15): `host` is then its first node's shell. */
  nodes?: NodeShells
}

/**
 * A Proxmox guest phoenix goes into: a container (`pct`) or a VM (its QEMU guest agent, `qm guest
 * exec`); CTs and VMs share Proxmox's one id space. A new kind of guest is one member here, one
 * transport file in src/io/guests/ and its line in the table there (the compiler asks for it).
 */
export type GuestRef = {kind: 'ct'; id: number} | {kind: 'vm'; id: number}

/** How a guest's transport names things, for summaries, evidence and the hints a person pastes. */
export interface GuestWords {
  /** Its id, as its commands take it: `954`. */
  id: number
  /** What a person calls it: `CT 954`. */
  label: string
  /** The suffix of the check that reports getting in (`service.ct`, `gateway.ct`). */
  gate: string
  /** The command that runs something inside it, before the guest's id: `pct exec`. */
  exec: string
  /** The command that reads its state, before the id: `pct status`. */
  status: string
  /** The command that starts it, before the id: `pct start`. */
  start: string
  /** The command that prints its configuration, before the id: `pct config`. */
  config: string
  /** Runs a command inside it, for a hint: `pct exec 954 --` (the command follows). */
  run: string
  /** The host's systemd unit that runs it, whose journal says why it stopped: `pve-container@954`. */
  unit: string
  /** The finding when it is not running: `container_stopped` (a CT), `vm_stopped` (a VM). */
  stopped: 'container_stopped' | 'vm_stopped'
}

/** The state of a guest as its transport reads it (`running`, `stopped`), or why it could not be read. */
export type GuestState = CtStatusObservation | UnavailableObservation

/**
 * One guest on the Proxmox host, entered through its transport. Never rejects: failures are
 * ExecResults and unavailable states, as with Shell.
 */
export interface Guest {
  readonly ref: GuestRef
  readonly words: GuestWords
  /** Runs `sh -s` inside the guest with the script on stdin (never argv: it may hold a key). */
  exec(script: string, options: Omit<ExecOptions, 'stdin'>): Promise<ExecResult>
  /** Reads whether the guest runs (after an exec that did not get in: stopped, or are we blind?). */
  state(options: Omit<ExecOptions, 'stdin'>): Promise<GuestState>
}

/** One way into a kind of guest (src/io/guests/): its words, and a Guest that runs through the host's shell. */
export interface GuestTransport {
  words(id: number): GuestWords
  open(host: Shell, id: number): Guest
}
