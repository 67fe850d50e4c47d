import type {Finding} from '../model/findings.js'
import {guestLabel} from '../io/guests/guests.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import {CAUSES, isCause} from './causes.js'
import type {CauseCode} from './causes.js'
import {blockedMeaning, blockedSupport} from './blocked-words.js'
import {hintsFor} from './hints.js'
import type {JudgedCheck} from './judge.js'
import type {LayerResult, Verdict} from '../model/report.js'
import type {Layer, Status} from '../model/status.js'

/** When several checks of the failing layer point to causes, the most fundamental one explains the rest. */
const SERVICE_PRIORITY: readonly CauseCode[] = [
  'ha_stopped', 'container_stopped', 'vm_stopped', 'runtime_missing', 'service_oom', 'service_crashed', 'service_down', 'service_starting', 'not_listening',
  'api_refused', 'api_timeout', 'connection_reset', 'answer_not_http', 'tls_mismatch', 'answer_truncated', 'answer_stalled', 'api_unhealthy', 'api_unexpected', 'api_error', 'cert_key_mismatch', 'config_invalid', 'cert_expired', 'cert_untrusted', 'cert_name_mismatch', 'database_not_ready', 'not_ready',
  'api_auth_failed', 'model_missing', 'collection_missing', 'inference_failed', 'embedding_dim_mismatch', 'service_restarting',
]

/**
 * Warnings inside the CT that explain failures further out: while vLLM loads, every outer layer is
 * refused, and the verdict is "starting", not "network blocked".
 */
const EXPLAINS_OUTER: readonly Finding[] = ['service_starting']

const MAX_EVIDENCE = 25

/**
 * The inside-out decision tree (technical strategy 2.1): the innermost failing layer is the fault,
 * and what passed below it narrows the cause. Pure: same layers in, same verdict out.
 */
export function decideVerdict(service: ServiceDef, layers: readonly LayerResult[], inv: Inventory): Verdict {
  const by = (status: Status) => layers.find((l) => l.status === status)
  const explaining = explainingWarning(layers)
  const layer = explaining ?? unseenBelow(layers, by('fail')) ?? by('fail') ?? by('warn') ?? by('unknown')
  if (!layer) return {layer: null, cause: 'healthy', summary: `${service.name} is healthy at every layer checked`, hints: [], evidence: []}
  const cause = explaining ? explainingCause(explaining) : layer.status === 'fail' ? failCause(layer, layers) : firstFinding(layer, layer.status) ?? 'vantage_unreachable'
  const {lines, checks} = evidenceFor(layer, layers, cause)
  // Not seen is not cleared: the failure further out is shown, but it does not get the blame.
  if (layer.status === 'unknown') for (const c of failingChecks(layers)) lines.push(`${c.id}: ${c.summary}`)
  // A check that knows the exact fix (the nginx file and line) says it before the cause's general hints.
  const specific = checks.flatMap((c) => c.hints ?? [])
  const via = VIA_CAUSES.includes(cause) ? checksOf(layers, 'gateway').find((c) => c.id === 'gateway.route')?.via : undefined
  return {layer: layer.layer, cause, summary: summaryFor(service, layer, cause, blockedMeaning(cause, service, layers, inv)), hints: [...specific, ...hintsFor(cause, service, inv)], evidence: lines, ...(via ? {via} : {})}
}

/** The proxy layer's causes, most fundamental first: Traefik down explains a missing router in its API. */
const PROXY_PRIORITY: readonly CauseCode[] = ['proxy_down', 'proxy_blocked', 'proxy_router_missing', 'proxy_rule_mismatch', 'proxy_service_url_wrong', 'proxy_backend_tls', 'proxy_backend_down', 'proxy_cert_key_mismatch', 'proxy_cert_expired', 'proxy_cert_untrusted', 'proxy_cert_name_mismatch', 'proxy_cert_expiring']

/** Causes where nginx could not use the backend it sends the route to: the backend, shared by routes, may be the one fault. */
const VIA_CAUSES: readonly CauseCode[] = ['upstream_error', 'upstream_mismatch']

/**
 * The host and gateway layers are paths: their causes ("blocked between the two CTs", "passes
 * inside the CT but not from the host") blame the hop because the layers inside it answered. When
 * a layer inside was not observed at all (the deadline, a vantage out of reach), that blame has no
 * ground: the verdict is that layer's unknown. The client layer's own findings (nginx down, no
 * route, TLS) need nothing inside, and keep the blame.
 */
function unseenBelow(layers: readonly LayerResult[], failing: LayerResult | undefined): LayerResult | undefined {
  if (failing?.layer !== 'host' && failing?.layer !== 'proxy' && failing?.layer !== 'gateway') return undefined
  return layers.slice(0, layers.indexOf(failing)).find(isUnobserved)
}

/** Unknown with nothing seen at all: no check in it passed or warned. */
function isUnobserved(layer: LayerResult): boolean {
  return layer.status === 'unknown' && !(layer.checks as JudgedCheck[]).some((c) => c.status === 'pass' || c.status === 'warn')
}

function failingChecks(layers: readonly LayerResult[]): JudgedCheck[] {
  return layers.flatMap((l) => (l.checks as JudgedCheck[]).filter((c) => c.status === 'fail'))
}

/** Client-layer causes that nginx's own config can explain (the gateway.route check reads it). */
const CONFIG_EXPLAINS: readonly CauseCode[] = ['route_missing', 'route_wrong_upstream', 'client_redirected', 'gateway_https_redirect', 'gateway_drops_key', 'route_wrong_target', 'upstream_mismatch', 'upstream_error', 'websocket_not_proxied', 'host_header_rejected']

/** The service layer, when a warning there explains a failure further out. */
function explainingWarning(layers: readonly LayerResult[]): LayerResult | undefined {
  const service = layers.find((l) => l.layer === 'service')
  if (service?.status !== 'warn' || !layers.some((l) => l.status === 'fail')) return undefined
  return (service.checks as JudgedCheck[]).some((c) => c.status === 'warn' && has(EXPLAINS_OUTER, c.finding)) ? service : undefined
}

function explainingCause(layer: LayerResult): CauseCode {
  const f = (layer.checks as JudgedCheck[]).find((c) => has(EXPLAINS_OUTER, c.finding))?.finding
  return f && isCause(f) ? f : 'service_starting'
}

/** Causes that say what an answer did after the connection was made: at whichever layer, they are the cause. */
const BROKEN_ANSWER: readonly Finding[] = ['answer_not_http', 'tls_mismatch', 'answer_truncated', 'answer_stalled', 'connection_reset']

/**
 * The client's findings that are the gateway's own fault (a route to another service's upstream does
 * not explain them), and the ones that say nginx could not use its upstream. Keyed by the union's
 * members, so the compiler asks for a new gateway_ or upstream_ finding here.
 */
const GATEWAY_OWN: Record<Extract<Finding, `gateway_${string}`>, true> = {
  gateway_blocked: true, gateway_ct_stopped: true, gateway_down: true, gateway_timeout: true, gateway_tls: true, gateway_dns: true, gateway_drops_key: true, gateway_https_redirect: true,
}
const UPSTREAM: Record<Extract<Finding, `upstream_${string}`>, true> = {upstream_mismatch: true, upstream_error: true, upstream_refused: true, upstream_timeout: true}

/** Whether a check's finding is one of these. */
function has(list: readonly Finding[], finding: Finding | undefined): boolean {
  return finding !== undefined && list.includes(finding)
}

function failCause(layer: LayerResult, layers: readonly LayerResult[]): CauseCode {
  const find = (l: Layer, id: string) => checksOf(layers, l).find((c) => c.id === id)
  const broken = checksOf(layers, layer.layer).find((c) => c.status === 'fail' && has(BROKEN_ANSWER, c.finding))?.finding
  if (broken && isCause(broken) && layer.layer !== 'service') return broken
  // A name that resolves wrong where every path check of the layer passed: the name is the fault.
  const dns = dnsOnly(layer)
  if (dns) return dns
  switch (layer.layer) {
    case 'service':
      if (crashLoopRunning(layer)) return 'service_crashed'
      return pickByPriority(layer) ?? 'api_error'
    case 'host': {
      const listen = find('service', 'service.listen')?.finding
      if (listen === 'bound_to_loopback' || listen === 'bound_elsewhere') return listen
      return find('host', 'host.tcp')?.status === 'fail' ? 'network_blocked' : 'host_http_failed'
    }
    case 'proxy': {
      const stopped = find('proxy', 'proxy.ct')?.finding ?? find('proxy', 'proxy.vm')?.finding
      if (stopped === 'container_stopped' || stopped === 'vm_stopped') return 'proxy_ct_stopped'
      const findings = checksOf(layers, 'proxy').filter((c) => c.status === 'fail').map((c) => c.finding)
      return PROXY_PRIORITY.find((f) => findings.includes(f)) ?? pickByPriority(layer) ?? 'api_error'
    }
    case 'gateway': {
      const stopped = find('gateway', 'gateway.ct')?.finding ?? find('gateway', 'gateway.vm')?.finding
      if (stopped === 'container_stopped' || stopped === 'vm_stopped') return 'gateway_ct_stopped'
      if (find('gateway', 'gateway.tcp')?.status === 'fail') return 'gateway_blocked'
      // TCP from the gateway CT got through: no firewall between the CTs; what HTTP saw is the cause.
      return pickByPriority(layer) ?? 'api_error'
    }
    case 'client': {
      const failed = checksOf(layers, 'client').find((c) => c.status === 'fail')
      const finding = failed?.finding ?? 'client_unexpected'
      // nginx's config says the route leads to another service: whatever that service answered, that is the fault.
      if (find('gateway', 'gateway.route')?.finding === 'route_wrong_upstream' && !Object.hasOwn(GATEWAY_OWN, finding)) return 'route_wrong_upstream'
      if (Object.hasOwn(UPSTREAM, finding)) return gatewayReaches(layers) ? 'upstream_mismatch' : 'upstream_error'
      // A 404 that nginx's config explains as a path problem (the prefix kept, a rewrite) is that problem.
      if (finding === 'route_missing' && find('gateway', 'gateway.route')?.finding === 'route_wrong_target') return 'route_wrong_target'
      return isCause(finding) ? finding : 'client_unexpected'
    }
  }
}

/** The DNS checks' cause when they are the only failures of the layer (`host.dns`, `gateway.dns-url`). */
function dnsOnly(layer: LayerResult): CauseCode | undefined {
  const failed = (layer.checks as JudgedCheck[]).filter((c) => c.status === 'fail')
  const isDns = (c: JudgedCheck) => /\.dns(-|$)/.test(c.id)
  const f = failed.length && failed.every(isDns) ? failed[0]!.finding : undefined
  return f && isCause(f) ? f : undefined
}

/** The gateway CT itself reaches the service (its TCP and HTTP checks passed). */
function gatewayReaches(layers: readonly LayerResult[]): boolean {
  const hop = checksOf(layers, 'gateway').filter((c) => c.id === 'gateway.tcp' || c.id === 'gateway.http')
  return hop.length > 0 && hop.every((c) => c.status === 'pass' || c.status === 'warn')
}

/**
 * Why the process cannot answer: caught between two crashes of a restart loop. The runtime saw it
 * running but restarted (a unit's NRestarts, a container's RestartCount) and the checks after it find
 * nothing that answers (a container's docker-proxy still listens and resets: real-systemd-findings
 * D4b; a unit's port is not open yet: S4d). The restarts, with their log lines, are the cause.
 */
const CANNOT_ANSWER: readonly string[] = ['not_listening', 'api_refused', 'api_timeout', 'connection_reset', 'answer_not_http', 'answer_truncated', 'answer_stalled', 'api_error']

function crashLoopRunning(layer: LayerResult): boolean {
  const checks = layer.checks as JudgedCheck[]
  const restarted = checks.some((c) => c.id === 'service.runtime' && c.status === 'warn' && c.finding === 'service_restarting')
  const failed = checks.filter((c) => c.status === 'fail').map((c) => c.finding ?? '')
  return restarted && failed.length > 0 && failed.every((f) => CANNOT_ANSWER.includes(f))
}

function pickByPriority(layer: LayerResult): CauseCode | undefined {
  const findings = (layer.checks as JudgedCheck[]).filter((c) => c.status === 'fail').map((c) => c.finding)
  const ranked = SERVICE_PRIORITY.find((f) => findings.includes(f)) ?? findings.find((f) => f !== undefined && isCause(f))
  return ranked && isCause(ranked) ? ranked : undefined
}

function firstFinding(layer: LayerResult, status: Status): CauseCode | undefined {
  const f = (layer.checks as JudgedCheck[]).find((c) => c.status === status && c.finding && isCause(c.finding))?.finding
  return f && isCause(f) ? f : undefined
}

/** The failing layer's own evidence first, then the supporting lines from the layers below it. */
function evidenceFor(layer: LayerResult, layers: readonly LayerResult[], cause: CauseCode): {lines: string[]; checks: JudgedCheck[]} {
  const lines: string[] = []
  const checks: JudgedCheck[] = []
  const add = (c: JudgedCheck) => {
    checks.push(c)
    lines.push(`${c.id}: ${c.summary}`, ...(c.evidence ?? []).map((e) => `  ${e}`))
  }
  for (const c of layer.checks as JudgedCheck[]) if (c.status === layer.status) add(c)
  // A crash loop caught running: the restarts and their log lines say why nothing answers.
  if (layer.layer === 'service' && cause === 'service_crashed') for (const c of layer.checks as JudgedCheck[]) if (c.status === 'warn' && c.finding === 'service_restarting') add(c)
  if (cause === 'bound_to_loopback' || cause === 'bound_elsewhere') {
    const listen = checksOf(layers, 'service').find((c) => c.id === 'service.listen')
    if (listen) add(listen)
  }
  if (layer.layer === 'client' && CONFIG_EXPLAINS.includes(cause)) {
    // A passing route check still speaks when it knows where the route is decided (a shared location).
    const route = checksOf(layers, 'gateway').find((c) => c.id === 'gateway.route' && c.status !== 'skip' && (c.status !== 'pass' || (c.hints?.length ?? 0) > 0))
    if (route) add(route)
  }
  // A name's answer at every vantage, so the disagreement (or the one resolver) shows in one place.
  if (cause.startsWith('dns_')) {
    for (const c of layers.flatMap((l) => l.checks as JudgedCheck[])) if (/\.dns(-|$)/.test(c.id) && !checks.includes(c)) lines.push(`${c.id}: ${c.summary}`)
  }
  if (cause === 'upstream_mismatch') {
    for (const c of checksOf(layers, 'gateway')) if (c.status === 'pass') lines.push(`${c.id}: ${c.summary}`)
  }
  for (const c of blockedSupport(cause, layers)) lines.push(`${c.id}: ${c.summary}`)
  return {lines: lines.slice(0, MAX_EVIDENCE), checks}
}

function summaryFor(service: ServiceDef, layer: LayerResult, cause: CauseCode, meaning?: string): string {
  const what = meaning ?? CAUSES[cause].meaning
  const where = layer.status === 'unknown' ? `could not see the ${layer.layer} layer` : `${layer.layer} layer ${layer.status === 'warn' ? 'warns' : 'fails'}`
  return `${service.name} (${guestLabel(service)}): ${where}: ${what}`
}

function checksOf(layers: readonly LayerResult[], layer: Layer): JudgedCheck[] {
  return (layers.find((l) => l.layer === layer)?.checks ?? []) as JudgedCheck[]
}
