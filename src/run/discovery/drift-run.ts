import {readFileSync} from 'node:fs'

import {compareEstate} from '../../inventory/discovery/drift.js'
import type {Drift} from '../../inventory/discovery/drift.js'
import {findConfigFile, loadInventory} from '../../inventory/load.js'
import {discover} from './run-discovery.js'

export interface DriftReport extends Drift {
  schemaVersion: 1
  inventory: string
  host: string
}

/** `phoenix inventory diff`: the inventory, the estate discovered through its proxmox host, and where they disagree. */
export async function inventoryDrift(flag: string | undefined, acceptNewHostKey: boolean): Promise<DriftReport> {
  const inventory = loadInventory(flag)
  const file = findConfigFile(flag)!
  const estate = await discover(inventory.proxmox, acceptNewHostKey)
  return {schemaVersion: 1, inventory: file, host: estate.host, ...compareEstate(inventory, estate, readFileSync(file, 'utf8'))}
}

/** The report as lines a person reads: each difference at its file:line, then what is missing or unlisted. */
export function formatDrift(r: DriftReport): string {
  const lines = [
    ...r.differences.map((d) => `${r.inventory}${d.line ? `:${d.line}` : ''}: ${d.key}: the inventory says ${d.inventory}, the estate ${d.estate} (${d.how})`),
    ...r.missing.map((m) => `${r.inventory}: services.${m.service}: ${m.summary}`),
    ...r.unlisted.map((u) => `not in the inventory: ${u.name} (${u.kind}, CT ${u.ctid}, port ${u.port}): phoenix init --merge adds it`),
    ...(r.unchecked.length ? [`not compared (kind http: discovery cannot tell a generic HTTP service): ${r.unchecked.join(', ')}`] : []),
  ]
  const count = r.differences.length + r.missing.length + r.unlisted.length
  const host = r.host === 'local' ? 'this host' : r.host
  lines.push(count === 0 ? `the inventory matches the estate on ${host}` : `${count} difference${count === 1 ? '' : 's'} between ${r.inventory} and the estate on ${host}`)
  return lines.join('\n')
}
