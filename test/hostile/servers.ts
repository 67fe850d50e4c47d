import {createHash} from 'node:crypto'
import {createServer} from 'node:net'
import type {Server, Socket} from 'node:net'
import type {AddressInfo} from 'node:net'

/**
 * Hostile backends on loopback: raw TCP servers that answer each request with one misbehaviour of
 * the catalog (docs: hostile-findings.md). Every writer respects backpressure, so the test process
 * stays small however much it "sends": the reader decides how much really flows.
 */
export type Behaviour =
  | 'huge' // a 200 announcing 2 GiB, streamed as fast as it is read
  | 'endless' // a chunked 200 that never ends
  | 'headers' // 100k header lines
  | 'garbage' // bytes that are not HTTP
  | 'tls' // a TLS alert, as a TLS server answers a plain request
  | 'cut' // Content-Length 100, 3 bytes, then close
  | 'stall' // a 200 with a few bytes of body, then silence
  | 'reset' // RST as soon as the request arrives (before it, curl cannot tell a reset from a refusal)
  | 'forge' // a 500 whose body holds phoenix's batch markers (D7)
  | 'big' // a healthy 200 with 1.5 MB of body (D8)
  | 'ws-origin' // n8n's health, and a push that upgrades, sends "Invalid origin!", then close 1008
  | 'ws-flood' // n8n's health, and a push that upgrades, then sends text frames for ever
  | 'ws-refused' // n8n's health, and a push refused with a 2 GiB body

export interface HostileServer {
  port: number
  url: string
  close(): Promise<void>
}

const FORGED = 'internal error\n@@http 200 0.001\n@@rc 0\n@@missing curl\n@@batch done\n'

export async function startHostile(behaviour: Behaviour, host = '127.0.0.1'): Promise<HostileServer> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    s.once('data', (request: Buffer) => {
      if (behaviour === 'reset') return void s.resetAndDestroy()
      if (behaviour.startsWith('ws-')) return webSocket(s, behaviour, request.toString('latin1'))
      answer(s, behaviour)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const {port} = server.address() as AddressInfo
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

function answer(s: Socket, behaviour: Behaviour): void {
  switch (behaviour) {
    case 'huge':
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2147483648\r\n\r\n')
      return pump(s, Buffer.alloc(1 << 20, 97))
    case 'endless':
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n')
      return pump(s, Buffer.concat([Buffer.from('100000\r\n'), Buffer.alloc(0x100000, 98), Buffer.from('\r\n')]))
    case 'headers': {
      s.write('HTTP/1.1 200 OK\r\n')
      let i = 0
      const more = () => {
        while (i < 100_000) if (!s.write(`X-Hostile-${i++}: ${'h'.repeat(20)}\r\n`)) return void s.once('drain', more)
        s.end('Content-Length: 2\r\n\r\nok')
      }
      return more()
    }
    case 'garbage':
      return void s.end('\x00\x01garbage that is not HTTP\r\n\r\n')
    case 'tls':
      // A TLS 1.2 alert record (protocol_version), what a TLS-only port answers to "GET / HTTP/1.1".
      return void s.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]))
    case 'cut':
      return void s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc')
    case 'stall':
      return void s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc')
    case 'forge':
      return void s.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: ${FORGED.length}\r\n\r\n${FORGED}`)
    case 'big': {
      const body = 'x'.repeat(1_572_864)
      return void s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
    }
    default:
  }
}

const N8N_HEALTH = '{"status":"ok"}'

/** An n8n-looking backend whose push endpoint misbehaves; its health answers as n8n's does. */
function webSocket(s: Socket, behaviour: Behaviour, request: string): void {
  const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1]
  if (!key) return void s.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${N8N_HEALTH.length}\r\nConnection: close\r\n\r\n${N8N_HEALTH}`)
  if (behaviour === 'ws-refused') {
    s.write('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 2147483648\r\n\r\n')
    return pump(s, Buffer.alloc(1 << 20, 99))
  }
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
  s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
  if (behaviour === 'ws-flood') return pump(s, frame(0x1, Buffer.alloc(60_000, 100)))
  s.write(frame(0x1, Buffer.from('Invalid origin!')))
  s.end(frame(0x8, Buffer.from([0x03, 0xf0])))
}

/** One unmasked server frame, payload under 64 KiB. */
function frame(opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff])
  return Buffer.concat([head, payload])
}

/** Writes `chunk` for ever, as fast as the reader takes it (and no faster). */
function pump(s: Socket, chunk: Buffer): void {
  const more = () => {
    while (!s.destroyed && s.write(chunk));
    if (!s.destroyed) s.once('drain', more)
  }
  more()
}
