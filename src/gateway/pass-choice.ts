import {nginxRegex} from './nginx-regex.js'
import {splitHostPort} from './directive-read.js'
import type {RouteRequest} from './route-match.js'
import type {GatewayRoute, MapEntry, NginxMap, PassCandidate, PassCondition, ProxyPass, RouteServer} from '../model/routes.js'

/**
 * The proxy_pass one request gets. A fixed one as it is; a variable one (`proxy_pass $upstream_service;`)
 * resolved to the candidate the request's own values select (its Host, its path, through the map's
 * matching order), or left with its candidates and no servers when the choice depends on what phoenix
 * cannot know from the request (a header, an `if`).
 */
export function passFor(route: GatewayRoute, request: RouteRequest): ProxyPass | undefined {
  const pass = route.proxyPass
  if (!pass?.dynamic) return pass
  const maps = new Map(pass.dynamic.maps.map((m) => [m.variable, m]))
  const vars = requestVariables(request, route.server)
  const verdicts = pass.dynamic.candidates.map((c) => ({c, holds: c.when.map((w) => holds(w, maps, vars))}))
  const live = verdicts.filter((v) => !v.holds.includes(false))
  if (live.length !== 1 || live[0]!.holds.includes(undefined)) return {...pass, servers: []}
  const chosen = perRequest(live[0]!.c, withCaptures(vars, live[0]!.c, maps))
  const {upstream, uriPart} = chosen
  return {...pass, servers: chosen.servers, chosen, ...(upstream ? {upstream} : {}), ...(uriPart === undefined ? {} : {uriPart})}
}

/** The candidates a pass still has for a request: one when decided, all that may apply otherwise. */
export function candidatesOf(pass: ProxyPass): PassCandidate[] {
  return pass.chosen ? [pass.chosen] : pass.dynamic?.candidates ?? []
}

/** A candidate whose host is a request variable (`http://$host:8080`): filled in from the request. */
function perRequest(c: PassCandidate, vars: ReadonlyMap<string, string>): PassCandidate {
  if (c.servers.length > 0 || !c.url.includes('$')) return c
  const url = c.url.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, a?: string, b?: string) => vars.get((a ?? b)!) ?? whole)
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(url)
  if (!m || m[2]!.includes('$')) return c
  const {host, port} = splitHostPort(m[2]!, m[1]!.toLowerCase() === 'https' ? 443 : 80)
  const {unresolved: _, ...rest} = c
  return {...rest, url, servers: [{address: host, port, file: c.file, line: c.line}], ...(m[3] === undefined ? {} : {uriPart: m[3]})}
}

/** A regex map entry's captures (`~^(?<svc>[a-z]+)\\.` → $svc, $1) are variables its value may use. */
function withCaptures(vars: Map<string, string>, c: PassCandidate, maps: ReadonlyMap<string, NginxMap>): Map<string, string> {
  const out = new Map(vars)
  for (const w of c.when) {
    const map = maps.get(w.map ?? '')
    if (!map || !w.key?.startsWith('~')) continue
    const caseless = w.key.startsWith('~*')
    const value = evaluate(map.source, maps, vars, 0)
    const m = value === undefined ? null : nginxRegex(w.key.slice(caseless ? 2 : 1), caseless)?.exec(value)
    m?.forEach((g, i) => g !== undefined && out.set(String(i), g))
    for (const [k, g] of Object.entries(m?.groups ?? {})) if (g !== undefined) out.set(k, g)
  }
  return out
}

/** The variables nginx sets from a request, as far as phoenix's request says them. */
function requestVariables(request: RouteRequest, server: RouteServer): Map<string, string> {
  const [uri = '', args] = request.path.split(/\?(.*)/s)
  const host = request.host === undefined ? server.serverNames[0] ?? '' : request.host.replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '')
  const vars = new Map<string, string>([
    ['host', host], ['uri', uri], ['document_uri', uri], ['request_uri', request.path], ['args', args ?? ''], ['query_string', args ?? ''],
    ['is_args', args === undefined ? '' : '?'], ['scheme', request.tls ? 'https' : 'http'], ['server_port', String(request.port)],
    ['server_name', server.serverNames[0] ?? ''],
  ])
  if (request.host !== undefined) vars.set('http_host', request.host)
  // A regex server_name's captures are variables too (server_name ~^(?<svc>\w+)\.internal\.;).
  for (const name of server.serverNames.filter((n) => n.startsWith('~'))) {
    const m = nginxRegex(name.slice(1), true)?.exec(host)
    if (!m) continue
    m.forEach((g, i) => g !== undefined && vars.set(String(i), g))
    for (const [k, g] of Object.entries(m.groups ?? {})) if (g !== undefined) vars.set(k, g)
    break
  }
  return vars
}

/** Does the condition hold for this request? undefined: phoenix cannot tell (an `if`, a header). */
function holds(w: PassCondition, maps: ReadonlyMap<string, NginxMap>, vars: ReadonlyMap<string, string>): boolean | undefined {
  if (w.set !== undefined) return w.set === 'set' ? true : undefined
  const map = maps.get(w.map ?? '')
  const value = map && evaluate(map.source, maps, vars, 0)
  return value === undefined ? undefined : lookup(map!, value).key === w.key
}

/** A map's source string for this request; a map keyed on another map's variable is followed. */
function evaluate(source: string, maps: ReadonlyMap<string, NginxMap>, vars: ReadonlyMap<string, string>, depth: number): string | undefined {
  let unknown = false
  const value = source.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, a?: string, b?: string) => {
    const name = (a ?? b)!
    const known = vars.get(name)
    if (known !== undefined) return known
    const inner = maps.get(`$${name}`)
    const innerValue = inner && depth < 4 ? evaluate(inner.source, maps, vars, depth + 1) : undefined
    const entry = innerValue === undefined ? undefined : lookup(inner!, innerValue)
    if (entry === undefined || entry.value.includes('$')) unknown = true
    return entry?.value ?? ''
  })
  return unknown ? undefined : value
}

/**
 * The entry nginx's map picks (ngx_http_map_find): a string without mask (case-insensitive), then
 * with `hostnames` the longest `*.x`/`.x` mask, then the longest `x.*`, then the first regex in
 * order (`~` case-sensitive, `~*` not), else default.
 */
export function lookup(map: NginxMap, raw: string): MapEntry {
  const value = (map.hostnames ? raw.replace(/\.$/, '') : raw).toLowerCase()
  const plain = map.entries.filter((e) => !e.key.startsWith('~'))
  const masked = (e: MapEntry): boolean => map.hostnames && (e.key.startsWith('*.') || e.key.startsWith('.') || e.key.endsWith('.*'))
  const exact = plain.find((e) => !masked(e) && e.key.toLowerCase() === value)
  if (exact) return exact
  if (map.hostnames) {
    const longest = (list: MapEntry[]) => list.reduce<MapEntry | undefined>((a, e) => (!a || e.key.length > a.key.length ? e : a), undefined)
    const head = longest(plain.filter((e) => {
      const key = e.key.toLowerCase()
      if (key.startsWith('*.')) return value.endsWith(key.slice(1))
      return key.startsWith('.') && (value === key.slice(1) || value.endsWith(key))
    }))
    const tail = longest(plain.filter((e) => e.key.endsWith('.*') && value.startsWith(e.key.toLowerCase().slice(0, -1))))
    if (head ?? tail) return (head ?? tail)!
  }
  for (const e of map.entries.filter((x) => x.key.startsWith('~'))) {
    const caseless = e.key.startsWith('~*')
    if (nginxRegex(e.key.slice(caseless ? 2 : 1), caseless)?.test(map.hostnames ? value : raw)) return e
  }
  return map.default
}
