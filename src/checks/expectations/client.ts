import type {Expectation} from '../../model/check-spec.js'
import {answerLine, brokenAnswer, slowOrPass} from './http.js'
import type {BodyCheck} from './http.js'
import {judgeRedirect} from './redirect.js'

/**
 * A request through the gateway, as a user's would go. The gateway's own status codes say which
 * part of it broke: refused (nginx down), 404 (no route), 502/504 (nginx could not use its upstream),
 * a 3xx (a redirect where the service answers directly; `requested` tells the gateway's own
 * http→https redirect from the rest).
 */
export function clientAnswers(what: string, slowMs: number, accept: BodyCheck, requested?: string): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'http') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.error) {
      const code = obs.error.code
      const finding = brokenAnswer(code) ?? (code === 'tls' ? 'gateway_tls' : code === 'timeout' ? 'gateway_timeout' : code === 'dns' ? 'gateway_dns' : 'gateway_down')
      return {status: 'fail', summary: `${what}: ${obs.error.message}`, finding, evidence: [obs.error.message]}
    }
    const status = obs.status ?? 0
    const line = answerLine(what, obs)
    const judged = accept(status, obs.body ?? '', seen)
    if (judged) return {...judged, evidence: judged.evidence ?? [line]}
    if (status >= 300 && status < 400) return judgeRedirect(what, obs, requested)
    if (status >= 200 && status < 300) return slowOrPass(`${what} answered ${status}`, obs, slowMs)
    const finding =
      status === 404 ? 'route_missing'
      : status === 502 ? 'upstream_refused'
      : status === 504 ? 'upstream_timeout'
      : status === 401 || status === 403 ? 'client_forbidden'
      : status >= 500 ? 'upstream_error'
      : 'client_unexpected'
    return {status: 'fail', summary: `${what} answered ${status}`, finding, evidence: [line]}
  }
}
