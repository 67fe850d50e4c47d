import type {Expectation, Judgement, Seen} from '../../model/check-spec.js'
import {OBSERVE_LIMIT} from '../../io/redact.js'
import type {Finding} from '../../model/findings.js'
import type {HttpObservation, NetErrorCode} from '../../model/probes.js'

/** Findings for an answer that broke after the connection was made: what happened, not "down" or "firewall". */
const BROKEN_ANSWER: Partial<Record<NetErrorCode, Finding>> = {
  protocol: 'answer_not_http',
  tls_mismatch: 'tls_mismatch',
  truncated: 'answer_truncated',
  stalled: 'answer_stalled',
  reset: 'connection_reset',
}

/** The finding for a failed request at a service's own port (inside the CT, from the host, from the gateway). */
export function requestFailure(code: NetErrorCode): Finding {
  return BROKEN_ANSWER[code] ?? (code === 'timeout' ? 'api_timeout' : code === 'refused' ? 'api_refused' : 'api_error')
}

/** The finding for an answer that broke after connecting, wherever it happened; undefined for other failures. */
export function brokenAnswer(code: NetErrorCode): Finding | undefined {
  return BROKEN_ANSWER[code]
}

/**
 * A service's own reading of an answer (any status): a judgement when it knows what the answer
 * means (llama.cpp's 503 "Loading model" is starting, not broken), undefined to fall through to
 * the generic rules.
 */
export type BodyCheck = (status: number, body: string, seen: Seen) => Judgement | undefined

/**
 * A 200 whose body lacks the service's own words is not this service's answer: another service on
 * the port (api_unexpected), or a route that sent another path (route_wrong_target).
 */
export function twoHundredWithout(marker: string, summary: string, finding: 'api_unexpected' | 'route_wrong_target'): BodyCheck {
  return (status, body) => (status === 200 && !body.includes(marker) ? {status: 'fail', summary, finding} : undefined)
}

/** `GET /healthz → 503` with the start of the body, for evidence. */
export function answerLine(what: string, obs: HttpObservation): string {
  const body = (obs.body ?? '').replace(/\s+/g, ' ').trim().slice(0, 160)
  return `${what} → ${obs.status ?? obs.error?.code ?? '?'}${body ? ` ${body}` : ''}`
}

/**
 * The service's own health endpoint must answer 2xx in time. Used inside the CT, from the host and
 * from the gateway: the same expectation at every vantage, so the layers are comparable.
 */
export function healthAnswers(what: string, slowMs: number, verify?: BodyCheck): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'http') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.error) {
      const finding = requestFailure(obs.error.code)
      return {status: 'fail', summary: `${what}: ${obs.error.code === 'timeout' ? 'no answer before the timeout' : obs.error.message}`, finding}
    }
    const status = obs.status ?? 0
    const line = answerLine(what, obs)
    const known = verify?.(status, obs.body ?? '', seen)
    if (known) return {...known, evidence: known.evidence ?? [line]}
    if (status >= 500) return {status: 'fail', summary: `${what} answered ${status}, expected 2xx`, finding: 'api_unhealthy', evidence: [line]}
    if (status < 200 || status >= 300) return {status: 'fail', summary: `${what} answered ${status}, expected 2xx`, finding: 'api_unexpected', evidence: [line]}
    return slowOrPass(`${what} answered ${status}`, obs, slowMs)
  }
}

/** A good answer that took longer than the threshold is a warning, with the time it took. */
export function slowOrPass(summary: string, obs: HttpObservation, slowMs: number): Judgement {
  if (obs.truncated) {
    return {status: 'warn', summary: `${summary}, with a body over ${OBSERVE_LIMIT / 1024} KiB: phoenix read that much and discarded the rest`, finding: 'answer_oversized', evidence: [`the body's first ${OBSERVE_LIMIT / 1024} KiB were read, the rest was not`]}
  }
  if (obs.latencyMs > slowMs) {
    return {status: 'warn', summary: `${summary} in ${obs.latencyMs} ms, over the ${slowMs} ms threshold`, finding: 'slow', evidence: [`answered in ${obs.latencyMs} ms (threshold ${slowMs} ms)`]}
  }
  return {status: 'pass', summary: `${summary} in ${obs.latencyMs} ms`}
}
