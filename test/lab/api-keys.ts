import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {SERVICES, STATE, VM_SERVICES} from './topology.js'

/**
 * The lab's API keys: one per service with an `apiKeyEnv`, made by `up`, kept as `NAME=value`
 * lines (an EnvironmentFile, mode 600). The service's unit runs with its key, and phoenix gets the
 * same variables in its environment, in both modes: never in argv, never in the inventory.
 */
export const API_KEYS = join(STATE, 'api-keys.env')

/** A fresh random key (also what the key-rotated fault restarts a service with). */
export function newApiKey(): string {
  return `lab-${randomBytes(16).toString('hex')}`
}

export async function makeApiKeys(): Promise<void> {
  const lines = [...SERVICES, ...VM_SERVICES].filter((s) => s.apiKeyEnv).map((s) => `${s.apiKeyEnv}=${newApiKey()}\n`)
  await writeFile(API_KEYS, lines.join(''), {mode: 0o600})
}

/** The keys by env var name; none before `up`. */
export async function apiKeys(): Promise<Record<string, string>> {
  const text = await readFile(API_KEYS, 'utf8').catch(() => '')
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

/** The whole key file while a fault hides some of its variables. */
const FULL = `${API_KEYS}.full`
/** Faults inject on several services at once: one edit of the file at a time. */
let edits: Promise<void> = Promise.resolve()

/**
 * Takes a variable out of phoenix's environment (the key-unset fault: cron without the
 * EnvironmentFile=). The services keep their keys: their units read them at start, and none restarts.
 */
export function hideApiKey(name: string): Promise<void> {
  edits = edits.then(async () => {
    const text = await readFile(API_KEYS, 'utf8')
    if (!existsSync(FULL)) await writeFile(FULL, text, {mode: 0o600})
    await writeFile(API_KEYS, text.split('\n').filter((l) => !l.startsWith(`${name}=`)).join('\n'), {mode: 0o600})
  })
  return edits
}

/** Puts every hidden variable back. */
export function restoreApiKeys(): Promise<void> {
  edits = edits.then(async () => {
    if (existsSync(FULL)) await rename(FULL, API_KEYS)
  })
  return edits
}
