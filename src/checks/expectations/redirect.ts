import type {Judgement} from '../../model/check-spec.js'
import type {HttpObservation} from '../../model/probes.js'

/**
 * A 3xx through the route, where the service answers directly (no kind's client call is a
 * redirect by nature; a kind whose is says so in its own `accept`). phoenix never follows it: the
 * Location goes into the evidence (a 307 to a metadata address is not "healthy"). A redirect of
 * the very URL to https is the gateway's own http→https rule: phoenix was given the http URL.
 */
export function judgeRedirect(what: string, obs: HttpObservation, requested: string | undefined): Judgement {
  const status = obs.status ?? 0
  const location = obs.headers?.['location']
  const line = `${what} → ${status}${location ? ` Location: ${location}` : ' without a Location'}`
  if (location && requested && isHttpsOfSame(location, requested)) {
    return {status: 'fail', summary: `${what} answered ${status} to ${location}: the gateway redirects http to https`, finding: 'gateway_https_redirect', evidence: [line]}
  }
  return {status: 'fail', summary: `${what} answered ${status}${location ? ` to ${location}` : ''}: a redirect where the service answers directly`, finding: 'client_redirected', evidence: [line]}
}

/** `https://…` with the same path and query as the plain-http URL that was asked. */
function isHttpsOfSame(location: string, requested: string): boolean {
  try {
    const to = new URL(location, requested)
    const from = new URL(requested)
    return from.protocol === 'http:' && to.protocol === 'https:' && to.pathname === from.pathname && to.search === from.search
  } catch {
    return false
  }
}
