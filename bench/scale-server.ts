/**
 * The scale test's estate in one process: N `kind: http` services, each on its own loopback
 * address (127.77.X.Y:8080, as each CT has its own address), every tenth one hanging (it accepts
 * the connection and never answers), plus a gateway on 127.77.0.1:80 that routes /svc-NNN/ to
 * the same behaviour, as nginx would. One process instead of N emulators: at 200 services, 200
 * node processes would measure the machine, not phoenix.
 *
 * Run inside a network namespace the bench owns (the lab's admin machine): its loopback is its
 * own, so a fixed port cannot collide with anything, and nothing leaves the namespace.
 *
 *   tsx bench/scale-server.ts COUNT        prints one JSON line {"ready":COUNT} once all listen
 */
import {createServer} from 'node:http'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Socket} from 'node:net'

import {GATEWAY_ADDRESS, isHanging, SERVICE_PORT, serviceAddress, serviceName} from './scale-plan.js'

const count = Number(process.argv[2])
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: scale-server.ts COUNT\n')
  process.exit(64)
}

/** Hung requests keep their sockets open; they are ended when the bench kills this process. */
const sockets = new Set<Socket>()

function answer(hang: boolean, res: ServerResponse): void {
  if (hang) return // accepted, read, never answered: what a wedged worker looks like from outside
  res.writeHead(200, {'content-type': 'application/json'})
  res.end('{"status":"ok"}\n')
}

function serviceHandler(index: number) {
  return (_req: IncomingMessage, res: ServerResponse) => answer(isHanging(index), res)
}

/** /svc-NNN/... goes to service NNN's behaviour; anything else is the gateway's own page. */
function gatewayHandler(req: IncomingMessage, res: ServerResponse): void {
  const m = /^\/svc-(\d+)\//.exec(req.url ?? '')
  const index = m ? Number(m[1]) - 1 : -1
  if (index >= 0 && index < count) return answer(isHanging(index), res)
  res.writeHead(m ? 404 : 200, {'content-type': 'text/plain'})
  res.end(m ? 'no route\n' : 'gateway\n')
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, host: string, port: number): Promise<void> {
  const server = createServer({keepAliveTimeout: 1000}, handler)
  server.on('connection', (s: Socket) => (sockets.add(s), s.once('close', () => sockets.delete(s))))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({host, port, backlog: 511}, () => resolve())
  })
}

await listen(gatewayHandler, GATEWAY_ADDRESS, 80)
for (let i = 0; i < count; i++) await listen(serviceHandler(i), serviceAddress(i), SERVICE_PORT)
process.stdout.write(`${JSON.stringify({ready: count, hanging: Array.from({length: count}, (_, i) => i).filter(isHanging).map(serviceName)})}\n`)
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy()
  process.exit(0)
})
