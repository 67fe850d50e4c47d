import type {ServiceKindModule} from './kind.js'
import {healthPathOf} from './kind.js'

/** Any HTTP service with a health path (`kind: http`, default /healthz): 2xx is healthy. */
export const httpKind: ServiceKindModule = {
  defaultHealth: '/healthz',
  example: {name: 'web', kind: 'http', guest: {kind: 'ct', id: 960}, address: '10.0.0.160', port: 8080, route: {path: '/web/'}},
  client: (service) => ({subpath: healthPathOf(service, httpKind).slice(1), accept: () => undefined}),
}
