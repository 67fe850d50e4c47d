import type {Observation} from './probes.js'
import type {CauseCode} from './findings.js'
import type {ClusterReport} from './cluster.js'
import type {Layer, Status} from './status.js'

/** Bump when a field changes meaning or goes away; adding fields does not bump it. */
export const SCHEMA_VERSION = 1

/** One check at one layer: what was expected, what was seen. */
export interface CheckResult {
  /** Stable id, e.g. `host.tcp`, `service.unit`, `client.http`. */
  id: string
  status: Status
  /** One line, stating the actual value: `status 502, expected 200`. */
  summary: string
  durationMs: number
  /** What the probe saw (bounded, secrets redacted). */
  observed?: Observation
}

export interface LayerResult {
  layer: Layer
  status: Status
  checks: CheckResult[]
}

/** A thing to do about a cause, with the exact command where there is one. */
export interface Hint {
  text: string
  command?: string
  /**
   * Set on a hint whose command is a safe, reversible action phoenix may run itself with
   * `diag --fix` (after confirmation): starting or restarting, never an edit or a removal.
   */
  fix?: FixKind
}

/** The actions `diag --fix` knows: each starts something that should run; none changes config. */
export type FixKind = 'start_guest' | 'restart_service' | 'start_nginx'

/** Which layer broke and why. `layer` is null when the service is healthy. */
export interface Verdict {
  layer: Layer | null
  /** Stable snake_case code; see the causes table in the README. */
  cause: CauseCode
  summary: string
  hints: Hint[]
  /** The lines that support the verdict: log lines, the `ss` line, a status and body. */
  evidence: string[]
  /** For a route nginx cannot use (upstream_error, upstream_mismatch): the backend it sends it to, as nginx's config names it. */
  via?: string
}

export interface ServiceReport {
  name: string
  kind: string
  /** Its CT, or (a service in a VM) its VM: one of the two. */
  ctid?: number
  vmid?: number
  status: Status
  layers: LayerResult[]
  verdict: Verdict
  /** In a cluster: the node its guest runs on, as the cluster said (issue 15). */
  node?: string
  /** In a cluster: the node the inventory names, when the guest was found on another one. */
  movedFrom?: string
}

/**
 * One fault that explains several services' verdicts (the gateway CT stopped, nginx down, a vantage
 * phoenix could not reach), said once; each of those services keeps its own verdict.
 */
export interface RootCause {
  /** A cause code of the causes table. */
  cause: CauseCode
  layer: Layer | null
  /** Where the fault is: `gateway CT 953`, `CT 950`, `vantage`. */
  scope: string
  summary: string
  /** The services whose verdicts it explains, in report order. */
  services: string[]
  hints: Hint[]
}

/** The report of one run: the `--json` output. */
export interface Report {
  schemaVersion: typeof SCHEMA_VERSION
  status: Status
  startedAt: string
  durationMs: number
  inventory: string
  layers: Layer[]
  services: ServiceReport[]
  /** The faults that explain several services at once, biggest first (empty when none does). */
  rootCauses?: RootCause[]
  /** A Proxmox cluster (issue 15): its nodes as the run saw them, quorum, the guests that moved. */
  cluster?: ClusterReport
}
