import {gatewayTarget} from '../checks/services/nginx.js'
import {UsageError} from '../inventory/errors.js'
import {GATEWAY_KEY} from '../checks/services/kind.js'
import {GATEWAY_NAME} from '../inventory/validate.js'
import {didYouMean} from '../inventory/suggest.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'

/**
 * The services a command names, in inventory order, and the gateway itself when named `gateway` or
 * when all are wanted (it is then checked last). An unknown name suggests the nearest one.
 */
export function selectServices(inventory: Inventory, names: readonly string[], all: boolean): ServiceDef[] {
  const gateway = gatewayTarget(inventory)
  if (all || names.length === 0) return [...inventory.services, gateway]
  const known = [...inventory.services.map((s) => s.name), GATEWAY_NAME]
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError(`no service "${name}" in ${inventory.source}.${didYouMean(name, known)} Known services: ${known.join(', ')}.`)
    }
  }
  return [...inventory.services.filter((s) => names.includes(s.name)), ...(names.includes(GATEWAY_NAME) ? [gateway] : [])]
}

/**
 * API keys, from the env vars the inventory names (never from argv or the config itself). A named
 * variable that is unset is not an error: the checks that need the key say so.
 */
export function readApiKeys(inventory: Inventory, services: readonly ServiceDef[], env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const keys = new Map<string, string>()
  for (const s of services) {
    const value = s.apiKeyEnv ? env[s.apiKeyEnv] : undefined
    if (value) keys.set(s.name, value.trim())
  }
  const gateway = inventory.gateway.apiKeyEnv ? env[inventory.gateway.apiKeyEnv] : undefined
  if (gateway) keys.set(GATEWAY_KEY, gateway.trim())
  return keys
}
