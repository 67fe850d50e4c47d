import type {CauseCode} from '../model/findings.js'
import {CAUSES} from './causes.js'
import {guestOfIds, guestWords} from '../io/guests/guests.js'
import type {GuestRef} from '../model/ports.js'
import type {Hint, RootCause, ServiceReport} from '../model/report.js'

/** The gateway's causes seen from a route: the same fault for every route that goes through it. */
const GATEWAY_FACING: readonly CauseCode[] = ['gateway_down', 'gateway_timeout', 'gateway_tls', 'gateway_dns', 'gateway_https_redirect']

/** Causes where nginx could not use the backend a route goes to. */
const VIA_CAUSES: readonly CauseCode[] = ['upstream_error', 'upstream_mismatch']

/** A verdict at the gateway target's own service layer that stops nginx answering anyone. */
const NGINX_STOPPED: readonly CauseCode[] = ['service_down', 'service_crashed', 'service_oom', 'runtime_missing', 'not_listening', 'api_refused', 'api_timeout']

/** One group of services one fault explains, before it is known whether it is more than one. */
interface Group {
  key: string
  rootCause: Omit<RootCause, 'services'>
  services: ServiceReport[]
}

/**
 * The faults that explain several services' verdicts at once, each said once: the gateway CT
 * stopped, nginx not answering, a vantage phoenix could not reach (the host over SSH, pct), one CT
 * that several services share, one nginx backend (upstream) that several routes go to, one resolver that does not answer. Each service keeps its own verdict; this only groups them. Pure:
 * from the verdicts alone, biggest group first. A fault that explains one service is its verdict.
 */
export function findRootCauses(services: readonly ServiceReport[], gatewayGuest: GuestRef): RootCause[] {
  const gw = guestWords(gatewayGuest)
  const groups = new Map<string, Group>()
  const add = (s: ServiceReport, key: string, rootCause: Group['rootCause']) => {
    const group = groups.get(key) ?? groups.set(key, {key, rootCause, services: []}).get(key)!
    group.services.push(s)
  }
  const gateway = services.find((s) => s.kind === 'nginx' && sameGuest(guestOfIds(s), gatewayGuest))
  for (const s of services) {
    const {cause, layer} = s.verdict
    if (s.status === 'pass' || s.status === 'skip' || cause === 'healthy') continue
    if (cause === 'gateway_ct_stopped' || (s === gateway && (cause === 'container_stopped' || cause === 'vm_stopped'))) {
      add(s, `ct-stopped:${gw.id}`, {cause: 'gateway_ct_stopped', layer: 'gateway', scope: `gateway ${gw.label}`, summary: `the gateway ${gw.label} is stopped: every route through it fails`, hints: hintsOf(gateway, s)})
    } else if (GATEWAY_FACING.includes(cause) || (s === gateway && NGINX_STOPPED.includes(cause))) {
      const own = gateway && NGINX_STOPPED.includes(gateway.verdict.cause) ? ` (${gateway.name}: ${gateway.verdict.layer}/${gateway.verdict.cause})` : ''
      const facing = GATEWAY_FACING.includes(cause) ? cause : 'gateway_down'
      add(s, `gateway:${facing}`, {cause: facing, layer: 'client', scope: `gateway ${gw.label}`, summary: `${meaning(facing)}${own}`, hints: hintsOf(gateway?.verdict.cause && NGINX_STOPPED.includes(gateway.verdict.cause) ? gateway : undefined, s)})
    } else if (cause === 'proxy_ct_stopped' || cause === 'proxy_down') {
      // One proxy (Traefik) behind every service routed through it.
      add(s, `proxy:${cause}`, {cause, layer: 'proxy', scope: 'proxy', summary: meaning(cause), hints: s.verdict.hints})
    } else if (cause === 'vantage_unreachable') {
      const gate = blindGate(s)
      add(s, `vantage:${gate}`, {cause, layer: null, scope: 'vantage', summary: `phoenix could not get in: ${gate}`, hints: s.verdict.hints})
    } else if (s.verdict.via && VIA_CAUSES.includes(cause)) {
      // One backend behind several routes (a shared upstream block, a `location /` to a proxy): nginx cannot use it for any of them.
      const via = s.verdict.via
      add(s, `via:${via}`, {cause, layer: 'client', scope: `nginx → ${via}`, summary: `nginx cannot use ${via} for any route it sends there: ${lowerFirst(meaning(cause))}`, hints: s.verdict.hints})
    } else if (cause === 'dns_unresolved' && silentResolver(s)) {
      // One resolver down (the host's dnsmasq): every name through it fails, whichever service it is.
      const r = silentResolver(s)!
      add(s, `resolver:${r}`, {cause, layer, scope: `resolver ${r}`, summary: `the resolver ${r} does not answer: no name asked of it resolves`, hints: s.verdict.hints})
    } else {
      const label = guestWords(guestOfIds(s)).label
      add(s, `${label}:${layer}:${cause}`, {cause, layer, scope: label, summary: `${label}: ${meaning(cause)}`, hints: s.verdict.hints})
    }
  }
  return [...groups.values()]
    .filter((g) => g.services.length > 1)
    .sort((a, b) => b.services.length - a.services.length)
    .map((g) => ({...g.rootCause, services: g.services.map((s) => s.name)}))
}

/** The hints of the service that is the fault itself (the gateway target), else of one it explains. */
function hintsOf(source: ServiceReport | undefined, fallback: ServiceReport): Hint[] {
  return (source ?? fallback).verdict.hints
}

/** The resolver that did not answer at all for the service's failing name at its verdict's layer, if that is why. */
function silentResolver(s: ServiceReport): string | undefined {
  const checks = s.layers.find((l) => l.layer === s.verdict.layer)?.checks ?? []
  const obs = checks.find((c) => c.status === 'fail' && c.observed?.kind === 'dns')?.observed
  return obs?.kind === 'dns' && (obs.failure === 'no_answer' || obs.failure === 'timeout') ? obs.resolvers[0] : undefined
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function sameGuest(a: GuestRef, b: GuestRef): boolean {
  return a.kind === b.kind && a.id === b.id
}

function meaning(cause: CauseCode): string {
  return CAUSES[cause].meaning.replace(/\.$/, '')
}

/**
 * What kept phoenix out, the same for every service it kept out: the failing gate's summary
 * without its own CT (`CT 954: pct is not installed here` is one fault for every CT).
 */
function blindGate(s: ServiceReport): string {
  const gates = s.layers.flatMap((l) => l.checks).filter((c) => c.status === 'unknown' && (c.id.endsWith('.ssh') || c.id.endsWith('.ct') || c.id.endsWith('.vm')))
  const gate = gates.find((c) => c.id.endsWith('.ssh')) ?? gates[0]
  return (gate?.summary ?? s.verdict.summary).replace(/^(CT|VM) \d+: /, '')
}
