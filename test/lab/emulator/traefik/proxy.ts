import {request as httpRequest} from 'node:http'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {request as httpsRequest} from 'node:https'

import {send} from '../http.js'

/**
 * The reverse proxy (pkg/proxy/httputil): the request goes to the server URL with the path the
 * router's middlewares left, the client's Host kept (passHostHeader, the default) and the X-Forwarded-*
 * headers added. A server that cannot be used answers as Traefik's ComputeStatusCode says: 502 Bad
 * Gateway (refused, reset, a TLS handshake with a plain port, a certificate not trusted), 504
 * Gateway Timeout (a dial or read timeout).
 */

const HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']
/** Traefik's default serversTransport dialTimeout is 30 s; the lab's answers are short. */
const DIAL_TIMEOUT_MS = 30_000

/** The request's path and query after the router's middlewares, and the prefix stripPrefix took. */
export interface Rewritten {
  path: string
  forwardedPrefix?: string
}

export function forward(req: IncomingMessage, res: ServerResponse, server: string, passHost: boolean, entryPoint: string, rewritten: Rewritten): void {
  const base = new URL(server)
  // The request's path after the middlewares (an empty one is /); Traefik v3 puts the server URL's
  // own path before it only for a server with preservePath (pkg/proxy/httputil), which the lab never sets.
  const path = `${rewritten.path.startsWith('/') ? '' : '/'}${rewritten.path}`
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.includes(k)) headers[k] = v
  const client = req.socket.remoteAddress ?? ''
  headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${client}` : client
  headers['x-forwarded-host'] = req.headers.host ?? ''
  headers['x-forwarded-proto'] = 'http'
  headers['x-forwarded-server'] = 'traefik'
  headers['x-real-ip'] = client
  if (rewritten.forwardedPrefix !== undefined) headers['x-forwarded-prefix'] = rewritten.forwardedPrefix
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '')
  if (!passHost) headers.host = base.host
  const send_ = base.protocol === 'https:' ? httpsRequest : httpRequest
  const up = send_({host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), method: req.method, path, headers, timeout: DIAL_TIMEOUT_MS, servername: base.hostname}, (answer) => {
    const out: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP.includes(k)) out[k] = v
    res.writeHead(answer.statusCode ?? 502, out)
    answer.pipe(res)
    answer.on('error', () => res.destroy())
  })
  up.on('timeout', () => up.destroy(Object.assign(new Error('i/o timeout'), {code: 'ETIMEDOUT'})))
  up.on('error', (error: NodeJS.ErrnoException) => {
    if (res.headersSent) return void res.destroy()
    const status = error.code === 'ETIMEDOUT' ? 504 : 502
    process.stdout.write(`${new Date().toISOString()} DBG ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'} error="${error.message}" entryPointName=${entryPoint}\n`)
    send(res, status, status === 504 ? 'Gateway Timeout' : 'Bad Gateway', 'text/plain; charset=utf-8')
  })
  req.pipe(up)
}
