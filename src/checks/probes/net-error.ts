import type {NetError, NetErrorCode} from './types.js'

/** Error codes of node, undici and curl, mapped to the few causes an operator acts on. */
const BY_NODE_CODE: Record<string, NetErrorCode> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ABORT_ERR: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  UND_ERR_SOCKET: 'reset',
  HPE_INVALID_CONSTANT: 'protocol',
  UND_ERR_INFO: 'protocol',
}

/** Classifies an error thrown by node's net/tls or undici. */
export function netErrorFrom(error: unknown): NetError {
  const chain: unknown[] = []
  for (let e: unknown = error; e && chain.length < 5; e = (e as {cause?: unknown}).cause) chain.push(e)
  for (const e of chain) {
    const code = (e as {code?: string}).code ?? ''
    const name = (e as {name?: string}).name ?? ''
    const message = (e as {message?: string}).message ?? String(e)
    if (name === 'TimeoutError' || name === 'AbortError') return {code: 'timeout', message: 'no answer before the timeout'}
    if (BY_NODE_CODE[code]) return {code: BY_NODE_CODE[code], message: `${code}: ${message}`}
    if (code.startsWith('ERR_TLS') || code.includes('CERT') || /certificate|SSL|TLS/i.test(message)) {
      return {code: 'tls', message: `${code || 'TLS'}: ${message}`}
    }
  }
  const first = chain[0] as {code?: string; message?: string} | undefined
  return {code: 'other', message: first?.message ?? String(error)}
}

/** curl exit codes (man curl, EXIT CODES) mapped the same way. */
export function netErrorFromCurl(exitCode: number, stderr: string): NetError {
  const message = stderr.trim().split('\n').pop() || `curl exited ${exitCode}`
  const code: NetErrorCode =
    exitCode === 7 ? (/refused/i.test(stderr) ? 'refused' : /route|unreachable/i.test(stderr) ? 'unreachable' : 'refused')
    : exitCode === 28 ? 'timeout'
    : exitCode === 6 ? 'dns'
    : exitCode === 35 || exitCode === 51 || exitCode === 58 || exitCode === 60 || exitCode === 77 ? 'tls'
    : exitCode === 52 || exitCode === 56 ? 'reset'
    : exitCode === 1 || exitCode === 8 ? 'protocol'
    : 'other'
  return {code, message}
}

/** nc / bash /dev/tcp failure text mapped the same way. */
export function netErrorFromText(text: string): NetError {
  const message = text.trim().split('\n').pop() || 'connect failed'
  if (/refused/i.test(text)) return {code: 'refused', message}
  if (/timed out|timeout/i.test(text)) return {code: 'timeout', message}
  if (/no route|unreachable/i.test(text)) return {code: 'unreachable', message}
  return {code: 'timeout', message}
}
