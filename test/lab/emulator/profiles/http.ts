import type {Options} from '../args.js'
import {sendJson, sendText} from '../http.js'
import type {Ctx} from '../http.js'
import {clock} from '../service.js'
import type {Profile, Service} from '../service.js'

/**
 * A generic service with one health route, for lab hosts that need "something on a port" (and
 * for the faults that do not depend on a real service's protocol). Its 404 is Go net/http's.
 */
function create(opts: Options): Service {
  const handle = ({res, method, path}: Ctx) => {
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      if (opts.fault === 'unhealthy') sendJson(res, 503, {status: 'error'})
      else sendJson(res, 200, {status: 'ok'})
      return
    }
    sendText(res, 404, '404 page not found\n')
  }
  return {
    handle,
    boot: [`${clock().iso} INFO starting generic http service`],
    ready: [`${clock().iso} INFO listening on ${opts.host}:${opts.port}`],
    crash: [`${clock().iso} FATAL listen tcp ${opts.host}:${opts.port}: bind: address already in use`],
    access: (req, status) => `${clock().iso} INFO ${req.socket.remoteAddress ?? '-'} "${req.method} ${req.url}" ${status}`,
  }
}

export const plainHttp: Profile = {faults: ['unhealthy'], create}
