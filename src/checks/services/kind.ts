import type {Expectation, Judgement} from '../../model/check-spec.js'
import type {CauseCode} from '../../model/findings.js'
import type {HintMaker} from '../hint-context.js'
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
  /** How a client sends this kind's API key (unset: `Authorization: Bearer KEY`). */
  key?: KeyFacts
  /** The WebSocket its web page opens through the gateway: the route must pass the upgrade. */
  websocket?: WebSocketFacts
  /** Its route is an API: the gateway's hardening audit expects a rate limit and auth on it. */
  api?: boolean
  /** The service the README's causes table shows hints for (`npm run docs`). */
  example: ServiceDef
  /** The causes whose README example is this kind (the rest are shown for n8n). */
  exampleFor?: readonly CauseCode[]
  /** Its own hints, for the causes whose fix differs for this kind (the rest are the cause's, verdict/hints.ts). */
  hints?: Partial<Record<CauseCode, HintMaker>>
}

/** The header a kind's API key travels in. */
export interface KeyFacts {
  /** As sent: `api-key` (Qdrant), `Authorization`. */
  header: string
  /** Sent as `Bearer KEY` rather than the bare key. */
  bearer: boolean
  /** The env var the service itself reads its key from, for a hint that calls its API inside the CT. */
  ownEnv?: string
}

/** The key's header when a kind names none: `Authorization: Bearer KEY` (vLLM, OpenAI-style APIs). */
export const BEARER_KEY: KeyFacts = {header: 'Authorization', bearer: true}

/** A kind's WebSocket: the path under its route and what its users see when the upgrade fails. */
export interface WebSocketFacts {
  subpath: string
  breaks: string
  /** The service closes a socket whose Origin does not match the Host it sees (n8n). */
  checksOrigin?: boolean
  /**
   * A 404 whose body matches is the service without its WebSocket route yet (n8n registers its REST
   * routes seconds after its readiness): it is starting, and `why` says so; nginx is not to blame.
   */
  notYet?: {body: RegExp; why: string}
}

/** The health path of a service: the inventory's, else its kind's default. */
export function healthPathOf(service: ServiceDef, kind: ServiceKindModule): string {
  return service.health ?? kind.defaultHealth
}

/** The header a kind's API key travels in, lower-case as nginx's table keys it: `api-key`, `authorization`. */
export function keyHeaderOf(kind: ServiceKindModule): string {
  return (kind.key ?? BEARER_KEY).header.toLowerCase()
}

/** `addr:port`, bracketing IPv6. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

/** The URL of a path on the service's API as seen from inside its own CT. */
export function insideUrl(service: ServiceDef, path: string): string {
  return `http://127.0.0.1:${service.port}${path}`
}
