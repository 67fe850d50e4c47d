import type {NetIo} from '../../io/types.js'
import {listenAddressSnippet, urlAtListenAddress} from './listen-address.js'
import {netErrorFromCurl} from './net-error.js'
import {bodyStart, redact} from './redact.js'
import {marker, missingTool, needTool, q, seconds} from './shell-words.js'
import type {HttpObservation, HttpProbe, Observation} from './types.js'

/** Values of the secret headers, so they can be masked wherever they might echo back. */
export function secretValues(probe: HttpProbe): string[] {
  return (probe.secretHeaders ?? []).map((h) => probe.headers?.[h]).filter((v): v is string => Boolean(v))
}

/** Runs the request from this process. */
export function runHttpNative(probe: HttpProbe, io: NetIo, timeoutMs: number): Promise<HttpObservation> {
  return io.http(probe, timeoutMs)
}

/**
 * curl at a remote vantage. The status line goes out through -w after the body, on a line of its
 * own, so a body of any shape cannot be mistaken for it.
 */
export function httpSnippet(probe: HttpProbe, timeoutMs: number): string {
  const args = ['-sS', '-o', '-', '--max-time', seconds(timeoutMs), '-w', q('\n@@http %{http_code} %{time_total}\n')]
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
  return needTool('curl', `${pick}${feed}curl ${args.join(' ')} 2>&1; echo "@@rc $?"`)
}

/** Reads what httpSnippet printed. */
export function parseHttp(lines: readonly string[], probe: HttpProbe): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: `${tool} is not installed there`}
  const at = lines.findIndex((l) => l.startsWith('@@http '))
  const [code, time] = marker(lines, 'http') ?? []
  const rc = Number(marker(lines, 'rc')?.[0] ?? 1)
  const latencyMs = Math.round(Number(time ?? 0) * 1000)
  const body = at === -1 ? '' : lines.slice(0, at).join('\n')
  const after = at === -1 ? lines.filter((l) => !l.startsWith('@@')) : lines.slice(at + 1).filter((l) => !l.startsWith('@@'))
  const status = Number(code)
  if (rc !== 0 || !status) {
    // curl's message may quote what the backend sent (a body cut by the timeout, a header): masked like a body.
    const error = netErrorFromCurl(rc, after.join('\n') || body)
    return {kind: 'http', latencyMs, error: {...error, message: redact(error.message, secretValues(probe))}}
  }
  return {kind: 'http', latencyMs, status, body: bodyStart(body, secretValues(probe))}
}
