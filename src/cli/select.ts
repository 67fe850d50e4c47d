import {UsageError} from '../inventory/errors.js'
import {didYouMean} from '../inventory/suggest.js'
import type {Inventory, ServiceDef} from '../inventory/types.js'

/** The services a command names, in inventory order; an unknown name suggests the nearest one. */
export function selectServices(inventory: Inventory, names: readonly string[], all: boolean): ServiceDef[] {
  if (all || names.length === 0) return inventory.services
  const known = inventory.services.map((s) => s.name)
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError(`no service "${name}" in ${inventory.source}.${didYouMean(name, known)} Known services: ${known.join(', ')}.`)
    }
  }
  return inventory.services.filter((s) => names.includes(s.name))
}

/**
 * API keys, from the env vars the inventory names (never from argv or the config itself). A named
 * variable that is unset is not an error: the checks that need the key say so.
 */
export function readApiKeys(services: readonly ServiceDef[], env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const keys = new Map<string, string>()
  for (const s of services) {
    const value = s.apiKeyEnv ? env[s.apiKeyEnv] : undefined
    if (value) keys.set(s.name, value.trim())
  }
  return keys
}
