import type {NetError, NetErrorCode} from '../model/probes.js'

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
  HPE_HEADER_OVERFLOW: 'protocol',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_INFO: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'truncated',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls_mismatch',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'tls_mismatch',
  ERR_SSL_HTTP_REQUEST: 'tls_mismatch',
}

/** What an operator reads for the codes whose own message says little. */
const PLAIN_WORDS: Partial<Record<NetErrorCode, string>> = {
  protocol: 'connected, but the answer is not HTTP',
  tls_mismatch: 'one side speaks TLS and the other plain HTTP (an https URL to a plain port, or http to a TLS port)',
  reset: 'the connection was reset (accepted, then dropped by the program on the port)',
}

/** The first bytes of a TLS record (handshake or alert, any version): a TLS server answering plain HTTP. */
function looksLikeTls(data: unknown): boolean {
  return typeof data === 'string' && data.length >= 2 && (data.charCodeAt(0) === 0x15 || data.charCodeAt(0) === 0x16) && data.charCodeAt(1) === 0x03
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
    if (name === 'HTTPParserError') {
      const tls = looksLikeTls((e as {data?: unknown}).data)
      return {code: tls ? 'tls_mismatch' : 'protocol', message: `${PLAIN_WORDS[tls ? 'tls_mismatch' : 'protocol']}: ${message}`}
    }
    if (/wrong version number|packet length too long|http request/i.test(message) && /SSL|TLS/i.test(`${code} ${message}`)) {
      return {code: 'tls_mismatch', message: `${PLAIN_WORDS.tls_mismatch}: ${code || 'TLS'}`}
    }
    const known = BY_NODE_CODE[code]
    if (known) return {code: known, message: `${PLAIN_WORDS[known] ? `${PLAIN_WORDS[known]}: ` : ''}${code}: ${message}`}
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
    : exitCode === 35 && /wrong version number|packet length too long|http request/i.test(stderr) ? 'tls_mismatch'
    : exitCode === 35 || exitCode === 51 || exitCode === 58 || exitCode === 60 || exitCode === 77 ? 'tls'
    : exitCode === 18 ? 'truncated'
    : exitCode === 56 && /header/i.test(stderr) ? 'protocol'
    : exitCode === 52 || exitCode === 56 ? 'reset'
    : exitCode === 1 || exitCode === 8 || exitCode === 100 ? 'protocol'
    : 'other'
  const plain = PLAIN_WORDS[code]
  return {code, message: plain && !message.includes(plain) ? `${plain}: ${message}` : message}
}

/** nc / bash /dev/tcp failure text mapped the same way. */
export function netErrorFromText(text: string): NetError {
  const message = text.trim().split('\n').pop() || 'connect failed'
  if (/refused/i.test(text)) return {code: 'refused', message}
  if (/timed out|timeout/i.test(text)) return {code: 'timeout', message}
  if (/no route|unreachable/i.test(text)) return {code: 'unreachable', message}
  return {code: 'timeout', message}
}
