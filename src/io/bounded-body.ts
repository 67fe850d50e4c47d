import type {Readable} from 'node:stream'

import {netErrorFrom} from './net-error.js'
import type {NetError} from '../model/probes.js'

/** What was read of a body: its start, whether more was discarded, and the error that ended it early. */
export interface BoundedBody {
  text: string
  truncated: boolean
  error?: unknown
}

/**
 * Reads a body up to `limit` bytes and then destroys the stream: memory stays bounded whatever the
 * backend sends (a 2 GiB Content-Length, an endless chunked body). Never rejects: an error while
 * reading (reset, timeout, a connection closed short of its Content-Length) comes back with what
 * arrived before it.
 */
export async function readBounded(stream: Readable, limit: number): Promise<BoundedBody> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream) {
      const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
      if (size < limit) chunks.push(piece.subarray(0, limit - size))
      size += piece.length
      if (size > limit) {
        stream.destroy()
        return {text: Buffer.concat(chunks).toString('utf8'), truncated: true}
      }
    }
    return {text: Buffer.concat(chunks).toString('utf8'), truncated: false}
  } catch (error) {
    stream.destroy()
    return {text: Buffer.concat(chunks).toString('utf8'), truncated: false, error}
  }
}

/**
 * Names a failure that came after the status line: the answer was cut short of its Content-Length,
 * still arriving at the timeout, or reset mid-body. Not "nothing answers": something did.
 */
export function bodyFailure(error: unknown, status: number, received: number, contentLength: string | string[] | undefined): NetError {
  const e = netErrorFrom(error)
  const announced = typeof contentLength === 'string' ? ` of the ${contentLength} bytes its Content-Length announced` : ''
  if (e.code === 'timeout') {
    return {code: 'stalled', message: `answered ${status}, but the body was still arriving at the timeout (${received} bytes${announced} so far)`}
  }
  if (e.code === 'reset' || e.code === 'other' || e.code === 'protocol') {
    const said = (error as {code?: string; message?: string}).code ?? (error as Error).message
    return {code: 'truncated', message: `answered ${status}, then the connection closed after ${received} bytes${announced || ' of the body'} (${said})`}
  }
  return e
}
