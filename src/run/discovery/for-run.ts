import {q} from '../../io/shell-words.js'
import {ConfigError, UsageError} from '../../inventory/errors.js'
import {findConfigFile, holdInventoryKeys, loadInventory, noInventoryMessage, parseInventory} from '../../inventory/load.js'
import type {Inventory} from '../../model/inventory.js'
import {draftText} from '../../inventory/discovery/draft.js'
import {estateSummary, NOTHING_TO_DISCOVER} from './init-run.js'
import {discover, estateDraft} from './run-discovery.js'
import {discoveryTarget, proxmoxOnly} from '../../inventory/discovery/target.js'

/**
 * The inventory of a `check` or `diag` run. A file when there is one; without one (or with a file
 * that has only its `proxmox:` section) the estate is discovered for this run, said on stderr with
 * the command that saves it; with nothing to discover from, how to make one (exit 64).
 */
export async function inventoryForRun(flag: string | undefined, acceptNewHostKey: boolean, say: (line: string) => void): Promise<Inventory> {
  const file = findConfigFile(flag)
  if (file && !proxmoxOnly(file)) return loadInventory(flag)
  const target = discoveryTarget({}, file)
  if (!target) throw new UsageError(noInventoryMessage(process.env, ` and nothing to discover the estate from: ${NOTHING_TO_DISCOVER}`))
  const estate = await discover(target, acceptNewHostKey)
  const where = target.mode === 'local' ? 'this Proxmox host' : `${target.user}@${target.host}`
  const source = `(discovered on ${where})`
  let inventory: Inventory
  try {
    inventory = parseInventory(draftText(estateDraft(estate, target)), source)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    throw new UsageError(`${file ? `${file} has only a proxmox section` : 'no inventory file'}, and the estate discovered on ${where} is not enough to diagnose: ${error.problem}\n  fix: run ${saveCommand(file)} and fill in its TODOs`)
  }
  holdInventoryKeys(inventory)
  say(`${file ? `${file} has only a proxmox section` : 'no inventory file'}: diagnosing the estate discovered on ${where} for this run; ${estateSummary(estate)[0]}. Save it (and edit it) with: ${saveCommand(file)}`)
  return inventory
}

/** The command that writes the discovered inventory where this run looked for one. */
function saveCommand(file: string | undefined): string {
  return file ? `phoenix init --merge --config ${q(file)}` : 'phoenix init'
}
