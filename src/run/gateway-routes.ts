import {guestIds} from '../io/guests/guests.js'
import {matchRoute} from '../gateway/route-table.js'
import type {GatewayRoute} from '../model/routes.js'
import {judgeRoute, routeRequest} from '../checks/services/route-check.js'
import {kindModule} from '../checks/services/registry.js'
import type {NginxObservation} from '../model/probes.js'
import type {PlanContext} from '../checks/services/kind.js'
import type {Inventory} from '../model/inventory.js'
import {createRunIo} from '../io/run-io.js'
import {readNginx} from './read-nginx.js'

/** One route of the gateway, with the inventory service it serves and whether it matches it. */
export interface RouteRow {
  route: GatewayRoute
  service?: string
  match?: {status: string; summary: string; finding?: string}
}

/** What `phoenix gateway routes` reports. */
export interface RoutesReport {
  schemaVersion: 1
  gateway: {ctid?: number; vmid?: number; url: string}
  /** `nginx -t`; ok false with no messages when nginx never ran (see `unread`). */
  test: NginxObservation['test']
  /** Why nginx's config could not be read at all (the CT, pct, SSH): not a failing `nginx -t`. */
  unread?: string
  routes: RouteRow[]
  /** Inventory services whose route no location serves. */
  unrouted: {service: string; summary: string}[]
}

/** Reads nginx's loaded config in the gateway CT (one `pct exec`) and lines it up with the inventory. */
export async function readGatewayRoutes(inv: Inventory, options: {timeoutMs: number; acceptNewHostKey: boolean}): Promise<RoutesReport> {
  const io = await createRunIo(inv, {acceptNewHostKey: options.acceptNewHostKey, deadlineMs: options.timeoutMs * 2})
  try {
    const read = await readNginx(inv, io, options.timeoutMs)
    const gateway = {...guestIds(inv.gateway.guest), url: inv.gateway.url}
    if ('unread' in read) return {schemaVersion: 1, gateway, test: {ok: false, messages: []}, unread: read.unread, routes: [], unrouted: []}
    const {obs} = read
    return {schemaVersion: 1, gateway, test: obs.test, ...lineUp(inv, obs)}
  } finally {
    await io.close()
  }
}

/** Each route with the service it serves; each service no route serves. */
function lineUp(inv: Inventory, obs: NginxObservation): Pick<RoutesReport, 'routes' | 'unrouted'> {
  const context: PlanContext = {inventory: inv, deep: false, apiKeys: new Map()}
  const rows: RouteRow[] = obs.routes.map((route) => ({route}))
  const unrouted: RoutesReport['unrouted'] = []
  for (const s of inv.services.filter((x) => x.route)) {
    const subpath = kindModule(s.kind).client(s, context).subpath
    const route = matchRoute(obs.routes, routeRequest(s, inv, subpath))
    const judged = judgeRoute(s, inv, obs, subpath, new Map())
    const row = route && rows.find((r) => r.route.location.file === route.location.file && r.route.location.line === route.location.line && r.route.server.line === route.server.line)
    if (!row || judged.finding === 'route_missing') {
      unrouted.push({service: s.name, summary: judged.summary})
      continue
    }
    row.service = row.service ? `${row.service}, ${s.name}` : s.name
    row.match = {status: judged.status, summary: judged.summary, ...(judged.finding ? {finding: judged.finding} : {})}
  }
  return {routes: rows, unrouted}
}
