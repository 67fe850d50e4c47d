import {createHash} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

/** RFC 6455 §1.3: the fixed GUID the accept key is derived with. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64')
}

/** True when the request asks for a WebSocket (nginx clears Upgrade unless told to pass it). */
export function wantsWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket'
}

/**
 * Completes the opening handshake with a real 101, or answers 400 as the `ws` library does for a
 * malformed one (no key, wrong version). Returns whether the socket is now a WebSocket.
 */
export function handshake(req: IncomingMessage, socket: Duplex): boolean {
  socket.on('error', () => {}) // a client that vanishes mid-frame must not crash the emulator
  const key = req.headers['sec-websocket-key']
  const version = req.headers['sec-websocket-version']
  if (!wantsWebSocket(req) || typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key) || (version !== undefined && version !== '13')) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    return false
  }
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`]
  socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  return true
}

/** One unmasked, final frame (servers never mask). */
export function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length
  let header: Buffer
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len])
  } else if (len < 65_536) {
    header = Buffer.from([0x80 | opcode, 126, 0, 0])
    header.writeUInt16BE(len, 2)
  } else {
    header = Buffer.alloc(10)
    header[0] = 0x80 | opcode
    header[1] = 127
    header.writeBigUInt64BE(BigInt(len), 2)
  }
  return Buffer.concat([header, payload])
}

export function sendTextFrame(socket: Duplex, text: string): void {
  socket.write(frame(0x1, Buffer.from(text)))
}

/**
 * Sends a close frame, then ends TCP when the peer answers (or after a second). With no code the
 * payload is empty, exactly what `ws.close()` sends; browsers then report code 1005.
 */
export function sendClose(socket: Duplex, code?: number, reason = ''): void {
  let payload = Buffer.alloc(0)
  if (code !== undefined) {
    payload = Buffer.concat([Buffer.alloc(2), Buffer.from(reason)])
    payload.writeUInt16BE(code, 0)
  }
  socket.write(frame(0x8, payload))
  socket.once('data', () => socket.end())
  setTimeout(() => socket.destroy(), 1000).unref()
}
