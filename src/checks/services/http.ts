import type {ServiceKindModule} from './kind.js'
import {healthPathOf} from './kind.js'

/** Any HTTP service with a health path (`kind: http`, default /healthz): 2xx is healthy. */
export const httpKind: ServiceKindModule = {
  defaultHealth: '/healthz',
  client: (service) => ({subpath: healthPathOf(service, httpKind).slice(1), accept: () => undefined}),
}
