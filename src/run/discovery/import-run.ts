import {existsSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import type {Document} from 'yaml'

import {ConfigError} from '../../inventory/errors.js'
import {FileProblem, readBounded} from '../../inventory/files.js'
import type {ProxmoxTarget} from '../../model/inventory.js'
import type {Estate} from '../../inventory/discovery/estate.js'
import {draftDocument} from '../../inventory/discovery/draft.js'
import {lxcEstate, vmNotes} from '../../inventory/discovery/import-lxc.js'
import {estateSummary} from './init-run.js'
import {validateSchema} from '../../inventory/discovery/json-schema.js'
import type {SchemaProblem} from '../../inventory/discovery/json-schema.js'
import {mergeEstates} from '../../inventory/discovery/merge-estates.js'
import {discover, proxmoxSection} from './run-discovery.js'

const MAX_BYTES = 4 * 1024 * 1024
/** The keys phoenix reads from their files: a schema problem there is an error, elsewhere a warning. */
const READ = /^(lxc_configs\.\d+\.(name|network_config(\.ip)?|ports(\.\d+)?|dependencies(\.\d+)?|vllm_engine_config(\.ServerConfig(\.\w+)?|\.ModelConfig(\.model)?)?)|vms(\.\d+(\.(vmid|name|network_config(\.ip)?))?)?|lxc_configs(\.\d+)?)$/

/**
 * `phoenix init --from FILE`: the operators' phoenix_lxc_configs.json (or phoenix_vm_configs.json),
 * checked against their own schema where it is found, as a draft whose every value says which key
 * of their file it came from; merged with what discovery sees when a Proxmox host is reachable.
 */
export async function importDraft(file: string, target: ProxmoxTarget | undefined, acceptNewHostKey: boolean): Promise<{draft: Document; summary: string[]}> {
  const doc = readJson(file)
  const schemaFile = findSchema(file, doc)
  const warnings: string[] = []
  if (schemaFile) warnings.push(...checkSchema(file, doc, schemaFile))
  if (doc.lxc_configs === undefined && doc.vms === undefined) throw new ConfigError(file, '', 'has neither lxc_configs nor vms', 'pass --from their phoenix_lxc_configs.json or phoenix_vm_configs.json')
  for (const id of Object.keys(doc.lxc_configs ?? {})) {
    if (!/^\d+$/.test(id) || Number(id) < 100) throw new ConfigError(file, `lxc_configs.${id}`, 'is not a CTID (a number from 100)', 'key each CT by its CTID, like "801"')
  }
  const imported: Estate = doc.lxc_configs ? lxcEstate(doc as never, basename(file)) : {host: basename(file), services: [], notes: []}
  imported.notes.push(...vmNotes(doc as never))
  let estate = imported
  const summary = [`imported ${basename(file)}${schemaFile ? `, checked against ${schemaFile}` : ' (no schema found next to it)'}`, ...warnings]
  if (target) {
    estate = mergeEstates(imported, await discover(target, acceptNewHostKey))
    summary.push('merged with what discovery sees on the host')
  } else summary.push('no Proxmox host to compare it with: run it on the host (or --host) to fill the runtimes and routes')
  const proxmox = target ? proxmoxSection(target) : {host: 'local'}
  const draft = draftDocument(estate, proxmox, `${basename(file)}${target ? ' and the host' : ''}`, target ? undefined : 'a guess: run phoenix on the Proxmox host (or set its address for SSH)')
  return {draft, summary: [...summary, ...estateSummary(estate)]}
}

function readJson(file: string): Record<string, any> {
  let text: string
  try {
    text = readBounded(file, MAX_BYTES).data.toString('utf8')
  } catch (error) {
    if (error instanceof FileProblem) throw new ConfigError(file, '', `--from: the file ${error.message}`, 'pass --from their phoenix_lxc_configs.json')
    throw error
  }
  try {
    const value = JSON.parse(text) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, any>
    throw new Error('not a JSON object')
  } catch (error) {
    throw new ConfigError(file, '', `is not JSON: ${(error as Error).message}`, 'fix the JSON (jq . FILE shows where), or pass the right file')
  }
}

/** Their schema: the file's own "$schema" when it exists here, else NAME.schema.json beside it. */
function findSchema(file: string, doc: Record<string, unknown>): string | undefined {
  const own = typeof doc.$schema === 'string' && doc.$schema.startsWith('/') ? doc.$schema : undefined
  const beside = join(dirname(file), `${basename(file, '.json')}.schema.json`)
  return [own, typeof doc.$schema === 'string' && !own && !doc.$schema.includes('://') ? join(dirname(file), doc.$schema) : undefined, beside].find((f): f is string => Boolean(f) && existsSync(f!))
}

/** Problems in keys phoenix reads stop the import (exit 64); elsewhere they are only said. */
function checkSchema(file: string, doc: unknown, schemaFile: string): string[] {
  let schema: unknown
  try {
    schema = JSON.parse(readBounded(schemaFile, MAX_BYTES).data.toString('utf8'))
  } catch {
    return [`warning: ${schemaFile} is not a readable JSON schema: the file was not checked against it`]
  }
  const problems = validateSchema(doc, schema)
  const key = (p: SchemaProblem) => p.path.join('.')
  const fatal = problems.find((p) => READ.test(key(p)))
  if (fatal) throw new ConfigError(file, key(fatal), `${fatal.message} (${basename(schemaFile)})`, `set ${key(fatal)} as ${basename(schemaFile)} describes it`)
  if (problems.length === 0) return []
  return [`warning: ${problems.length} place${problems.length === 1 ? '' : 's'} break${problems.length === 1 ? 's' : ''} ${basename(schemaFile)} where phoenix does not read (left as they are): ${problems.slice(0, 3).map((p) => `${key(p)}: ${p.message.length > 60 ? `${p.message.slice(0, 60)}…` : p.message}`).join('; ')}${problems.length > 3 ? '; ...' : ''}`]
}
