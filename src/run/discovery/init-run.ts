import {existsSync} from 'node:fs'

import type {Document} from 'yaml'

import {UsageError} from '../../inventory/errors.js'
import type {Estate} from '../../inventory/discovery/estate.js'
import {discover, estateDraft} from './run-discovery.js'
import {discoveryTarget} from '../../inventory/discovery/target.js'
import type {HostFlags} from '../../inventory/discovery/target.js'
import {exampleDocument} from '../../inventory/discovery/write-draft.js'

export interface InitFlags extends HostFlags {
  example: boolean
  from?: string
  'accept-new-host-key': boolean
}

/** Said when there is no host to discover from. */
export const NOTHING_TO_DISCOVER = 'pct is not on this machine\'s PATH (not a Proxmox host) and no --host was given'

/** The draft `phoenix init` writes, and the lines that sum it up for stderr. */
export async function initDraft(flags: InitFlags, file: string): Promise<{draft: Document; summary: string[]}> {
  if (flags.example) return {draft: exampleDocument(), summary: ['the example estate (CTs 950-957 on 10.0.0.150-157): change every value to your own']}
  const target = discoveryTarget(flags, existsSync(file) ? file : undefined)
  if (flags.from) {
    const {importDraft} = await import('./import-run.js')
    return importDraft(flags.from, target, flags['accept-new-host-key'])
  }
  if (!target) throw new UsageError(`nothing to discover from: ${NOTHING_TO_DISCOVER}\n  fix: run phoenix init on the Proxmox host, or phoenix init --host ADDRESS (over SSH); phoenix init --example writes an example to edit`)
  const estate = await discover(target, flags['accept-new-host-key'])
  return {draft: estateDraft(estate, target), summary: estateSummary(estate)}
}

/** One line of what was found, one of the keys to export, one per note. */
export function estateSummary(estate: Estate): string[] {
  const todos = estate.services.reduce((n, s) => n + s.todo.length, 0) + (estate.gateway?.todo.length ?? 1)
  const keys = [...new Set(estate.services.flatMap((s) => (s.apiKeyEnv ? [s.apiKeyEnv.value] : [])))]
  return [
    `found ${estate.services.length} service${estate.services.length === 1 ? '' : 's'} (${estate.services.map((s) => s.name).join(', ') || 'none'}) and ${estate.gateway ? `the gateway in CT ${estate.gateway.ctid.value}` : 'no gateway'} on ${estate.host === 'local' ? 'this host' : estate.host}; ${todos} TODO${todos === 1 ? '' : 's'}`,
    ...(keys.length ? [`export the key${keys.length === 1 ? '' : 's'} before a run: ${keys.join(', ')}`] : []),
    ...estate.notes.map((n) => `note: ${n}`),
  ]
}
