import type {Judgement} from '../../model/check-spec.js'
import {matchRoute, passFor} from '../../gateway/route-table.js'
import type {GatewayRoute, MapEntry, NginxMap, Origin, PassCandidate, ProxyPass} from '../../model/routes.js'
import type {ServiceDef} from '../../model/inventory.js'
import {hostPort} from './kind.js'
import type {MismatchContext} from './route-mismatch.js'

/**
 * Routes whose proxy_pass is a variable (`proxy_pass $upstream_service;` through a map or a set).
 * The fix for a wrong target is the map entry (or set) that gives this route its value, never the
 * proxy_pass every route shares; when that entry is the one other routes get too (the default),
 * the fix is an entry of the route's own.
 */

/** A variable target phoenix cannot pin to one value for this request: shown as such, not the service's fault. */
export function judgeUndecided(s: ServiceDef, route: GatewayRoute, pass: ProxyPass, errors: string[]): Judgement {
  const candidates = pass.chosen ? [pass.chosen] : pass.dynamic?.candidates ?? []
  const shown = candidates.slice(0, 8).map((c) => `${at(c)}: ${describe(c, pass.dynamic?.maps ?? [])} → ${c.url || "''"}${c.unresolved ? ` (${c.unresolved})` : ''}`)
  const why = candidates.length === 0 ? `phoenix cannot read its target` : candidates.length === 1 ? candidates[0]!.unresolved ?? 'its target is decided per request' : `it can go to ${candidates.length} targets and which one this request gets depends on more than its host and path`
  return {status: 'skip', summary: `location ${route.location.path} (${at(route.location)}): proxy_pass ${pass.url} (${at(pass)}) is dynamic: ${why}, so phoenix does not judge ${s.name}'s route here`,
    evidence: [...shown, ...errors]}
}

/** The map entry (or set) this route's request gets sends it somewhere other than the service. */
export function judgeChosen(c: MismatchContext): Judgement {
  const {s} = c
  const pass = c.route.proxyPass!
  const chosen = pass.chosen!
  const maps = pass.dynamic?.maps ?? []
  const owner = c.inv.services.find((o) => o !== s && pass.servers.some((x) => x.address === o.address && x.port === o.port))
  const sharers = servicesOnEntry(c, chosen)
  const given = `${describe(chosen, maps)} (${at(chosen)})`
  const evidence = [`${at(chosen)}: ${describe(chosen, maps)} → ${chosen.url}`, `${at(pass)}: proxy_pass ${pass.url}`, ...c.errors]
  const server = chosen.servers[0]!
  // As written in the value: `http://10.0.0.199` names no port, so the address alone is what to change.
  const wrong = chosen.upstream ?? (chosen.url.includes(hostPort(server.address, server.port)) ? hostPort(server.address, server.port) : server.address)
  const right = rightValue(c)
  if (sharers.length > 0 && !owner) {
    const text = `${given} sends every route here (${[s, ...sharers].map((x) => x.name).join(', ')}) to ${wrong}: ${s.name}'s route is decided there, not in this gateway; check ${wrong}'s route for ${s.route!.path}`
    return {status: 'pass', summary: `${c.located}: ${given} is shared by ${[s, ...sharers].map((x) => x.name).join(', ')}; ${s.name}'s route is decided at ${wrong}`, evidence, hints: [{text}]}
  }
  const finding = owner ? 'route_wrong_upstream' : 'upstream_mismatch'
  const to = owner ? `${owner.name}'s ${chosen.upstream ? `upstream ${chosen.upstream}` : `address ${wrong}`}` : `${wrong}, but ${c.target === s ? s.name : `${s.name}'s proxy`} is ${hostPort(c.target.address, c.target.port)}`
  const summary = `${c.located}: ${given} sends ${s.route!.path} to ${to}`
  const map = mapOf(chosen, maps)
  if (sharers.length > 0) {
    const key = keyFor(s, c, map)
    const where = map ? `the map at ${at(map)}` : `location ${c.route.location.path} (${at(c.route.location)})`
    return {status: 'warn', finding, summary, evidence,
      hints: [{text: `Add to ${where} an entry of ${s.name}'s own: ${key} ${valueWith(chosen, maps, wrong, right)}; leave ${given} as it is (${sharers.map((x) => x.name).join(', ')} get it too), then test and reload`, command: c.reload}]}
  }
  return {status: 'warn', finding, summary, evidence,
    hints: [{text: `In ${at(chosen)} change ${wrong} to ${right} (${describe(chosen, maps)}: only ${s.name}'s requests get it), then test and reload`, command: c.reload}]}
}

/** Other inventory services whose requests get the very same entry (or set). */
function servicesOnEntry(c: MismatchContext, chosen: Origin): ServiceDef[] {
  const url = new URL(c.inv.gateway.url)
  const tls = url.protocol === 'https:'
  return c.inv.services.filter((o) => {
    if (o === c.s || !o.route) return false
    const request = {host: o.route.host ?? url.hostname, port: Number(url.port || (tls ? 443 : 80)), tls, path: o.route.path}
    const r = matchRoute(c.routes, request)
    const other = r && passFor(r, request)?.chosen
    return other !== undefined && other.file === chosen.file && other.line === chosen.line
  })
}

/** The upstream block that holds only the service, else its address. */
function rightValue(c: MismatchContext): string {
  const t = c.target
  const own = c.upstreams.find((u) => u.servers.length > 0 && u.servers.every((x) => x.address === t.address && x.port === t.port))
  return own ? own.name : hostPort(t.address, t.port)
}

/** A key that gives this service's requests an entry of their own, by what the map reads. */
function keyFor(s: ServiceDef, c: MismatchContext, map: NginxMap | undefined): string {
  const source = map?.source ?? ''
  if (/^\$(host|http_host|server_name)$/.test(source)) return s.route!.host ?? new URL(c.inv.gateway.url).hostname
  if (/^\$(uri|document_uri|request_uri)$/.test(source)) return `~^${s.route!.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`
  return `<${source || 'key'} of ${s.name}'s requests>`
}

/** The entry's value with the wrong target replaced (a value may be a whole URL or a bare upstream name). */
function valueWith(chosen: PassCandidate, maps: readonly NginxMap[], wrong: string, right: string): string {
  const map = mapOf(chosen, maps)
  const value = (map && entryOf(chosen, map)?.value) || chosen.url
  return value.includes(wrong) ? value.replace(wrong, right) : right
}

function mapOf(chosen: PassCandidate, maps: readonly NginxMap[]): NginxMap | undefined {
  const w = chosen.when.at(-1)
  return w?.map ? maps.find((m) => m.variable === w.map) : undefined
}

function entryOf(chosen: PassCandidate, map: NginxMap): MapEntry | undefined {
  const key = chosen.when.at(-1)?.key
  return key === 'default' ? map.default : map.entries.find((e) => e.key === key)
}

/** `map $host $upstream_service entry default`, `set $backend`, `set $backend in if ($arg_x)`. */
function describe(c: PassCandidate, maps: readonly NginxMap[]): string {
  const w = c.when.at(-1)
  if (!w) return 'proxy_pass'
  if (w.set !== undefined) return `set ${w.variable}${w.set === 'set' ? '' : ` in ${w.set}`}`
  const map = maps.find((m) => m.variable === w.map)
  return `map ${map?.source ?? '?'} ${w.map} ${w.key === 'default' ? 'default' : `entry ${w.key}`}`
}

function at(origin: Origin): string {
  return `${origin.file}:${origin.line}`
}
