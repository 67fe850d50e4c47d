import {guestLabel} from '../../io/guests/guests.js'
import type {ServiceDef} from '../../model/inventory.js'
import {apiAnswers} from '../expectations/api.js'
import {twoHundredWithout} from '../expectations/http.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {insideUrl} from './kind.js'
import {websocketThroughGateway} from './websocket-check.js'

/**
 * n8n: /healthz answers {"status":"ok"} even without its database, so readiness is what counts;
 * the editor's live updates need a WebSocket on /rest/push through the gateway.
 */
export const n8nKind: ServiceKindModule = {
  defaultHealth: '/healthz',
  verifyHealth: twoHundredWithout('"status":"ok"', 'answered 200 but not {"status":"ok"}: is this n8n?', 'api_unexpected'),
  client: () => ({
    subpath: 'healthz',
    // n8n answers unknown paths with its editor page (200 HTML): a 200 without {"status":"ok"} means
    // the route sent another path (a rewrite, or proxy_pass without the trailing slash).
    accept: twoHundredWithout('"status":"ok"', 'the route answers 200 but not n8n\'s health: n8n got another path (rewrite or proxy_pass URI?)', 'route_wrong_target'),
  }),
  websocket: {
    subpath: 'rest/push?pushRef=phoenix', breaks: 'the editor shows "Connection lost"', checksOrigin: true,
    // Seen on the real n8n 2.8.4: /healthz/readiness answers 200 7-8 s before the REST routes exist;
    // meanwhile an upgrade of /rest/push is a plain request to express, which has no such route.
    notYet: {body: /Cannot GET \/rest\/push\b/, why: 'n8n has no /rest/push yet: it registers its REST routes seconds after /healthz/readiness answers, so it is still starting (if this lasts, its REST endpoint is not /rest: N8N_ENDPOINT_REST)'},
  },
  hints: {service_starting: (c) => [{text: 'Wait until n8n has started (its log ends with "Editor is now accessible via"), then check again; follow the log', command: c.logs}]},
  example: {name: 'n8n', kind: 'n8n', guest: {kind: 'ct', id: 954}, address: '10.0.0.154', port: 5678, runtime: {docker: 'n8n'}, route: {path: '/n8n/'}},
  extraChecks: (s, c) => [readinessCheck(s, c), websocketThroughGateway(s, c, n8nKind.websocket!)].filter((x): x is KindCheck => x !== undefined),
}

/** /healthz/readiness: 503 while the database is unreachable or migrations run. */
function readinessCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /healthz/readiness inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.ready',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/healthz/readiness')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, () => undefined, (status, line) =>
      status === 503
        ? {status: 'fail', summary: `${what} answered 503 while /healthz says ok: the database is not ready (down, unreachable, or migrating)`, finding: 'database_not_ready', evidence: [line]}
        : undefined),
  }
}
