import {readFile} from 'node:fs/promises'
import {connect} from 'node:net'

import {netErrorFrom} from './net-error.js'
import {bodyStart, OBSERVE_LIMIT, redact} from './redact.js'
import type {HttpObservation, HttpProbe, PingObservation, PingProbe, TcpObservation, TcpProbe} from '../model/probes.js'
import {bodyFailure, readBounded} from './bounded-body.js'
import {sniOption} from './sni.js'
import type {NetIo} from '../model/ports.js'
import {webSocketUpgrade} from './websocket-io.js'
import {resolveName} from './dns-io.js'

/** Response headers worth reporting (the rest is noise in a diagnosis). */
const KEPT_HEADERS = ['content-type', 'server', 'location', 'www-authenticate', 'upgrade', 'connection', 'content-length']

/** The real network IO: undici for HTTP, node:net for TCP, the system ping through the ping package, getaddrinfo for names. */
export function createNetIo(): NetIo {
  return {http: httpRequest, tcp: tcpConnect, ping: pingOnce, websocket: webSocketUpgrade, dns: resolveName}
}

type Undici = typeof import('undici')
type UndiciAgent = InstanceType<Undici['Agent']>

/**
 * One undici Agent per connect setting (timeout, CA file, SNI name) for the process, not one per
 * request: an Agent per request cost about half of phoenix's CPU for 1000 services (BENCHMARKS.md).
 * Each request still opens its own connection and closes it after the answer (`reset`): a probe
 * never rides on a socket another probe opened, so every answer and every failure is its own.
 */
const agents = new Map<string, Promise<UndiciAgent>>()

function agentFor(undici: Undici, probe: HttpProbe, timeoutMs: number): Promise<UndiciAgent> {
  const key = JSON.stringify([timeoutMs, probe.caFile ?? null, probe.servername ?? null])
  let agent = agents.get(key)
  if (!agent) {
    agent = (async () => {
      const ca = probe.caFile ? await readFile(probe.caFile, 'utf8') : undefined
      return new undici.Agent({connect: {timeout: timeoutMs, ...(ca ? {ca} : {}), ...sniOption(probe.servername)}})
    })()
    // A CA file that could not be read is tried again by the next probe, and said by each.
    agent.catch(() => agents.delete(key))
    agents.set(key, agent)
  }
  return agent
}

async function httpRequest(probe: HttpProbe, timeoutMs: number): Promise<HttpObservation> {
  // Imported here, not at the top: start-up of commands that never make a request stays fast.
  const undici = await import('undici')
  const secrets = (probe.secretHeaders ?? []).map((h) => probe.headers?.[h] ?? '').filter(Boolean)
  const started = performance.now()
  try {
    const agent = await agentFor(undici, probe, timeoutMs)
    const headers: Record<string, string> = {...probe.headers}
    if (probe.hostHeader) headers.host = probe.hostHeader
    const res = await undici.request(probe.url, {
      method: probe.method ?? 'GET',
      headers,
      ...(probe.body !== undefined ? {body: probe.body} : {}),
      dispatcher: agent,
      reset: true,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    // Never the whole body: a 2 GiB or endless answer costs OBSERVE_LIMIT, then the stream is destroyed.
    const body = await readBounded(res.body, OBSERVE_LIMIT)
    const kept: Record<string, string> = {}
    for (const name of KEPT_HEADERS) {
      const v = res.headers[name]
      if (v !== undefined) kept[name] = redact(Array.isArray(v) ? v.join(', ') : v, secrets)
    }
    const answer: HttpObservation = {kind: 'http', status: res.statusCode, latencyMs: elapsed(started), headers: kept, body: bodyStart(body.text, secrets)}
    if (body.truncated) answer.truncated = true
    // The headers came but the body broke off: the status is real, and the error says how it broke.
    if (body.error !== undefined) {
      const e = bodyFailure(body.error, res.statusCode, Buffer.byteLength(body.text), res.headers['content-length'])
      answer.error = {...e, message: redact(e.message, secrets)}
    }
    return answer
  } catch (error) {
    const e = netErrorFrom(error)
    return {kind: 'http', latencyMs: elapsed(started), error: {...e, message: redact(e.message, secrets)}}
  }
}

function tcpConnect(probe: TcpProbe, timeoutMs: number): Promise<TcpObservation> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = connect({host: probe.host, port: probe.port})
    const done = (obs: TcpObservation) => {
      socket.destroy()
      resolve(obs)
    }
    socket.setTimeout(timeoutMs, () =>
      done({kind: 'tcp', connected: false, latencyMs: elapsed(started), error: {code: 'timeout', message: `no answer to SYN within ${timeoutMs} ms`}}),
    )
    socket.once('connect', () => done({kind: 'tcp', connected: true, latencyMs: elapsed(started)}))
    socket.once('error', (error) => done({kind: 'tcp', connected: false, latencyMs: elapsed(started), error: netErrorFrom(error)}))
  })
}

async function pingOnce(probe: PingProbe, timeoutMs: number): Promise<PingObservation> {
  const ping = (await import('ping')).default
  try {
    const res = await ping.promise.probe(probe.host, {timeout: Math.max(1, Math.ceil(timeoutMs / 1000)), min_reply: 1})
    if (res.alive) return {kind: 'ping', alive: true, ...(typeof res.time === 'number' ? {rttMs: res.time} : {})}
    return {kind: 'ping', alive: false, error: `no echo reply (packet loss ${res.packetLoss}%)`}
  } catch (error) {
    // The ping package rejects when the system ping is missing or refuses to run.
    return {kind: 'ping', alive: false, error: `ping could not run: ${(error as Error).message}`}
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started)
}
