import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import type {Duplex} from 'node:stream'

import {netErrorFrom} from './net-error.js'
import {bodyStart} from './redact.js'
import type {WebSocketObservation, WebSocketProbe} from '../model/probes.js'
import {readBounded} from './bounded-body.js'
import {sniOption} from './sni.js'
import {readAfterUpgrade} from './websocket-frames.js'

/** What is kept of the body of an answer that is not 101: enough to show which proxy refused. */
const REFUSAL_LIMIT = 16 * 1024

/** How long to wait after a 101 for the server to close the socket (n8n's origin check is immediate). */
const AFTER_UPGRADE_MS = 1000

/**
 * Asks for a WebSocket upgrade as a browser would (Origin included) and reports what happened: the
 * status instead of 101 when a proxy dropped the Upgrade headers, or the close frame the service
 * sent right after accepting (its first text messages and close frame, bounded: websocket-frames.ts).
 */
export async function webSocketUpgrade(probe: WebSocketProbe, timeoutMs: number): Promise<WebSocketObservation> {
  const started = performance.now()
  const latencyMs = () => Math.round(performance.now() - started)
  const url = new URL(probe.url)
  const secure = url.protocol === 'https:'
  const {request} = secure ? await import('node:https') : await import('node:http')
  const ca = secure && probe.caFile ? await readFile(probe.caFile, 'utf8').catch(() => undefined) : undefined
  return new Promise((resolve) => {
    let done = false
    const finish = (obs: Omit<WebSocketObservation, 'kind' | 'latencyMs'>, took = latencyMs()) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve({kind: 'websocket', latencyMs: took, ...obs})
    }
    const req = request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...(probe.origin ? {origin: probe.origin} : {}),
        ...(probe.hostHeader ? {host: probe.hostHeader} : {}),
      },
      ...(secure ? {...sniOption(probe.servername ?? url.hostname), ...(ca ? {ca} : {})} : {}),
    })
    const timer = setTimeout(() => finish({error: {code: 'timeout', message: `no answer to the upgrade within ${timeoutMs} ms`}}), timeoutMs)
    req.once('response', (res) => {
      // The refusal's body, bounded: the stream is destroyed once enough is read.
      void readBounded(res, REFUSAL_LIMIT).then(({text, truncated}) => finish({status: res.statusCode ?? 0, body: bodyStart(text), ...(truncated ? {truncated} : {})}))
    })
    req.once('upgrade', (_res, socket: Duplex, head: Buffer) => {
      // The upgrade answered: the timeout was for that, and the latency is its.
      clearTimeout(timer)
      const upgradedMs = latencyMs()
      readAfterUpgrade(socket, head, Math.min(AFTER_UPGRADE_MS, timeoutMs)).then((after) => {
        socket.destroy()
        finish({status: 101, ...after}, upgradedMs)
      })
    })
    req.once('error', (error) => finish({error: netErrorFrom(error)}))
    req.end()
  })
}
