/**
 * The lab's Traefik: a protocol-faithful stand-in for Traefik v3 (not packaged for Debian), from
 * its documentation and source (pkg/provider/file, pkg/muxer/http, pkg/api, pkg/ping,
 * pkg/healthcheck). It reads the static configuration as `traefik --configfile=` does, serves each
 * entryPoint, routes by the routers' rules and priorities to the load balancers' servers (round
 * robin over those UP), and reloads the file provider's dynamic configuration when a file changes.
 * WebSocket upgrades are passed to the server and piped (upgrade.ts). The API (api.insecure) and /ping are on the `traefik` entryPoint. Logs go to stdout in Traefik's
 * console format (`TIME LVL message key=value`).
 *
 *   node --import tsx test/lab/emulator/traefik/main.ts --configfile /etc/traefik/traefik.yml
 */
import {watch} from 'node:fs'
import type {FSWatcher} from 'node:fs'
import {createServer} from 'node:http'
import {createServer as createTlsServer} from 'node:https'
import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import type {Duplex} from 'node:stream'
import {parseArgs} from 'node:util'

import {send} from '../http.js'
import {serveApi, servePing} from './api.js'
import {providerFiles, readDynamic, readStatic} from './config.js'
import type {StaticConfig} from './config.js'
import {forward} from './proxy.js'
import {forwardUpgrade, responseOn} from './upgrade.js'
import {buildRuntime, pickServer, rewritePath, route} from './runtime.js'
import type {Runtime} from './runtime.js'
import {sniCallback} from './tls.js'

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)

function options(): {configfile: string} {
  try {
    const {values} = parseArgs({args: process.argv.slice(2), options: {configfile: {type: 'string'}}, strict: true})
    if (!values.configfile) throw new Error('--configfile is required')
    return {configfile: values.configfile}
  } catch (error) {
    process.stderr.write(`traefik: ${(error as Error).message}\nusage: main.ts --configfile FILE\n`)
    process.exit(2)
  }
}

let runtime: Runtime
const servers: Server[] = []
let watcher: FSWatcher | undefined

function load(st: StaticConfig): void {
  const files = providerFiles(st.file)
  const dyn = readDynamic(files)
  for (const p of dyn.problems) log(`ERR ${p} providerName=file`)
  runtime?.stop()
  runtime = buildRuntime(st, dyn, log)
  log(`INF Configuration loaded from ${files.length} file(s): ${files.join(', ') || '(none)'} providerName=file routers=${runtime.routers.length} services=${runtime.services.size}`)
}

/** fsnotify on the directory: any change reloads the whole provider, a little after the last event. */
function watchProvider(st: StaticConfig): void {
  const target = st.file.directory ?? st.file.filename
  if (!st.file.watch || !target) return
  let timer: NodeJS.Timeout | undefined
  watcher = watch(target, () => {
    clearTimeout(timer)
    timer = setTimeout(() => load(st), 100)
  })
}

/** `head`: an upgrade request's first bytes after its headers (its socket is then res's, to be passed to the server on a 101). */
function handle(st: StaticConfig, entryPoint: string, req: IncomingMessage, res: ServerResponse, head?: Buffer): void {
  if (entryPoint === st.ping && servePing(req, res)) return
  if (entryPoint === 'traefik' && st.api.insecure && serveApi(runtime, req, res)) return
  const path = new URL(req.url ?? '/', 'http://traefik.invalid').pathname
  const router = route(runtime, entryPoint, {host: req.headers.host ?? '', path, method: req.method ?? 'GET'}, st.tlsEntryPoints.includes(entryPoint))
  // No router: Go's http.NotFound.
  if (!router) return send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8', {'X-Content-Type-Options': 'nosniff'})
  const svc = runtime.services.get(router.service.includes('@') ? router.service : `${router.service}@file`)!
  const server = pickServer(svc)
  if (!server) return send(res, 503, 'no available server\n', 'text/plain; charset=utf-8', {'X-Content-Type-Options': 'nosniff'})
  const search = new URL(req.url ?? '/', 'http://traefik.invalid').search
  const {path: rewritten, forwardedPrefix} = rewritePath(router, path)
  const to = {path: `${rewritten}${search}`, ...(forwardedPrefix !== undefined ? {forwardedPrefix} : {})}
  if (head) forwardUpgrade(req, res, head, server, svc.passHostHeader, entryPoint, to)
  else forward(req, res, server, svc.passHostHeader, entryPoint, to)
}

/** `:80` is every address; `127.0.0.1:8080` one. */
function hostPort(address: string): {host: string; port: number} {
  const at = address.lastIndexOf(':')
  return {host: address.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(address.slice(at + 1))}
}

function main(): void {
  const {configfile} = options()
  const st = readStatic(configfile)
  log(`INF Traefik version 3.x (lab emulator) built on - version=3.x`)
  log(`INF Configuration loaded from file: ${configfile}`)
  load(st)
  watchProvider(st)
  for (const [name, address] of Object.entries(st.entryPoints)) {
    const {host, port} = hostPort(address)
    // An entryPoint with http.tls serves TLS (tls.ts picks the certificate by SNI); the others plain HTTP.
    const server = st.tlsEntryPoints.includes(name) ? createTlsServer({SNICallback: sniCallback(() => runtime, log)}, (req, res) => handle(st, name, req, res)) : createServer((req, res) => handle(st, name, req, res))
    // Go's server hands an upgrade request to the same handler; node gives it its own event.
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handle(st, name, req, responseOn(req, socket), head))
    server.once('error', (error: NodeJS.ErrnoException) => {
      log(`ERR error="building entryPoint ${name}: error opening listener: listen tcp ${address}: bind: ${error.code ?? error.message}"`)
      process.exit(1)
    })
    server.listen(port, host, () => log(`INF Starting provider *file.Provider entryPointName=${name} address=${address}`))
    servers.push(server)
  }
  const shutdown = () => {
    log('INF I have to go...')
    watcher?.close()
    runtime.stop()
    for (const s of servers) (s.close(), s.closeAllConnections())
    setTimeout(() => process.exit(0), 200).unref()
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

main()
