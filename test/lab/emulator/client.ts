/**
 * Test-side helpers for emulator.test.ts: launch the emulator as a real process with its output
 * captured, and talk to it with raw node:http (fetch cannot set Host, nor speak WebSocket on Node 20).
 */
import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {request} from 'node:http'
import type {IncomingHttpHeaders} from 'node:http'

/** A launched emulator: its port, process, captured stdout/stderr and exit code. */
export interface Emulator {
  port: number
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

export function launch(repo: string, args: readonly string[], port: number, env: NodeJS.ProcessEnv = process.env): Emulator {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/lab/emulator/main.ts', ...args], {cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {port, child, stdout: () => out, stderr: () => err, exited}
}

/** Polls until `test` holds; fails naming `what` after `ms` (generous: the machine may be loaded). */
export async function until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies of many shapes
  json: () => any
}

export interface Call {
  method?: string
  headers?: Record<string, string>
  body?: unknown
  /** Give up (reject) when no answer arrives in time: how the hang fault is observed. */
  timeoutMs?: number
}

/** One HTTP/1.1 request to 127.0.0.1 on a fresh connection. */
export function call(port: number, path: string, {method = 'GET', headers = {}, body, timeoutMs = 10_000}: Call = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, method, headers, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text)})
      })
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

/** A WebSocket frame as the server sent it (servers never mask). */
export interface Frame {
  opcode: number
  payload: Buffer
}

export function parseFrames(buf: Buffer): Frame[] {
  const frames: Frame[] = []
  let i = 0
  while (i + 2 <= buf.length) {
    let len = buf[i + 1]! & 0x7f
    let off = i + 2
    if (len === 126) {
      if (off + 2 > buf.length) break
      len = buf.readUInt16BE(off)
      off += 2
    }
    if (off + len > buf.length) break
    frames.push({opcode: buf[i]! & 0x0f, payload: buf.subarray(off, off + len)})
    i = off + len
  }
  return frames
}

export interface Upgrade {
  status: number
  headers: IncomingHttpHeaders
  frames: Frame[]
}

/**
 * Opens a WebSocket and collects frames until the server's close frame, `frameCount` frames, or
 * `ms` elapse, then drops the connection. A non-101 answer comes back as an ordinary status.
 */
export function upgrade(port: number, path: string, headers: Record<string, string>, frameCount = Infinity, ms = 5000): Promise<Upgrade> {
  const all = {Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', ...headers}
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, headers: all, agent: false})
    req.on('response', (res) => {
      res.resume()
      resolve({status: res.statusCode ?? 0, headers: res.headers, frames: []})
    })
    req.on('upgrade', (res, socket, head) => {
      let buf = head
      const finish = () => {
        clearTimeout(timer)
        socket.destroy()
        resolve({status: res.statusCode ?? 0, headers: res.headers, frames: parseFrames(buf)})
      }
      const timer = setTimeout(finish, ms)
      const check = () => {
        const frames = parseFrames(buf)
        if (frames.length >= frameCount || frames.some((f) => f.opcode === 0x8)) finish()
      }
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d])
        check()
      })
      socket.on('error', () => {})
      socket.on('close', finish)
      check()
    })
    req.on('error', reject)
    req.end()
  })
}
