import {ServerResponse} from 'node:http'
import type {IncomingMessage} from 'node:http'
import type {Socket} from 'node:net'
import type {Duplex} from 'node:stream'

import {send} from '../http.js'
import {passBack, proxyFailed, upgradeType, upstreamRequest} from './proxy.js'
import type {Rewritten} from './proxy.js'

/**
 * Protocol upgrades (WebSocket) as Traefik passes them: Go's httputil.ReverseProxy sends the request
 * with `Connection: Upgrade` and its `Upgrade` to the server; a 101 whose Upgrade names the protocol
 * asked for is written back to the client with the server's headers, and then the two connections
 * are piped both ways until either ends (handleUpgradeResponse). Any other answer (a refusal: 400,
 * 401, 403, 404) is passed back as an ordinary response, its hop-by-hop headers removed; a 101 to
 * another protocol is 502 ("backend tried to switch protocol").
 */

/**
 * A response written onto an upgrade request's raw socket, so the router's own answers (404, 503,
 * /ping) and a server's refusal go back as they would on an ordinary request; the connection then closes.
 */
export function responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as Socket)
  socket.on('error', () => {}) // a client that vanishes must not crash Traefik
  res.on('finish', () => socket.end())
  return res
}

export function forwardUpgrade(req: IncomingMessage, res: ServerResponse, head: Buffer, server: string, passHost: boolean, entryPoint: string, rewritten: Rewritten): void {
  const client = res.socket!
  const asked = upgradeType(req.headers) ?? ''
  const up = upstreamRequest(req, server, passHost, rewritten)
  up.on('response', (answer) => passBack(answer, res))
  up.on('error', (error: NodeJS.ErrnoException) => proxyFailed(res, entryPoint, error))
  up.on('upgrade', (answer, backend, backendHead) => {
    backend.on('error', () => {})
    if ((answer.headers.upgrade ?? '').toLowerCase() !== asked.toLowerCase()) {
      backend.destroy()
      process.stdout.write(`${new Date().toISOString()} DBG 502 Bad Gateway error="backend tried to switch protocol ${JSON.stringify(answer.headers.upgrade ?? '')} when ${JSON.stringify(asked)} was requested" entryPointName=${entryPoint}\n`)
      return send(res, 502, 'Bad Gateway', 'text/plain; charset=utf-8')
    }
    res.detachSocket(client)
    const lines = ['HTTP/1.1 101 Switching Protocols']
    for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`)
    client.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (backendHead.length) client.write(backendHead)
    if (head.length) backend.write(head)
    const close = () => (client.destroy(), backend.destroy())
    for (const s of [client, backend]) s.on('close', close).on('error', close)
    backend.pipe(client)
    client.pipe(backend)
  })
  up.end()
}
