import {guestLabel} from '../../io/guests/guests.js'
import type {ServiceDef} from '../../model/inventory.js'
import {apiAnswers} from '../expectations/api.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {insideUrl} from './kind.js'
import {websocketThroughGateway} from './websocket-check.js'

/** Open WebUI: /health answers {"status":true} (liveness); /ready waits for its DB and Redis. */
export const openWebUiKind: ServiceKindModule = {
  defaultHealth: '/health',
  client: () => ({subpath: 'health', accept: () => undefined}),
  websocket: {subpath: 'ws/socket.io/?EIO=4&transport=websocket', breaks: 'its socket.io connection, which carries the chat\'s live events, fails'},
  example: {name: 'openwebui', kind: 'openwebui', guest: {kind: 'ct', id: 956}, address: '10.0.0.156', port: 8080, runtime: {docker: 'open-webui'}, route: {path: '/webui/'}},
  extraChecks: (s, c) => [readyCheck(s, c), websocketThroughGateway(s, c, openWebUiKind.websocket!)].filter((x): x is KindCheck => x !== undefined),
}

function readyCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /ready inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.ready',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/ready')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, () => undefined, (status, line) =>
      status === 503 ? {status: 'fail', summary: `${what} answered 503: start-up, its database or Redis is not ready`, finding: 'not_ready', evidence: [line]} : undefined),
  }
}
