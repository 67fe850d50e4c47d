import type {Expectation, Judgement, Seen} from '../../model/check-spec.js'
import type {HttpObservation} from '../../model/probes.js'
import {answerLine, requestFailure, slowOrPass} from './http.js'

/** Reads a 2xx answer's body: a judgement, or undefined for a plain pass. */
export type AnswerReader = (body: string, seen: Seen, obs: HttpObservation) => Judgement | undefined

/**
 * A call to a service's own API beyond health (its models, readiness, a one-token completion).
 * Transport failures and the generic statuses are judged here once; the kind reads the body.
 * `onStatus` lets a kind name a status it knows (n8n readiness 503: database not ready).
 */
export function apiAnswers(what: string, slowMs: number, read: AnswerReader, onStatus?: (status: number, line: string) => Judgement | undefined): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'http') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.error) {
      const finding = requestFailure(obs.error.code)
      return {status: 'fail', summary: `${what}: ${obs.error.code === 'timeout' ? 'no answer before the timeout' : obs.error.message}`, finding}
    }
    const status = obs.status ?? 0
    const line = answerLine(what, obs)
    const known = onStatus?.(status, line)
    if (known) return {...known, evidence: known.evidence ?? [line]}
    if (status === 401 || status === 403) {
      return {status: 'fail', summary: `${what} answered ${status}: the API key was refused or not sent`, finding: 'api_auth_failed', evidence: [line]}
    }
    if (status >= 500) return {status: 'fail', summary: `${what} answered ${status}`, finding: 'api_unhealthy', evidence: [line]}
    if (status < 200 || status >= 300) return {status: 'fail', summary: `${what} answered ${status}`, finding: 'api_unexpected', evidence: [line]}
    const judged = read(obs.body ?? '', seen, obs)
    if (judged) return {...judged, evidence: judged.evidence ?? (judged.status === 'pass' ? undefined : [line])}
    return slowOrPass(`${what} answered ${status}`, obs, slowMs)
  }
}

/** The body as JSON, or undefined when it is not (a proxy's HTML page, a cut body). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

/** `a` or `a:latest` style model names compare equal when only the default tag differs. */
export function sameModel(a: string, b: string): boolean {
  const norm = (m: string) => (m.includes(':') ? m : `${m}:latest`)
  return a === b || norm(a) === norm(b)
}

/** A list for a summary: `a, b, c` or `none`. */
export function listed(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none'
}
