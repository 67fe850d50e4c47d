import type {Expectation, Judgement} from '../../model/check-spec.js'
import type {Layer} from '../../model/status.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {BodyCheck} from '../expectations/http.js'
import type {Observation, Probe} from '../../model/probes.js'

/** What a client request through the gateway looks like for a service, and how to read it. */
export interface ClientRequest {
  /** Path appended to a prefix route (e.g. `healthz` under `/n8n/`); ignored for an exact route. */
  subpath: string
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
  accept: BodyCheck
}

/** The key under which PlanContext.apiKeys holds the gateway's own key (no service name starts with @). */
export const GATEWAY_KEY = '@gateway'

/** Inputs a service's checks need beyond its definition; secrets read from env by the command. */
export interface PlanContext {
  inventory: Inventory
  deep: boolean
  /** Also the gateway's hardening audit (posture): diag and audit ask for it, check does not. */
  posture?: boolean
  /** API keys by service name (and GATEWAY_KEY), read from the env vars the inventory names. */
  apiKeys: ReadonlyMap<string, string>
}

/**
 * A check a kind adds to the shared walk. Where it runs follows from its layer: inside the
 * service's CT, on the Proxmox host, inside the gateway CT, or from this process (client).
 */
export interface KindCheck {
  layer: Layer
  /** Prefixed with its layer, e.g. `service.models`. */
  id: string
  probe: Probe
  needs?: string[]
  judge: Expectation
  /** Costs GPU time (a completion, an embedding): only with --deep (diag's default). */
  deep?: boolean
}

/**
 * One service kind: how it says it is healthy, and what it checks beyond health. Adding a kind is
 * one file like this plus a line in registry.ts; the layered walk itself is shared (plan.ts).
 */
export interface ServiceKindModule {
  /** Health path used when the inventory gives none. */
  defaultHealth: string
  /** The layers that mean something for this kind (all four when unset). */
  layers?: readonly Layer[]
  /** Reads the health answer (same at every vantage). */
  verifyHealth?: BodyCheck
  /** The request a user's client would make through the gateway's route. */
  client(service: ServiceDef, context: PlanContext): ClientRequest
  /** Checks of this kind beyond the shared ones (models, readiness, WebSocket upgrade…). */
  extraChecks?(service: ServiceDef, context: PlanContext): KindCheck[]
  /**
   * Reads "runtime up, nothing listening on the port" for kinds where that can be normal: vLLM
   * loads its model for minutes before it listens. Undefined falls back to `not_listening`.
   */
  notListening?(runtime: Observation | undefined, port: number): Judgement | undefined
}

/** The health path of a service: the inventory's, else its kind's default. */
export function healthPathOf(service: ServiceDef, kind: ServiceKindModule): string {
  return service.health ?? kind.defaultHealth
}

/** The header a service's API key travels in: Qdrant's `api-key`, else `Authorization: Bearer` (lower-case, as nginx's table keys it). */
export function keyHeaderOf(service: ServiceDef): 'api-key' | 'authorization' {
  return service.kind === 'qdrant' ? 'api-key' : 'authorization'
}

/** `addr:port`, bracketing IPv6. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

/** The URL of a path on the service's API as seen from inside its own CT. */
export function insideUrl(service: ServiceDef, path: string): string {
  return `http://127.0.0.1:${service.port}${path}`
}
