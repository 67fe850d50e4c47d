/**
 * The baseline's plan: the lab's services as baseline.sh reads them, one tab-separated line each.
 * The per-kind checks mirror what phoenix runs for that kind (src/checks/services/<kind>.ts):
 * the health path, the extra API calls inside the CT, the CLI on a login PATH, the request a
 * client makes through the route, the WebSocket upgrade. A `-` is an empty field (bash's `read`
 * would merge empty tab-separated fields).
 */
import {NGINX_CONF, NGINX_ERROR_LOG} from '../test/lab/nginx-config.js'
import {addressOf, ctById, GATEWAY_CTID, SERVICES} from '../test/lab/topology.js'
import type {LabService, Profile} from '../test/lab/topology.js'

/** What phoenix checks for one kind, beyond the shared walk (check --all, without --deep). */
interface KindPlan {
  health: string
  /** GETs inside the CT after the health check (models, metrics, readiness, collections). */
  extras: string[]
  /** A command that must be on a login shell's PATH. */
  cli?: string
  /** Subpath a client requests under a prefix route (an exact route is requested as is). */
  clientSubpath: string
  /** Subpath of a WebSocket upgrade through the route. */
  websocket?: string
}

const KINDS: Record<Profile, KindPlan> = {
  vllm: {health: '/health', extras: ['/v1/models', '/metrics'], clientSubpath: 'health'},
  ollama: {health: '/', extras: ['/api/tags'], cli: 'ollama', clientSubpath: 'api/tags'},
  qdrant: {health: '/healthz', extras: ['/readyz', '/collections'], clientSubpath: 'healthz'},
  n8n: {health: '/healthz', extras: ['/healthz/readiness'], clientSubpath: 'healthz', websocket: 'rest/push?pushRef=phoenix'},
  openwebui: {health: '/health', extras: ['/ready'], clientSubpath: 'health', websocket: 'ws/socket.io/?EIO=4&transport=websocket'},
  llamacpp: {health: '/health', extras: [], clientSubpath: 'health'},
}

/** One line of the plan, in baseline.sh's walk() argument order. */
type PlanLine = [name: string, ct: string, addr: string, port: string, runtime: string, unit: string, health: string,
  extras: string, cli: string, gwct: string, gwurl: string, client: string, method: string, ws: string, key: string]

/**
 * The API key, as phoenix sends it (plan.ts withKey): `ENV:api-key` (Qdrant's header) or
 * `ENV:bearer` (Authorization), on the kind's API calls and the client's request, not on health.
 */
function keyField(s: LabService): string {
  if (!s.apiKeyEnv) return '-'
  return `${s.apiKeyEnv}:${s.kind === 'qdrant' ? 'api-key' : 'bearer'}`
}

const dash = (v: string | undefined) => (v === undefined || v === '' ? '-' : v)

function serviceLine(s: LabService, gwurl: string): PlanLine {
  const k = KINDS[s.kind]
  const route = s.routes[0]!
  const prefix = route.endsWith('/')
  return [
    s.name, String(s.ctid), addressOf(s), String(s.port), s.runtime, s.unit, k.health, dash(k.extras.join(',')), dash(k.cli),
    String(GATEWAY_CTID), gwurl, prefix ? `${route}${k.clientSubpath}` : route, 'GET', k.websocket && prefix ? `${route}${k.websocket}` : '-', keyField(s),
  ]
}

/** The gateway itself (check --all includes it): its unit, socket and answer, its host and client checks. */
function gatewayLine(gwAddress: string, gwurl: string): PlanLine {
  return ['gateway', String(GATEWAY_CTID), gwAddress, '80', 'systemd', 'nginx', '/', '-', '-', '-', gwurl, '/', 'GET', '-', '-']
}

/** Kinds whose routes are APIs: the gateway's auth check asks each without credentials (nginx.ts authChecks). */
const API_KINDS: ReadonlySet<Profile> = new Set(['vllm', 'ollama', 'qdrant', 'llamacpp'])

/** "auth NAME URL": a request without credentials through an API route. */
function authLine(s: LabService, gwurl: string): string {
  const route = s.routes[0]!
  const path = route.endsWith('/') ? `${route}${KINDS[s.kind].clientSubpath}` : route
  return ['auth', s.name, `${gwurl}${path}`].join('\t')
}

/** The whole plan file's text. */
export function baselinePlan(): string {
  const gw = ctById(GATEWAY_CTID).address
  const gwurl = `http://${gw}`
  const lines = [
    '# bench/baseline.sh plan, written by bench/baseline-plan.ts from test/lab/topology.ts',
    ...SERVICES.map((s) => serviceLine(s, gwurl).join('\t')),
    gatewayLine(gw, gwurl).join('\t'),
    ['gateway-self', String(GATEWAY_CTID), NGINX_CONF, NGINX_ERROR_LOG].join('\t'),
    ...SERVICES.filter((s) => API_KINDS.has(s.kind)).map((s) => authLine(s, gwurl)),
  ]
  return `${lines.join('\n')}\n`
}
