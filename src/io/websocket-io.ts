import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import type {Duplex} from 'node:stream'

import {netErrorFrom} from '../checks/probes/net-error.js'
import {bodyStart} from '../checks/probes/redact.js'
import type {WebSocketObservation, WebSocketProbe} from '../checks/probes/types.js'
import {readBounded} from './bounded-body.js'
import {sniOption} from './sni.js'

/** What is kept of the body of an answer that is not 101: enough to show which proxy refused. */
const REFUSAL_LIMIT = 16 * 1024

/** How long to wait after a 101 for the server to close the socket (n8n's origin check is immediate). */
const AFTER_UPGRADE_MS = 1000

/**
 * Asks for a WebSocket upgrade as a browser would (Origin included) and reports what happened: the
 * status instead of 101 when a proxy dropped the Upgrade headers, or the close frame the service
 * sent right after accepting. Speaks just enough of RFC 6455 to read one close frame.
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
    const finish = (obs: Omit<WebSocketObservation, 'kind' | 'latencyMs'>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve({kind: 'websocket', latencyMs: latencyMs(), ...obs})
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
      readClose(socket, head, Math.min(AFTER_UPGRADE_MS, timeoutMs)).then((close) => {
        socket.destroy()
        finish({status: 101, ...close})
      })
    })
    req.once('error', (error) => finish({error: netErrorFrom(error)}))
    req.end()
  })
}

/** Waits briefly for a first frame; reports its close code and reason when it is a close frame. */
function readClose(socket: Duplex, head: Buffer, waitMs: number): Promise<{closeCode?: number; closeReason?: string}> {
  return new Promise((resolve) => {
    let buffer = head
    const settle = (value: {closeCode?: number; closeReason?: string}) => {
      clearTimeout(timer)
      socket.removeAllListeners('data')
      resolve(value)
    }
    const timer = setTimeout(() => settle({}), waitMs)
    const inspect = () => {
      const frame = parseFrame(buffer)
      if (frame === 'incomplete') return
      settle(frame)
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      inspect()
    })
    socket.once('close', () => settle({}))
    socket.once('error', () => settle({}))
    if (buffer.length) inspect()
  })
}

/** The close code and reason of a server frame (unmasked), {} for other opcodes. */
function parseFrame(buf: Buffer): {closeCode?: number; closeReason?: string} | 'incomplete' {
  if (buf.length < 2) return 'incomplete'
  const opcode = buf[0]! & 0x0f
  let length = buf[1]! & 0x7f
  let offset = 2
  if (length === 126) {
    if (buf.length < 4) return 'incomplete'
    length = buf.readUInt16BE(2)
    offset = 4
  } else if (length === 127) return {}
  if (opcode !== 0x8) return {}
  if (buf.length < offset + length) return 'incomplete'
  if (length < 2) return {closeCode: 1005}
  return {closeCode: buf.readUInt16BE(offset), closeReason: buf.subarray(offset + 2, offset + length).toString('utf8')}
}

