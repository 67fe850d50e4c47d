import {parseNginxDump} from '../../gateway/nginx-dump.js'
import {buildRouteTable} from '../../gateway/route-table.js'
import type {GatewayRoute} from '../../gateway/route-table.js'

/** What the gateway's loaded config says, for a draft inventory. */
export interface GatewayConfig {
  /** The client URL: http on a plain server, else https (its CA is then the user's to name). */
  url: string
  tls: boolean
  errorLog?: string
  /** The main config file, when it is not nginx's own default. */
  nginxConf?: string
  routes: GatewayRoute[]
}

const DEFAULT_CONF = '/etc/nginx/nginx.conf'

/** Reads `nginx -T`'s dump with the route table phoenix diagnoses with (src/gateway). */
export function readGatewayConfig(dump: string, address: string): GatewayConfig {
  const {root} = parseNginxDump(dump)
  const routes = buildRouteTable(root).filter((r) => r.proxyPass)
  const plain = routes.some((r) => !r.server.tls)
  const port = (tls: boolean) => routes.find((r) => r.server.tls === tls)?.server.listens[0]?.port
  const p = plain ? port(false) : port(true)
  const defaultPort = plain ? 80 : 443
  const url = `${plain ? 'http' : 'https'}://${address}${p && p !== defaultPort ? `:${p}` : ''}`
  const errorLog = root.find((d) => d.name === 'error_log')?.args[0]
  const conf = /^# configuration file (\S+):/m.exec(dump)?.[1]
  return {
    url,
    tls: !plain,
    ...(errorLog && errorLog.startsWith('/') ? {errorLog} : {}),
    ...(conf && conf !== DEFAULT_CONF ? {nginxConf: conf} : {}),
    routes: routes.filter((r) => r.server.tls === !plain),
  }
}

/**
 * The route that leads to address:port: the first prefix location, in config order, whose
 * proxy_pass (or its upstream block) names it. A route on a name-routed server carries its host.
 */
export function routeTo(config: GatewayConfig, addresses: readonly string[], port: number): {path: string; host?: string; how: string} | undefined {
  const route = config.routes.find((r) => (r.location.modifier === '' || r.location.modifier === '^~') && r.proxyPass!.servers.some((s) => s.port === port && addresses.includes(s.address)))
  if (!route) return undefined
  const how = `nginx -T: location ${route.location.path} (${route.location.file}:${route.location.line}) proxies to it`
  const names = route.server.serverNames.filter((n) => n !== '_' && n !== '' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(n))
  const byName = names.length > 0 && !route.server.listens.some((l) => l.defaultServer) && !isFirstServer(config, route)
  return {path: route.location.path, ...(byName ? {host: names[0]!} : {}), how}
}

/** nginx's default server for a port is its first one: a route there needs no Host. */
function isFirstServer(config: GatewayConfig, route: GatewayRoute): boolean {
  const port = route.server.listens[0]?.port
  const first = config.routes.find((r) => r.server.listens.some((l) => l.port === port))
  return first?.server.line === route.server.line && first.server.file === route.server.file
}
