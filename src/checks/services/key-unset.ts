import type {Expectation} from '../../model/check-spec.js'
import type {ServiceDef} from '../../model/inventory.js'
import {GATEWAY_KEY} from './kind.js'
import type {PlanContext} from './kind.js'

/**
 * The env vars that should have given this call its key but are not set for this run: the
 * service's apiKeyEnv, and for a call through the gateway, gateway.apiKeyEnv.
 */
export function unsetKeyVars(s: ServiceDef, c: PlanContext, throughGateway: boolean): string[] {
  const vars: string[] = []
  if (s.apiKeyEnv && !c.apiKeys.has(s.name)) vars.push(s.apiKeyEnv)
  const gateway = c.inventory.gateway.apiKeyEnv
  if (throughGateway && gateway && !c.apiKeys.has(GATEWAY_KEY)) vars.push(gateway)
  return vars
}

/**
 * A 401/403 to a call that went without its key, because the variable is not set where phoenix
 * runs (cron and systemd start with an almost empty environment), says nothing about the service:
 * the run could not check it, so the check is unknown and names the variable. api_auth_failed
 * stays for a key that was sent and refused.
 */
export function unlessKeyUnset(judge: Expectation, vars: readonly string[]): Expectation {
  if (vars.length === 0) return judge
  return (obs, seen) => {
    const judged = judge(obs, seen)
    if (judged.status !== 'fail' || obs.kind !== 'http' || (obs.status !== 401 && obs.status !== 403)) return judged
    const names = vars.map((v) => `$${v}`).join(' and ')
    return {
      status: 'unknown',
      summary: `answered ${obs.status} to a call sent without its key: ${names} ${vars.length > 1 ? 'are' : 'is'} not set in phoenix's environment`,
      finding: 'api_key_unset',
      evidence: [`${names} not set for this run; without the key: ${judged.summary}`],
    }
  }
}
