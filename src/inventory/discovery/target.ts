import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'

import {parseDocument} from 'yaml'

import {UsageError} from '../errors.js'
import {readBounded} from '../files.js'
import {ConfigReader} from '../reader.js'
import type {ProxmoxTarget} from '../../model/inventory.js'
import {validateInventory} from '../validate.js'

/** The host flags of `phoenix init`. */
export interface HostFlags {
  host?: string
  port?: number
  user?: string
  'identity-file'?: string
  'known-hosts'?: string
}

/** Stands in for the rest of an inventory while only its proxmox section is read. */
const STAND_IN = {gateway: {ctid: 100, address: '127.0.0.1', url: 'http://127.0.0.1'}, services: {s: {kind: 'http', ctid: 100, address: '127.0.0.1', port: 1}}}

/**
 * Where to discover from: --host (over SSH), else an inventory file's `proxmox:` section, else this
 * machine when pct is on its PATH. Undefined when there is nothing to discover from.
 */
export function discoveryTarget(flags: HostFlags, file?: string): ProxmoxTarget | undefined {
  if (flags.host) {
    const raw = {host: flags.host, port: flags.port, user: flags.user, identityFile: flags['identity-file'], knownHosts: flags['known-hosts']}
    return proxmoxOf(raw, '(--host and its flags)')
  }
  const section = file ? proxmoxInFile(file) : undefined
  if (section !== undefined) return proxmoxOf(section, file!)
  return onPath('pct') ? {mode: 'local'} : undefined
}

/** The raw `proxmox:` section of a YAML file, if it has one (the rest may be missing or a draft). */
export function proxmoxInFile(file: string): unknown {
  const value = readYaml(file)
  return value && typeof value === 'object' ? value.proxmox : undefined
}

/** Whether a file is an inventory with only its proxmox section (the estate is to be discovered). */
export function proxmoxOnly(file: string): boolean {
  const value = readYaml(file)
  return Boolean(value && typeof value === 'object' && value.proxmox !== undefined && value.services === undefined && value.gateway === undefined)
}

/**
 * The file's YAML as plain values, or nothing when it is not a small regular file of valid YAML
 * (a FIFO is never waited on): loading it then says what is wrong.
 */
function readYaml(file: string): Record<string, unknown> | null | undefined {
  try {
    const doc = parseDocument(readBounded(file, 4 * 1024 * 1024).data.toString('utf8'))
    return doc.errors.length ? undefined : (doc.toJS({maxAliasCount: 100}) as Record<string, unknown> | null)
  } catch {
    return undefined
  }
}

function proxmoxOf(raw: unknown, source: string): ProxmoxTarget {
  const cleaned = raw && typeof raw === 'object' ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) : raw
  const inventory = validateInventory({...STAND_IN, proxmox: cleaned}, new ConfigReader(source, () => undefined))
  if (!inventory.proxmox) throw new UsageError(`${source}: no proxmox section`)
  return inventory.proxmox
}

/** Whether a command is on this machine's PATH (pct: this is a Proxmox host). */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}
