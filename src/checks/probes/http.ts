import type {NetIo} from '../../model/ports.js'
import {listenAddressSnippet, urlAtListenAddress} from './listen-address.js'
import {netErrorFromCurl} from '../../io/net-error.js'
import {bodyStart, OBSERVE_LIMIT, redact} from '../../io/redact.js'
import {mark, marker, missingTool, needTool, plainLines, q, seconds} from '../../io/shell-words.js'
import type {HttpObservation, HttpProbe, NetError, Observation} from '../../model/probes.js'

/** What a remote vantage prints of a body: what a judgement needs, as natively (OBSERVE_LIMIT). */
const BODY_CAP = OBSERVE_LIMIT

/** Values of the secret headers, so they can be masked wherever they might echo back. */
export function secretValues(probe: HttpProbe): string[] {
  return (probe.secretHeaders ?? []).map((h) => probe.headers?.[h]).filter((v): v is string => Boolean(v))
}

/** Runs the request from this process. */
export function runHttpNative(probe: HttpProbe, io: NetIo, timeoutMs: number): Promise<HttpObservation> {
  return io.http(probe, timeoutMs)
}

/**
 * curl at a remote vantage. The body goes through `head -c`, so at most BODY_CAP bytes of it are
 * ever printed (and curl stops at once, write error 23, when a 2 GiB or endless body fills it);
 * the status, curl's error and exit code are captured apart and printed after it as markers, which
 * carry the batch's nonce: a body cannot forge them, and no body can cut them off.
 */
export function httpSnippet(probe: HttpProbe, timeoutMs: number): string {
  const args = ['-sS', '--max-time', seconds(timeoutMs), '-o', '/dev/fd/3', '-w', q('W %{http_code} %{time_total}\n')]
  if (probe.method && probe.method !== 'GET') args.push('-X', q(probe.method))
  if (probe.method === 'HEAD') args.push('-I')
  const secret = new Set(probe.secretHeaders ?? [])
  for (const [name, value] of Object.entries(probe.headers ?? {})) if (!secret.has(name)) args.push('-H', q(`${name}: ${value}`))
  if (probe.hostHeader) args.push('-H', q(`Host: ${probe.hostHeader}`))
  if (probe.body !== undefined) args.push('--data-binary', q(probe.body))
  if (probe.caFile) args.push('--cacert', q(probe.caFile))
  // Inside a CT, the address the service listens on, chosen by the snippet (listen-address.ts).
  args.push('--', probe.listenPort ? urlAtListenAddress(probe.url) : q(probe.url))
  const pick = probe.listenPort ? `${listenAddressSnippet(probe.listenPort)}; ` : ''
  // Secret headers reach curl on its stdin (-H @-), written by printf, a shell builtin: the key is
  // in no process's argv. The script itself arrives on stdin too (see remote-batch.ts).
  const secrets = [...secret].map((name) => `${name}: ${probe.headers?.[name] ?? ''}`)
  const feed = secrets.length ? `printf '%s\n' ${secrets.map((h) => q(h)).join(' ')} | ` : ''
  if (secrets.length) args.unshift('-H', '@-')
  // fd 4: the snippet's output; fd 5: the capture. curl writes the body to fd 3 (head), its -w line
  // and errors to the capture, and the exit code follows them there.
  const request = `{ _r=$( { { ${feed}curl ${args.join(' ')} 2>&1; echo " $?"; } 3>&1 1>&5 | head -c ${BODY_CAP} >&4; } 5>&1 ); } 4>&1`
  // `@@said` ends the body: what follows is curl's own words (its error), then the status and exit code.
  const report = `echo; ${mark('said')}; printf '%s\n' "$_r" | awk ${q(`/^W [0-9]+ / { print ENVIRON["_m"] "http " $2 " " $3; next } /^ [0-9]+$/ { print ENVIRON["_m"] "rc " $1; next } { print }`)}`
  return needTool('curl', `${pick}${request}; ${report}`)
}

/** Reads what httpSnippet printed. */
export function parseHttp(lines: readonly string[], probe: HttpProbe): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: `${tool} is not installed there`}
  const at = lines.indexOf('@@said')
  const [code, time] = marker(lines, 'http') ?? []
  const rc = Number(marker(lines, 'rc')?.[0] ?? 1)
  const latencyMs = Math.round(Number(time ?? 0) * 1000)
  const secrets = secretValues(probe)
  // The body is what came before the markers, less the newline the snippet put after it.
  const body = at === -1 ? '' : lines.slice(0, at).join('\n').replace(/\n$/, '')
  const said = plainLines(at === -1 ? lines : lines.slice(at + 1)).join('\n').trim()
  const status = Number(code)
  const error = rc === 0 || rc === 23 ? undefined : netErrorFromCurl(rc, said)
  const redacted = error ? {...error, message: redact(error.message, secrets)} : undefined
  if (!status || (redacted && redacted.code === 'protocol')) return {kind: 'http', latencyMs, error: redacted ?? {code: 'other', message: `curl exited ${rc}`}}
  // head closed the pipe at BODY_CAP: curl's write error 23 means "there was more".
  const answer: HttpObservation = {kind: 'http', latencyMs, status, body: bodyStart(body, secrets)}
  if (rc === 23) answer.truncated = true
  if (redacted) answer.error = afterStatus(redacted, status, Buffer.byteLength(body))
  return answer
}

/** curl failed after the status line: the body was cut short or still arriving at the timeout. */
function afterStatus(error: NetError, status: number, received: number): NetError {
  if (error.code === 'timeout') return {code: 'stalled', message: `answered ${status}, but the body was still arriving at the timeout (${received} bytes so far)`}
  if (error.code === 'reset' || error.code === 'truncated') return {code: 'truncated', message: `answered ${status}, then the connection closed after ${received} bytes (${error.message})`}
  return error
}
