import type {Directive} from './nginx-dump.js'
import type {GatewayRoute, ListenSpec, Origin, RouteServer, UpstreamServer} from '../model/routes.js'

/** Reading single directives into route-table values: listen, server_name, upstream, proxy_pass. */

/** The named `upstream` blocks of an http block: name (lower case, as nginx compares) to servers. */
export type Upstreams = ReadonlyMap<string, {name: string; servers: UpstreamServer[]}>

/** A directive with a block. */
export type BlockDirective = Directive & {block: Directive[]}

/** The child blocks named `name`. */
export function blocks(directives: readonly Directive[], name: string): BlockDirective[] {
  return directives.filter((d): d is BlockDirective => d.name === name && d.block !== undefined)
}

/** The child simple directives named `name`. */
export function simple(directives: readonly Directive[], name: string): Directive[] {
  return directives.filter((d) => d.name === name && !d.block)
}

/** Every upstream block's servers, keyed by lower-case name. */
export function collectUpstreams(http: readonly Directive[]): Upstreams {
  const out = new Map<string, {name: string; servers: UpstreamServer[]}>()
  for (const u of blocks(http, 'upstream')) {
    const name = u.args[0] ?? ''
    const servers = simple(u.block, 'server').map((s) => {
      const [address = '', ...params] = s.args
      const {host, port} = splitHostPort(address, 80)
      return {address: host, port, file: s.file, line: s.line, ...(params.length > 0 ? {params} : {})}
    })
    out.set(name.toLowerCase(), {name, servers})
  }
  return out
}

/** host:port, [v6]:port, host (default port), unix:/path (port 0). Brackets are dropped. */
export function splitHostPort(hostPort: string, defaultPort: number): {host: string; port: number} {
  if (hostPort.startsWith('unix:')) return {host: hostPort, port: 0}
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(hostPort)
  if (v6) return {host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort}
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)
  return {host: m?.[1] ?? hostPort, port: m?.[2] ? Number(m[2]) : defaultPort}
}

/** proxy_pass resolved to its servers: an upstream block's, or the URL's own host:port. */
export function readProxyPass(d: Directive, upstreams: Upstreams): NonNullable<GatewayRoute['proxyPass']> {
  const url = d.args[0] ?? ''
  return {url, file: d.file, line: d.line, ...resolveUrl(url, d, upstreams)}
}

/**
 * A proxy_pass URL's servers; `origin` is where the host is written (a map entry for a variable
 * target). A variable left in the host is resolved per request: no fixed servers to name.
 */
export function resolveUrl(url: string, origin: Origin, upstreams: Upstreams): {upstream?: string; servers: UpstreamServer[]; uriPart?: string} {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(unix:[^:]*|[^/]*)(?::?(\/.*))?$/i.exec(url)
  if (!m) return {servers: []}
  const [, scheme = 'http', hostPort = '', uriPart] = m
  const withUri = uriPart === undefined ? {} : {uriPart}
  if (hostPort.includes('$')) return {servers: [], ...withUri}
  const {host, port} = splitHostPort(hostPort, scheme.toLowerCase() === 'https' ? 443 : 80)
  const upstream = upstreams.get(host.toLowerCase())
  if (upstream) return {upstream: upstream.name, servers: upstream.servers, ...withUri}
  return {servers: [{address: host, port, file: origin.file, line: origin.line}], ...withUri}
}

const WILDCARDS = new Set(['*', '0.0.0.0', '::'])

/** One listen directive read; `listen 80`, `listen [::]:443 ssl`, `listen 10.0.0.153`. */
export function readListen(args: readonly string[], sslOn: boolean): ListenSpec {
  const [where = '80', ...params] = args
  const {host, port} = /^\d+$/.test(where) ? {host: '*', port: Number(where)} : splitHostPort(where, 80)
  return {
    address: WILDCARDS.has(host) ? '*' : host,
    port,
    ssl: sslOn || params.includes('ssl'),
    defaultServer: params.includes('default_server') || params.includes('default'),
  }
}

/** The server block as routes see it: listens, names, TLS. */
export function readServer(server: BlockDirective): RouteServer {
  const listens = simple(server.block, 'listen')
  // `ssl on;` (removed in nginx 1.25.1, still read by Debian 12's 1.22) makes every listen TLS.
  const sslOn = simple(server.block, 'ssl').some((d) => d.args[0] === 'on')
  const read = listens.length > 0 ? listens.map((l) => readListen(l.args, sslOn)) : [readListen(['80'], sslOn)]
  return {
    file: server.file,
    line: server.line,
    listen: listens.map((l) => l.args.join(' ')),
    listens: read,
    serverNames: simple(server.block, 'server_name').flatMap((d) => d.args),
    tls: read.some((l) => l.ssl),
  }
}
