import type {Judgement, Seen} from '../../model/check-spec.js'

/**
 * The route refuses the service's real call (401/403) although the same key was accepted inside
 * the CT by `innerId` (Qdrant's /collections, vLLM's /v1/models): the key reached phoenix's
 * request and the service takes it, so the gateway is what drops or blanks it on the way
 * (`proxy_set_header api-key "";`). Without a key, or without the inner call's answer, it says
 * nothing and the generic client_forbidden stands.
 */
export function keyDroppedByGateway(status: number, seen: Seen, innerId: string, header: string, hasKey: boolean): Judgement | undefined {
  if (!hasKey || (status !== 401 && status !== 403)) return undefined
  const inner = seen.get(innerId)
  if (inner?.kind !== 'http' || inner.status === undefined || inner.status < 200 || inner.status >= 300) return undefined
  return {
    status: 'fail',
    summary: `the route answers ${status} to the call a client makes with the key in ${header}, which ${innerId} accepted inside the CT (${inner.status}): the gateway drops or blanks ${header}`,
    finding: 'gateway_drops_key',
  }
}
