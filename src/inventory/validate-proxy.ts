import type {ConfigReader, KeyPath} from './reader.js'
import type {ProxyDef} from '../model/inventory.js'
import type {GuestRef} from '../model/ports.js'
import {gatewayUrlProblem, RULES} from './value-rules.js'

export const PROXY_KEYS = ['kind', 'ctid', 'vmid', 'address', 'port', 'api', 'configDir', 'unit'] as const

/** `proxy:`, the intermediate proxy (Traefik) some services' routes go through. */
export function proxy(p: Record<string, unknown>, r: ConfigReader, guest: (m: Record<string, unknown>, at: KeyPath) => GuestRef): ProxyDef {
  const at: KeyPath = ['proxy']
  r.oneOf(r.required(p, 'kind', at, 'traefik'), [...at, 'kind'], ['traefik'] as const)
  const api = r.optionalString(p.api, [...at, 'api'])
  const problem = api === undefined ? undefined : gatewayUrlProblem(api)
  if (problem) r.fail([...at, 'api'], `"${api}" ${problem}`, 'set api to the URL of Traefik\'s API inside its CT, like http://127.0.0.1:8080')
  return {
    kind: 'traefik',
    guest: guest(p, at),
    address: r.string(r.required(p, 'address', at, '10.0.0.12'), [...at, 'address'], RULES.address),
    port: p.port === undefined ? 80 : r.integer(p.port, [...at, 'port'], 1, 65_535),
    ...(api ? {api: api.replace(/\/+$/, '')} : {}),
    configDir: r.optionalString(p.configDir, [...at, 'configDir'], RULES.absolutePath) ?? '/etc/traefik/dynamic',
    unit: r.optionalString(p.unit, [...at, 'unit'], RULES.unit) ?? 'traefik',
  }
}

/** `viaProxy:` is true or false, and true needs a `proxy:` to go through. */
export function viaProxy(value: unknown, at: KeyPath, hasProxy: boolean, r: ConfigReader): boolean {
  if (typeof value !== 'boolean') return r.fail(at, 'expected true or false', 'write viaProxy: true when its route goes through the proxy')
  if (value && !hasProxy) return r.fail(at, 'viaProxy is true but the inventory has no proxy:', 'add proxy: { kind: traefik, ctid: 102, address: 10.0.0.12 }, or remove viaProxy')
  return value
}
