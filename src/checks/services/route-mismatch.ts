import {guestLabel} from '../../io/guests/guests.js'
import type {Judgement, Seen} from '../../model/check-spec.js'
import type {Hint} from '../../model/report.js'
import {matchRoute} from '../../gateway/route-table.js'
import type {GatewayRoute, Origin, UpstreamServer} from '../../model/routes.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import {hostPort} from './kind.js'
import {judgeChosen} from './route-dynamic.js'

/** What the route's proxy_pass reaches instead of the service, and what else uses the same config. */
export interface MismatchContext {
  s: ServiceDef
  inv: Inventory
  route: GatewayRoute
  routes: GatewayRoute[]
  upstreams: readonly {name: string; servers: readonly UpstreamServer[]}[]
  located: string
  seen: Seen
  errors: string[]
  reload: string
  /** Where nginx must send the route: the service, or the proxy (Traefik) it is routed through. */
  target: {address: string; port: number}
}

/**
 * The location of a service's route proxies somewhere other than the service. The fix named is
 * the one that breaks nothing else phoenix knows of (issue 9, 4a/4b):
 * - the location is the route of other inventory services too (one `location /` for everything):
 *   no line to change here; say where the route is decided (the place it forwards to), or that the
 *   service needs a location of its own;
 * - it proxies to another service's upstream (chat sent to the embeddings CT): the fix is this
 *   location's proxy_pass, never that upstream's server line (route_wrong_upstream);
 * - its upstream block is shared with other locations: the fix is this location's proxy_pass too;
 * - else the upstream (or the proxy_pass URL) is the service's own: change its server line.
 */
export function judgeMismatch(c: MismatchContext): Judgement {
  const {s, route} = c
  const pass = route.proxyPass!
  if (pass.chosen) return judgeChosen(c)
  const owner = c.inv.services.find((o) => o !== s && pass.servers.some((x) => x.address === o.address && x.port === o.port))
  const sharers = servicesOnLocation(c)
  const evidence = [`${at(pass)}: proxy_pass ${pass.url}${listening(c)}`, ...c.errors]
  const loc = `location ${route.location.path} (${at(route.location)})`
  if (sharers.length > 0 && !(owner && sharers.includes(owner))) {
    if (!owner && c.s.viaProxy && c.inv.proxy && sharers.every((o) => o.viaProxy)) return proxyMissed(c, sharers)
    if (!owner) {
      // An intermediate proxy (Traefik) behind one location for everything: the route is decided there.
      const text = `${loc} forwards every route here (${listed([s, ...sharers])}) to ${target(c)}: ${s.name}'s route is decided there, not in this gateway; check ${target(c)}'s route for ${s.route!.path}`
      return {status: 'pass', summary: `${c.located}: shared by ${listed([s, ...sharers])}; ${s.name}'s route is decided at ${target(c)}`, evidence, hints: [{text}]}
    }
    return {status: 'warn', finding: 'route_wrong_upstream', summary: `${c.located}: ${s.route!.path} falls into ${loc}, which ${listed(sharers)} also use${sharers.length > 1 ? '' : 's'}, and it proxies to ${owner.name}`, evidence,
      hints: [ownLocation(c, `${loc} also carries ${listed(sharers)}: leave it as it is`)]}
  }
  if (owner && sharers.includes(owner)) {
    return {status: 'warn', finding: 'route_missing', summary: `${c.located}: ${s.route!.path} has no location of its own; it falls into ${owner.name}'s ${loc}`, evidence,
      hints: [ownLocation(c, `${loc} is ${owner.name}'s: leave it as it is`)]}
  }
  const fix = rightTarget(c)
  if (owner) {
    return {status: 'warn', finding: 'route_wrong_upstream', summary: `${c.located}: nginx sends ${s.route!.path} to ${owner.name}'s ${pass.upstream ? `upstream ${pass.upstream}` : `address ${hostPort(owner.address, owner.port)}`}, not to ${s.name}`, evidence,
      hints: [{text: `In ${at(pass)} change proxy_pass ${pass.url} to proxy_pass ${fix}; (${owner.name} keeps its own${pass.upstream ? ` upstream ${pass.upstream}` : ''}), then test and reload`, command: c.reload}]}
  }
  const others = pass.upstream ? otherUsers(c, pass.upstream) : []
  const server = pass.servers[0]!
  const t = c.target
  const whom = t === s ? s.name : `${s.name}'s proxy`
  const what = server.address === t.address ? `port ${server.port}, but ${whom} is on port ${t.port}` : `${hostPort(server.address, server.port)}, but ${whom} is ${hostPort(t.address, t.port)}`
  const summary = `${c.located}: nginx sends ${s.route!.path} to ${what}${listening(c)}`
  const serverLine = [`${at(server)}: server ${hostPort(server.address, server.port)}${listening(c)}`, ...c.errors]
  if (others.length > 0) {
    return {status: 'warn', finding: 'upstream_mismatch', summary, evidence: serverLine,
      hints: [{text: `In ${at(pass)} change proxy_pass ${pass.url} to proxy_pass ${fix}; (upstream ${pass.upstream} also serves ${others.map((o) => `${o.service.name}'s location ${o.route.location.path} (${at(o.route.location)})`).join(', ')}: leave its server line), then test and reload`, command: c.reload}]}
  }
  return {status: 'warn', finding: 'upstream_mismatch', summary, evidence: serverLine,
    hints: [{text: `In ${at(server)} change ${hostPort(server.address, server.port)} to ${hostPort(t.address, t.port)}, then test and reload`, command: c.reload}]}
}

/**
 * One location for every route, each of them behind the inventory's proxy, sending them somewhere
 * other than the proxy's address and port (another port of its CT, an old address): the fix is that
 * one line, to the proxy, and it mends every route there at once. Never the service's own address:
 * nginx would then skip the proxy, for every other route of that location too.
 */
function proxyMissed(c: MismatchContext, sharers: readonly ServiceDef[]): Judgement {
  const pass = c.route.proxyPass!
  const server = pass.servers[0]!
  const t = c.target
  const every = listed([c.s, ...sharers])
  const summary = `${c.located}: nginx sends every route of location ${c.route.location.path} (${every}) to ${hostPort(server.address, server.port)}, but their proxy (${c.inv.proxy!.kind}) is ${hostPort(t.address, t.port)}`
  return {status: 'warn', finding: 'upstream_mismatch', summary, evidence: [`${at(server)}: ${pass.upstream ? `server ${hostPort(server.address, server.port)} (upstream ${pass.upstream})` : `proxy_pass ${pass.url}`}`, ...c.errors],
    hints: [{text: `In ${at(server)} change ${hostPort(server.address, server.port)} to ${hostPort(t.address, t.port)} (the proxy's entry point: ${every} all go through it), then test and reload`, command: c.reload}]}
}

/** Other inventory services whose route nginx sends to this very location. */
function servicesOnLocation(c: MismatchContext): ServiceDef[] {
  return c.inv.services.filter((o) => {
    if (o === c.s || !o.route) return false
    const r = routeOf(c, o)
    return r !== undefined && sameOrigin(r.location, c.route.location) && sameOrigin(r.server, c.route.server)
  })
}

/** The location nginx picks for another service's route (its path as written). */
function routeOf(c: MismatchContext, o: ServiceDef): GatewayRoute | undefined {
  const url = new URL(c.inv.gateway.url)
  const tls = url.protocol === 'https:'
  return matchRoute(c.routes, {host: o.route!.host ?? url.hostname, port: Number(url.port || (tls ? 443 : 80)), tls, path: o.route!.path})
}

/**
 * Other inventory services whose route's location uses the same upstream block: changing its
 * server line would move them too. (Other locations of the same service, /v1/completions beside
 * /v1/chat/completions, move with it: that is the fix, not a breakage.)
 */
function otherUsers(c: MismatchContext, upstream: string): {service: ServiceDef; route: GatewayRoute}[] {
  return c.inv.services.flatMap((o) => {
    if (o === c.s || !o.route) return []
    const r = routeOf(c, o)
    return r?.proxyPass?.upstream === upstream ? [{service: o, route: r}] : []
  })
}

/** An upstream block that already holds the service's address, else its address itself. */
function rightTarget(c: MismatchContext): string {
  const t = c.target
  const uri = c.route.proxyPass?.uriPart ?? ''
  const own = c.upstreams.find((u) => u.servers.length > 0 && u.servers.every((x) => x.address === t.address && x.port === t.port))
  return `http://${own ? own.name : hostPort(t.address, t.port)}${uri}`
}

function ownLocation(c: MismatchContext, keep: string): Hint {
  return {text: `Give ${c.s.route!.path} a location of its own that proxies to ${rightTarget(c)}, in the server block at ${at(c.route.server)}; ${keep}`, command: c.reload}
}

function target(c: MismatchContext): string {
  const pass = c.route.proxyPass!
  return pass.upstream ? `upstream ${pass.upstream}` : pass.servers.map((x) => hostPort(x.address, x.port)).join(', ') || pass.url
}

/** What the CT really listens on, when service.listen saw it. */
function listening(c: MismatchContext): string {
  const listen = c.seen.get('service.listen')
  return listen?.kind === 'listen' && listen.sockets[0] ? `; ${guestLabel(c.s)} listens on ${listen.sockets.map((x) => hostPort(x.address, x.port)).join(', ')}` : ''
}

function listed(services: readonly ServiceDef[]): string {
  return services.map((x) => x.name).join(', ')
}

function sameOrigin(a: Origin, b: Origin): boolean {
  return a.file === b.file && a.line === b.line
}

function at(origin: Origin): string {
  return `${origin.file}:${origin.line}`
}
