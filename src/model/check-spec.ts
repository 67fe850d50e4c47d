import type {Observation, Probe} from './probes.js'
import type {Finding} from './findings.js'
import type {GuestRef} from './ports.js'
import type {Hint} from './report.js'
import type {Layer, Status} from './status.js'

/**
 * Where a probe runs from: this process, the Proxmox host, or inside a guest (a CT, through `pct exec`).
 * In a cluster, `node` is the node the host or guest vantage is on (set once the cluster said where each guest runs).
 */
export type Vantage = {at: 'local'} | {at: 'host'; node?: string} | {at: 'guest'; guest: GuestRef; node?: string}

/** What an expectation concluded from one observation. */
export interface Judgement {
  status: Status
  /** States the actual value: `status 502, expected 2xx`. */
  summary: string
  /** The cause this points to when the check is the one that explains a failure (see causes.ts). */
  finding?: Finding
  /** Lines worth showing as evidence (log lines, the `ss` line, a status and body). */
  evidence?: string[]
  /** The exact fix this check can name (an nginx file and line), shown before the cause's hints. */
  hints?: Hint[]
  /**
   * The servers nginx sends the route to (`10.0.0.102:80`; an upstream block's, or proxy_pass's
   * host:port): several services whose routes fail behind the same ones are one root cause, whatever
   * upstream block or location names them.
   */
  via?: string
}

/**
 * What the same service's earlier checks observed, by check id (plan order: a check sees those
 * planned before it). Lets a judgement use context: vLLM's closed port reads with its unit's log.
 */
export type Seen = ReadonlyMap<string, Observation>

/** A pure function from an observation (and what was seen before it) to a judgement. */
export type Expectation = (obs: Observation, seen: Seen) => Judgement

/** One planned check of one service: a probe, where it runs, and how it is judged. */
export interface CheckSpec {
  service: string
  /** Stable within the service, e.g. `host.tcp`; prefixed with its layer. */
  id: string
  layer: Layer
  vantage: Vantage
  probe: Probe
  /** Checks (ids in the same service) that must pass for this one to mean anything. */
  needs?: string[]
  judge: Expectation
}

/** Options that shape a run. */
export interface RunOptions {
  /** Per-probe timeout. */
  timeoutMs: number
  /** Overall deadline for the whole run. */
  deadlineMs: number
  /**
   * The performance.now() the deadline counts from (default: when observing starts). The CLI gives
   * 0, the process's start, so that --deadline bounds the whole process, start-up included.
   */
  startedAtMs?: number
  /**
   * Kept at the end of the deadline for judging and printing the report: observing stops this much
   * earlier, so the process itself ends by the deadline (default 0; the CLI sizes it to the run).
   */
  reportMs?: number
  /** Ends the run early (SIGINT, SIGTERM): what was not observed by then is unknown (deadline). */
  signal?: AbortSignal
  /** Most probes (or batches) in flight at once. */
  concurrency: number
  layers: readonly Layer[]
  /** Also make the calls that cost GPU time (a completion, an embedding). */
  deep: boolean
  /** Also audit the gateway's hardening (posture, not health): diag does, check does not. */
  posture?: boolean
}
