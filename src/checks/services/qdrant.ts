import {guestLabel} from '../../io/guests/guests.js'
import type {ServiceDef} from '../../model/inventory.js'
import {apiAnswers, listed, parseJson} from '../expectations/api.js'
import {twoHundredWithout} from '../expectations/http.js'
import {keyDroppedByGateway} from '../expectations/route-key.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {ctApi} from '../hint-context.js'
import {insideUrl} from './kind.js'

/**
 * Qdrant: /healthz answers `healthz check passed` (text/plain) and is open even when an api-key is
 * set; /readyz says whether the shards are ready; /collections needs the key (and is what a
 * client asks through the route).
 */
export const qdrantKind: ServiceKindModule = {
  defaultHealth: '/healthz',
  api: true,
  // Qdrant's own header, the bare key; the service reads it from QDRANT__SERVICE__API_KEY.
  key: {header: 'api-key', bearer: false, ownEnv: 'QDRANT__SERVICE__API_KEY'},
  example: {name: 'qdrant', kind: 'qdrant', guest: {kind: 'ct', id: 952}, address: '10.0.0.152', port: 6333, runtime: {docker: 'qdrant'}, route: {path: '/qdrant/'}, apiKeyEnv: 'QDRANT_API_KEY', collections: ['docs']},
  exampleFor: ['not_ready', 'collection_missing', 'api_auth_failed', 'api_key_unset'],
  hints: {
    not_ready: (c) => [{text: 'Some shards are not ready: check the cluster state and the p2p port 6335 between peers', command: ctApi(c, '/cluster', true)}, {text: 'Read the log', command: c.logs}],
  },
  verifyHealth: twoHundredWithout('healthz check passed', 'answered 200 but not "healthz check passed": is this Qdrant?', 'api_unexpected'),
  // A client's real call, with the key (plan.ts adds it): /healthz is open, so it would pass behind
  // a gateway that blanks the key.
  client: (s, c) => ({
    subpath: 'collections',
    accept: (status, body, seen) =>
      keyDroppedByGateway(status, seen, 'service.collections', 'api-key', c.apiKeys.has(s.name)) ??
      twoHundredWithout('"collections"', 'the route answers 200 but not Qdrant\'s collection list: it leads somewhere else', 'route_wrong_target')(status, body, seen),
  }),
  extraChecks: (s, c) => [readyCheck(s, c), collectionsCheck(s, c)],
}

/** /readyz: 503 `some shards are not ready` while a cluster node catches up. */
function readyCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /readyz inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.ready',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/readyz')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, () => undefined, (status, line) =>
      status === 503 ? {status: 'fail', summary: `${what} answered 503: some shards are not ready`, finding: 'not_ready', evidence: [line]} : undefined),
  }
}

/** /collections with the key from the inventory's env var; the expected collections must exist. */
function collectionsCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /collections inside ${guestLabel(s)}`
  const keyNote = s.apiKeyEnv ? (c.apiKeys.has(s.name) ? ` with the key from $${s.apiKeyEnv}` : `, but $${s.apiKeyEnv} is not set`) : ''
  return {
    layer: 'service',
    id: 'service.collections',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/collections')},
    judge: apiAnswers(`${what}${keyNote}`, c.inventory.thresholds.slowMs, (body) => {
      const json = parseJson(body) as {result?: {collections?: {name?: unknown}[]}} | undefined
      const names = json?.result?.collections?.map((x) => String(x.name))
      if (!names) return {status: 'fail', summary: `${what}: not a Qdrant collection list`, finding: 'api_unexpected'}
      const missing = (s.collections ?? []).filter((n) => !names.includes(n))
      if (missing.length) {
        return {status: 'fail', summary: `collection${missing.length > 1 ? 's' : ''} ${listed(missing)} missing; Qdrant has: ${listed(names)}`, finding: 'collection_missing', evidence: [`collections: ${listed(names)}`]}
      }
      return {status: 'pass', summary: `collections: ${listed(names)}`}
    }),
  }
}
