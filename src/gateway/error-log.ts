import {splitHostPort} from './directive-read.js'
import type {ErrorLogEntry} from '../model/nginx.js'

/**
 * nginx error.log lines (ngx_log_error_core + ngx_http_log_error_handler):
 * `YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN <msg>, client: …, server: …, request: "…", upstream: "…", host: "…"`.
 */

// Not anchored at the start: journald and `docker logs` put their own prefix before the line.
const LINE = /(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/
const FIELD = /(\w+): ("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy
const QUOTED_FIELDS = new Set(['request', 'upstream', 'host', 'referrer', 'subrequest'])

/** Reads error.log lines; lines in no nginx format (continuations, blanks) are skipped. */
export function parseErrorLog(lines: string[]): ErrorLogEntry[] {
  const out: ErrorLogEntry[] = []
  for (const line of lines) {
    const m = LINE.exec(line.trimEnd())
    if (m) out.push(entry(m[1]!, m[2]!, m[3]!))
  }
  return out
}

function entry(time: string, level: string, rest: string): ErrorLogEntry {
  // The request context always starts with ", client: " (ngx_http_log_error).
  const at = rest.indexOf(', client: ')
  const message = at === -1 ? rest : rest.slice(0, at)
  const fields = at === -1 ? {} : readFields(rest.slice(at + 2))
  const errno = /\((\d+): [^)]*\)/.exec(message)
  const peer = peerOf(fields['upstream'], message)
  return {
    time,
    level,
    message,
    ...fields,
    ...(errno ? {errno: Number(errno[1])} : {}),
    ...(peer ? {peer} : {}),
    kind: kindOf(message),
  }
}

function readFields(context: string): Partial<Record<'upstream' | 'request' | 'host' | 'client' | 'server', string>> {
  const out: Record<string, string> = {}
  FIELD.lastIndex = 0
  for (let m = FIELD.exec(context); m; m = FIELD.exec(context)) {
    const [, key = '', raw = ''] = m
    out[key] = QUOTED_FIELDS.has(key) && raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
    if (FIELD.lastIndex >= context.length) break
  }
  const {upstream, request, host, client, server} = out
  return Object.fromEntries(Object.entries({upstream, request, host, client, server}).filter(([, v]) => v !== undefined))
}

function peerOf(upstream: string | undefined, message: string): ErrorLogEntry['peer'] {
  const connect = /connect\(\) to (\S+) failed/.exec(message)
  const from = upstream ?? connect?.[1]
  if (from === undefined) return undefined
  const scheme = /^([a-z]+):\/\//i.exec(from)
  const hostPort = from.slice(scheme?.[0].length ?? 0).split('/')[0] ?? ''
  const {host, port} = splitHostPort(hostPort, scheme?.[1]?.toLowerCase() === 'https' ? 443 : 80)
  return {address: host, port}
}

function kindOf(message: string): ErrorLogEntry['kind'] {
  if (message.includes('no live upstreams')) return 'no_live_upstreams'
  if (message.includes('upstream prematurely closed')) return 'prematurely_closed'
  if (/\(111: /.test(message) || message.includes('Connection refused')) return 'refused'
  if (/\(110: /.test(message) || message.includes('timed out')) return 'timeout'
  return 'other'
}

/**
 * Entries whose upstream is address:port (any scheme/uri), newest last. `upstreamName` also takes
 * the entries logged under the upstream block's name: `no live upstreams` names no peer.
 */
export function entriesFor(entries: ErrorLogEntry[], address: string, port: number, upstreamName?: string): ErrorLogEntry[] {
  const want = address.replace(/^\[|\]$/g, '')
  return entries
    .filter((e) => e.peer !== undefined && ((e.peer.address === want && e.peer.port === port) || (upstreamName !== undefined && e.peer.address === upstreamName)))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
}
