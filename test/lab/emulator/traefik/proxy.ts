import {request as httpRequest} from 'node:http'
import type {ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions, ServerResponse} from 'node:http'
import {request as httpsRequest} from 'node:https'

import {send} from '../http.js'

/**
 * The reverse proxy (pkg/proxy/httputil, Go's httputil.ReverseProxy): the request goes to the server
 * URL with the path the router's middlewares left, the client's Host kept (passHostHeader, the
 * default), the hop-by-hop headers removed (RFC 7230 6.1: the fixed list and those the Connection
 * header names) and the X-Forwarded-* headers added. A server that cannot be used answers as
 * Traefik's ComputeStatusCode says: 502 Bad Gateway (refused, reset, a TLS handshake with a plain
 * port, a certificate not trusted), 504 Gateway Timeout (a dial or read timeout).
 */

/** Go's hopHeaders (net/http/httputil/reverseproxy.go). */
const HOP = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']
/** Traefik's default serversTransport dialTimeout is 30 s; the lab's answers are short. */
const DIAL_TIMEOUT_MS = 30_000

/** The request's path and query after the router's middlewares, and the prefix stripPrefix took. */
export interface Rewritten {
  path: string
  forwardedPrefix?: string
}

/** Headers without the hop-by-hop ones: Go's removeHopByHopHeaders. */
export function endToEnd(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = String(h.connection ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.includes(k) && !named.includes(k)) out[k] = v
  return out
}

/** The protocol a request asks to switch to (Go's upgradeType): Upgrade, where Connection has the token `upgrade`. */
export function upgradeType(h: IncomingHttpHeaders): string | undefined {
  const asks = String(h.connection ?? '').split(',').some((t) => t.trim().toLowerCase() === 'upgrade')
  return asks && h.upgrade ? h.upgrade : undefined
}

/**
 * The request to the server, not yet sent. An upgrade keeps `Connection: Upgrade` and its `Upgrade`
 * (the ReverseProxy sets them again after removing the hop-by-hop headers), and a WebSocket's
 * X-Forwarded-Proto is `ws` (pkg/middlewares/forwardedheaders: an untrusted client's is replaced).
 */
export function upstreamRequest(req: IncomingMessage, server: string, passHost: boolean, rewritten: Rewritten): ClientRequest {
  const base = new URL(server)
  // The request's path after the middlewares (an empty one is /); Traefik v3 puts the server URL's
  // own path before it only for a server with preservePath (pkg/proxy/httputil), which the lab never sets.
  const path = `${rewritten.path.startsWith('/') ? '' : '/'}${rewritten.path}`
  const headers = endToEnd(req.headers)
  const client = req.socket.remoteAddress ?? ''
  const upgrade = upgradeType(req.headers)
  headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${client}` : client
  headers['x-forwarded-host'] = req.headers.host ?? ''
  headers['x-forwarded-proto'] = upgrade?.toLowerCase() === 'websocket' ? 'ws' : 'http'
  headers['x-forwarded-server'] = 'traefik'
  headers['x-real-ip'] = client
  if (rewritten.forwardedPrefix !== undefined) headers['x-forwarded-prefix'] = rewritten.forwardedPrefix
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '')
  if (!passHost) headers.host = base.host
  if (upgrade) Object.assign(headers, {connection: 'Upgrade', upgrade})
  const options: RequestOptions & {servername: string} = {host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), method: req.method, path, headers, timeout: DIAL_TIMEOUT_MS, servername: base.hostname,
    // An upgraded connection is the client's alone: never from or back to a pool.
    ...(upgrade ? {agent: false} : {})}
  const up = (base.protocol === 'https:' ? httpsRequest : httpRequest)(options)
  up.on('timeout', () => up.destroy(Object.assign(new Error('i/o timeout'), {code: 'ETIMEDOUT'})))
  return up
}

/** A server's answer other than a switch of protocols, passed back without its hop-by-hop headers. */
export function passBack(answer: IncomingMessage, res: ServerResponse): void {
  res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
  answer.pipe(res)
  answer.on('error', () => res.destroy())
}

/** The error handler: 502, or 504 for a timeout, with Traefik's debug line. */
export function proxyFailed(res: ServerResponse, entryPoint: string, error: NodeJS.ErrnoException): void {
  if (res.headersSent) return void res.destroy()
  const status = error.code === 'ETIMEDOUT' ? 504 : 502
  process.stdout.write(`${new Date().toISOString()} DBG ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'} error="${error.message}" entryPointName=${entryPoint}\n`)
  send(res, status, status === 504 ? 'Gateway Timeout' : 'Bad Gateway', 'text/plain; charset=utf-8')
}

export function forward(req: IncomingMessage, res: ServerResponse, server: string, passHost: boolean, entryPoint: string, rewritten: Rewritten): void {
  const up = upstreamRequest(req, server, passHost, rewritten)
  up.on('response', (answer) => passBack(answer, res))
  up.on('error', (error: NodeJS.ErrnoException) => proxyFailed(res, entryPoint, error))
  req.pipe(up)
}
