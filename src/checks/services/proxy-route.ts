import type {Judgement, Seen} from '../../model/check-spec.js'
import {qualified} from '../../gateway/traefik-config.js'
import {plainHop} from '../../gateway/traefik-path.js'
import {matchRule, rulePriority, ruleWants} from '../../gateway/traefik-rule.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {TraefikObservation, TraefikOrigin, TraefikRouter, TraefikServer, TraefikService} from '../../model/traefik.js'
import {hostPort} from './kind.js'
import {routeRequest} from './route-check.js'

/** A router with what its rule says of this request. */
interface Candidate {
  r: TraefikRouter
  matches: boolean
  priority: number
  svc?: TraefikService
}

/**
 * What Traefik does with the service's route, read from its own files (and API): the router of
 * highest priority whose rule matches the request nginx forwards (the client's Host and path), and
 * whether its load balancer's server is the service's address and port, reachable by TLS as
 * written, and UP for Traefik's health check. Every finding names the router and the file:line.
 */
export function judgeProxyRoute(s: ServiceDef, inv: Inventory, obs: TraefikObservation, subpath: string, seen: Seen): Judgement {
  const req = routeRequest(s, inv, subpath)
  const asked = `Host ${req.host}, path ${req.path}`
  if (obs.api && !obs.api.read && obs.api.ping.error) {
    return {status: 'fail', finding: 'proxy_down', summary: `Traefik does not answer in its CT: /ping at ${inv.proxy?.api ?? 'its API'}: ${obs.api.ping.error}`, evidence: obs.problems}
  }
  const candidates: Candidate[] = obs.routers.map((r) => {
    const svc = obs.services.find((x) => qualified(x.name) === qualified(r.service))
    return {r, matches: matchRule(r.rule, req).matches, priority: rulePriority(r.rule, r.priority), ...(svc ? {svc} : {})}
  })
  const enabled = (c: Candidate) => (c.r.status ? c.r.status !== 'disabled' : c.svc !== undefined)
  // A router with tls takes only TLS connections; nginx's hop to Traefik is plain HTTP (plainHop).
  const winner = candidates.filter((c) => c.matches && enabled(c) && plainHop(c.r)).sort((a, b) => b.priority - a.priority)[0]
  const own = candidates.filter((c) => plainHop(c.r) && c.svc?.servers.some((x) => pointsAt(x.url, s)))
  const evidence = [...candidates.slice(0, 8).map(describe), ...obs.problems.slice(0, 3)]
  const url = `http://${hostPort(s.address, s.port)}`
  if (!winner) {
    const mine = own[0]
    if (mine) {
      return {status: 'fail', finding: 'proxy_rule_mismatch', evidence,
        summary: `Traefik's router ${mine.r.name} (${at(mine.r.at)}) leads to ${s.name}, but its rule ${mine.r.rule} does not match the route (${asked})${enabled(mine) ? '' : `; it is disabled: ${mine.r.errors?.join('; ') ?? 'its service does not exist'}`}`,
        hints: [{text: `In ${at(mine.r.at)} make router ${mine.r.name}'s rule match ${asked}: e.g. ${wantedRule(req, mine.r.rule)}`}]}
    }
    const none = obs.files.length === 0 && !obs.api?.read ? `; no configuration file in ${inv.proxy?.configDir ?? 'its directory'}${obs.api ? '' : ' and no API to ask'}` : ''
    return {status: 'fail', finding: 'proxy_router_missing', evidence,
      summary: `no Traefik router matches ${s.name}'s route (${asked}): Traefik answers 404${none}`,
      hints: [{text: addRouter(obs.files[0], s.name, wantedRule(req), url)}]}
  }
  const server = winner.svc?.servers.find((x) => pointsAt(x.url, s))
  if (!server) return wrongTarget(s, winner, own, asked, url, evidence)
  const located = `router ${winner.r.name} (${at(winner.r.at)}) ${winner.r.rule} → service ${winner.svc!.name} → ${server.url}`
  if (server.url.startsWith('https:') && answersPlain(seen)) {
    return {status: 'fail', finding: 'proxy_backend_tls', summary: `${located}: Traefik speaks TLS to ${hostPort(s.address, s.port)}, which answers plain HTTP`, evidence,
      hints: [{text: `In ${at(server.at)} change ${server.url} to ${server.url.replace(/^https:/, 'http:')}`}]}
  }
  if (server.status === 'DOWN' && hopFails(seen)) {
    // Not the health check's path: the proxy's CT cannot connect at all (a firewall rule, proxy.tcp names it).
    return {status: 'fail', finding: 'proxy_blocked', summary: `${located}: Traefik's health check says the server is DOWN, and the proxy's CT cannot connect to it (proxy.tcp)`, evidence}
  }
  if (server.status === 'DOWN') {
    const hc = winner.svc!.healthCheckPath
    return {status: 'fail', finding: 'proxy_backend_down', summary: `${located}: Traefik's health check says the server is DOWN${hc ? ` (healthCheck path ${hc})` : ''}, so it answers 503`, evidence,
      hints: [{text: `Make the healthCheck of service ${winner.svc!.name}${winner.svc!.at ? ` (${at(winner.svc!.at)})` : ''} ask a path ${s.name} answers with 2xx/3xx${hc ? ` (it asks ${hc})` : ''}`}]}
  }
  return {status: 'pass', summary: `${located}${server.status ? ` (${server.status})` : ''}`, evidence}
}

/** The router that takes the route sends it elsewhere: another router is the service's, or the URL is wrong. */
function wrongTarget(s: ServiceDef, winner: Candidate, own: readonly Candidate[], asked: string, url: string, evidence: string[]): Judgement {
  const took = `router ${winner.r.name} (${at(winner.r.at)}, priority ${winner.priority}) ${winner.r.rule}`
  const mine = own.find((c) => c.r !== winner.r)
  if (mine) {
    return {status: 'fail', finding: 'proxy_rule_mismatch', evidence,
      summary: `${took} takes the route (${asked}) before ${s.name}'s router ${mine.r.name} (${at(mine.r.at)}, priority ${mine.priority}${mine.matches ? '' : `, rule ${mine.r.rule} does not match`})`,
      hints: [{text: mine.matches ? `In ${at(mine.r.at)} give router ${mine.r.name} a priority above ${winner.priority} (priority: ${winner.priority + 1})` : `In ${at(mine.r.at)} make router ${mine.r.name}'s rule match ${asked}, with a priority above ${winner.priority}`}]}
  }
  const svc = winner.svc
  const server: TraefikServer | undefined = svc?.servers[0]
  return {status: 'fail', finding: 'proxy_service_url_wrong', evidence,
    summary: `${took} sends ${s.name}'s route to service ${svc?.name ?? winner.r.service}, whose server${(svc?.servers.length ?? 0) > 1 ? 's are' : ' is'} ${svc?.servers.map((x) => x.url).join(', ') || 'none'}, not ${url}`,
    // The router too, at its own line: in a file shared by every route, the url to change is the one this router's service has.
    hints: [{text: server ? `In ${at(server.at)} change url ${server.url} to ${url} (the server of service ${svc!.name}, which router ${winner.r.name} at ${at(winner.r.at)} sends ${s.name}'s route to)` : `Give service ${winner.r.service} (of router ${winner.r.name} at ${at(winner.r.at)}) a loadBalancer server with url ${url}`}]}
}

/** Whether a server URL is the service's address and port (scheme aside). */
export function pointsAt(raw: string, s: ServiceDef): boolean {
  try {
    const u = new URL(raw)
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80))
    return u.hostname.replace(/^\[|\]$/g, '') === s.address && port === s.port
  } catch {
    return false
  }
}

/** The proxy's own TCP hop to the service did not connect. */
function hopFails(seen: Seen): boolean {
  const obs = seen.get('proxy.tcp')
  return obs?.kind === 'tcp' && !obs.connected
}

/** The proxy's own hop to the service got an HTTP status over plain http. */
function answersPlain(seen: Seen): boolean {
  const obs = seen.get('proxy.http') ?? seen.get('host.http')
  return obs?.kind === 'http' && obs.status !== undefined
}

/** A rule that matches the request: Host, and PathPrefix where the route is a path under it. */
function wantedRule(req: {host: string; path: string}, old?: string): string {
  const prefix = old ? ruleWants(old).prefixes[0] : undefined
  const path = prefix && req.path.startsWith(prefix) ? prefix : undefined
  return `Host(\`${req.host}\`)${path && path !== '/' ? ` && PathPrefix(\`${path}\`)` : ''}`
}

/** The router to add, in the syntax of the file it goes in (YAML, or TOML's tables). */
function addRouter(file: string | undefined, name: string, rule: string, url: string): string {
  if (file && /\.toml$/i.test(file)) {
    return `Add a router for it in ${file}: [http.routers.${name}] rule = "${rule}", service = "${name}", and [[http.services.${name}.loadBalancer.servers]] url = "${url}"`
  }
  return `Add a router for it${file ? ` in ${file}` : ''}: rule: "${rule}", with a service whose loadBalancer.servers url is ${url}`
}

function describe(c: Candidate): string {
  const where = c.r.at ? ` (${at(c.r.at)})` : ''
  const state = c.r.status && c.r.status !== 'enabled' ? ` [${c.r.status}${c.r.errors?.length ? `: ${c.r.errors.join('; ')}` : ''}]` : plainHop(c.r) ? '' : ' [tls: TLS connections only]'
  const servers = c.svc ? c.svc.servers.map((x) => `${x.url}${x.status ? ` ${x.status}` : ''}`).join(', ') : 'no such service'
  return `router ${c.r.name}${where}: ${c.r.rule} (priority ${c.priority}) → ${c.r.service}: ${servers}${state}`
}

function at(o: TraefikOrigin | undefined): string {
  return o ? `${o.file}:${o.line}` : 'the API (no file)'
}
