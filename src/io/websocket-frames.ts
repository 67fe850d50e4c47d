import type {Duplex} from 'node:stream'

/** What the server said right after the 101: its first text messages and its close frame, if any. */
export interface AfterUpgrade {
  messages?: string[]
  closeCode?: number
  closeReason?: string
  /** More arrived than is read (bytes or frames over the bounds): the rest was not looked at. */
  truncated?: boolean
}

/** At most this much of what follows the 101 is read: a service that streams frames cannot grow us. */
const MAX_BYTES = 64 * 1024
const MAX_FRAMES = 16
const MAX_MESSAGES = 4
const MESSAGE_CHARS = 200
/** After a message, how long a close may take to follow it (n8n sends both at once). */
const QUIET_MS = 250

/**
 * Reads the frames a server sends right after accepting (n8n: a text frame "Invalid origin!", then
 * close 1008), until a close frame, the bounds, `waitMs`, or a short quiet after the last frame. Speaks just enough of RFC 6455:
 * unmasked server frames, lengths up to 64 KiB (longer ones end the reading: they are never what
 * a rejection looks like).
 */
export function readAfterUpgrade(socket: Duplex, head: Buffer, waitMs: number): Promise<AfterUpgrade> {
  return new Promise((resolve) => {
    let buffer = head
    let frames = 0
    const seen: AfterUpgrade = {}
    const settle = (extra: Partial<AfterUpgrade> = {}) => {
      clearTimeout(timer)
      socket.removeAllListeners('data')
      resolve({...seen, ...extra})
    }
    let timer = setTimeout(() => settle(), waitMs)
    const started = Date.now()
    const inspect = () => {
      for (;;) {
        const frame = nextFrame(buffer)
        if (frame === 'incomplete') return buffer.length > MAX_BYTES ? settle({truncated: true}) : undefined
        if (frame === 'too-long') return settle({truncated: true})
        buffer = buffer.subarray(frame.size)
        frames++
        if (frame.opcode === 0x8) return settle(closeOf(frame.payload))
        if (frame.opcode === 0x1 && (seen.messages?.length ?? 0) < MAX_MESSAGES) {
          seen.messages = [...(seen.messages ?? []), frame.payload.toString('utf8').slice(0, MESSAGE_CHARS)]
        }
        if (frames >= MAX_FRAMES) return settle({truncated: true})
        // A service that keeps the socket (socket.io's open packet) is not kept waiting for: a
        // rejection's close comes right after its message.
        clearTimeout(timer)
        timer = setTimeout(() => settle(), Math.min(QUIET_MS, Math.max(0, waitMs - (Date.now() - started))))
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
      inspect()
    })
    socket.once('close', () => settle())
    socket.once('error', () => settle())
    if (buffer.length) inspect()
  })
}

type Frame = {opcode: number; payload: Buffer; size: number}

/** The first whole frame of `buf`, or why there is none yet. */
function nextFrame(buf: Buffer): Frame | 'incomplete' | 'too-long' {
  if (buf.length < 2) return 'incomplete'
  const opcode = buf[0]! & 0x0f
  const masked = (buf[1]! & 0x80) !== 0
  let length = buf[1]! & 0x7f
  let offset = 2
  if (length === 127) return 'too-long'
  if (length === 126) {
    if (buf.length < 4) return 'incomplete'
    length = buf.readUInt16BE(2)
    offset = 4
  }
  if (masked) offset += 4
  if (buf.length < offset + length) return 'incomplete'
  let payload = buf.subarray(offset, offset + length)
  if (masked) {
    const key = buf.subarray(offset - 4, offset)
    payload = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!))
  }
  return {opcode, payload, size: offset + length}
}

function closeOf(payload: Buffer): Pick<AfterUpgrade, 'closeCode' | 'closeReason'> {
  if (payload.length < 2) return {closeCode: 1005}
  const reason = payload.subarray(2).toString('utf8').slice(0, MESSAGE_CHARS)
  return {closeCode: payload.readUInt16BE(0), ...(reason ? {closeReason: reason} : {})}
}
