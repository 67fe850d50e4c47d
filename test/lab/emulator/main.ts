/**
 * The lab's service emulator: one process imitating one service (vLLM, Ollama, Qdrant, n8n,
 * Open WebUI, llama.cpp or a generic /healthz service), optionally with an injected fault.
 * Facts come from /work/shared/reference/service-apis.md; each profile cites what it imitates.
 *
 *   node --import tsx test/lab/emulator/main.ts --profile P --port N [--host ADDR] [options]
 */
import {createServer} from 'node:http'
import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import {createServer as createTcpServer} from 'node:net'
import type {Server as TcpServer} from 'node:net'
import type {Duplex} from 'node:stream'

import {parseOptions, USAGE, UsageError} from './args.js'
import type {Fault, Options, ProfileName} from './args.js'
import {newCtx, sendText, sleep} from './http.js'
import {llamacpp} from './profiles/llamacpp.js'
import {n8n} from './profiles/n8n.js'
import {ollama} from './profiles/ollama.js'
import {openwebui} from './profiles/openwebui.js'
import {plainHttp} from './profiles/http.js'
import {qdrant} from './profiles/qdrant.js'
import {vllm} from './profiles/vllm.js'
import {err, out} from './service.js'
import type {Profile, Service} from './service.js'

const PROFILES: Record<ProfileName, Profile> = {vllm, ollama, qdrant, n8n, openwebui, llamacpp, http: plainHttp}

/** Faults main.ts implements for every profile; the others are the profile's own. */
const COMMON_FAULTS: readonly Fault[] = ['hang', 'slow', 'crash', 'oom']

/** Open sockets, so SIGTERM can end keep-alive, hung and WebSocket connections at once. */
const sockets = new Set<Duplex>()
let listener: Server | TcpServer | undefined

function track(socket: Duplex): void {
  sockets.add(socket)
  socket.once('close', () => sockets.delete(socket))
}

function parseOrExit(): Options {
  try {
    const opts = parseOptions(process.argv.slice(2))
    const {fault, profile} = opts
    if (fault && !COMMON_FAULTS.includes(fault) && !PROFILES[profile].faults.includes(fault)) {
      throw new UsageError(`--fault ${fault} is not supported by --profile ${profile}`)
    }
    if (opts.apiKey !== undefined && !PROFILES[profile].apiKey) {
      throw new UsageError(`--api-key-env is not supported by --profile ${profile} (only vllm and qdrant check a key)`)
    }
    if (opts.hostGuard && profile !== 'ollama') throw new UsageError(`--host-guard is not supported by --profile ${profile} (only ollama has the guard)`)
    return opts
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    err(`emulator: ${error.message}\n${USAGE}`)
    process.exit(2)
  }
}

/** Every request: the slow fault's delay, the profile's handler, one access-log line when done. */
async function respond(svc: Service, opts: Options, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.on('finish', () => out(svc.access(req, res.statusCode)))
  if (opts.fault === 'slow') await sleep(opts.slowMs)
  for (const [name, value] of Object.entries(svc.headers ?? {})) res.setHeader(name, value)
  try {
    await svc.handle(newCtx(req, res))
  } catch (error) {
    err(`emulator: handler failed: ${(error as Error).stack ?? String(error)}`)
    if (!res.headersSent) sendText(res, 500, 'Internal Server Error')
    else res.destroy()
  }
}

function httpServer(svc: Service, opts: Options): Server {
  const server = createServer((req, res) => void respond(svc, opts, req, res))
  server.on('connection', track)
  const upgrade = svc.upgrade
  // Without a listener node answers Upgrade requests as ordinary requests, like most servers.
  if (upgrade) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      track(socket)
      void (opts.fault === 'slow' ? sleep(opts.slowMs) : Promise.resolve()).then(() => {
        out(svc.access(req, upgrade(req, socket)))
      })
    })
  }
  return server
}

/** The hang fault: TCP accepts (the kernel's backlog and then this process), but nothing ever answers. */
function hungServer(): TcpServer {
  return createTcpServer((socket) => {
    track(socket)
    socket.on('error', () => {})
    socket.resume()
  })
}

function listen(svc: Service, opts: Options): void {
  const server = opts.fault === 'hang' ? hungServer() : httpServer(svc, opts)
  listener = server
  server.once('error', (error: NodeJS.ErrnoException) => {
    err(`emulator: cannot listen on ${opts.host}:${opts.port}: ${error.code ?? error.message}`)
    process.exit(1)
  })
  server.listen(opts.port, opts.host, () => svc.ready.forEach(out))
}

/** SIGTERM: stop accepting, drop every open connection, exit 0 (as systemd and docker stop expect). */
function shutdown(): void {
  const server = listener
  if (!server) process.exit(0)
  server.close(() => process.exit(0))
  if ('closeAllConnections' in server) server.closeAllConnections()
  for (const socket of sockets) socket.destroy()
  setTimeout(() => process.exit(0), 2000).unref()
}

/** Past this, no memory limit stopped it: it says so and exits 1, rather than eat the machine. */
const OOM_CAP = 1024 ** 3

/**
 * --fault oom: memory grows as a model loading too big for its limit does (16 MiB a step, every
 * page written so it is really resident), until the kernel's OOM killer ends it at the unit's
 * MemoryMax or the container's --memory.
 */
function growUntilKilled(): void {
  out('loading model weights into memory')
  const held: Buffer[] = []
  const step = setInterval(() => {
    held.push(Buffer.alloc(16 * 1024 * 1024, 1))
    if (held.length * 16 * 1024 * 1024 < OOM_CAP) return
    clearInterval(step)
    err(`oom fault: ${OOM_CAP / 1024 ** 2} MiB held and no memory limit stopped it`)
    process.exit(1)
  }, 10)
}

function main(): void {
  const opts = parseOrExit()
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  const svc = PROFILES[opts.profile].create(opts)
  svc.boot.forEach(out)
  if (opts.fault === 'crash') {
    svc.crash.forEach(err)
    setTimeout(() => process.exit(1), 100)
    return
  }
  if (opts.fault === 'oom') {
    growUntilKilled()
    return
  }
  const closed = svc.closedMs ?? 0
  if (closed === 'forever') setInterval(() => {}, 1 << 30) // loading never ends; keep the process alive
  else if (closed > 0) setTimeout(() => listen(svc, opts), closed)
  else listen(svc, opts)
}

main()
