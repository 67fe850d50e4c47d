import {readBounded} from './files.js'
import {MAX_CONFIG_BYTES, parseInventory} from './load.js'
import type {Inventory} from '../model/inventory.js'

/**
 * The inventory for a shell's Tab key: whatever is wrong with the file (missing, not YAML, invalid)
 * gives undefined, never an error or a warning printed over the user's command line.
 */
export function readInventoryQuietly(file: string): Inventory | undefined {
  try {
    return parseInventory(readBounded(file, MAX_CONFIG_BYTES).data.toString('utf8'), file)
  } catch {
    return undefined
  }
}
