import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

import {isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit} from 'yaml'
import type {Node} from 'yaml'

import {holdSecrets} from '../io/redact.js'
import {ConfigError, UsageError} from './errors.js'
import {checkReferencedFiles, FileProblem, readBounded} from './files.js'
import {ConfigReader} from './reader.js'
import type {KeyPath} from './reader.js'
import type {Inventory} from '../model/inventory.js'
import {validateInventory} from './validate.js'

/** An inventory is a few KB; 40k services fit in 4 MiB. Anything bigger is not one (or is /dev/zero). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024

/** The config file to use: --config, $PHOENIX_CONFIG, ./phoenix.yaml, the XDG config, or none. */
export function findConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return resolve(flag)
  if (env.PHOENIX_CONFIG) return resolve(env.PHOENIX_CONFIG)
  return searchedFiles(env).find((f) => existsSync(f))
}

/** The files looked for when neither --config nor $PHOENIX_CONFIG names one. */
function searchedFiles(env: NodeJS.ProcessEnv): string[] {
  return [resolve('phoenix.yaml'), join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'phoenix', 'config.yaml')]
}

/**
 * Said when no file was found (exit 64). The seed topology that was used here once was someone
 * else's 10.0.0.x estate; `phoenix init` writes the user's own, `--example` that seed to edit.
 */
export function noInventoryMessage(env: NodeJS.ProcessEnv = process.env, why = ''): string {
  return `no inventory file (--config, $PHOENIX_CONFIG, ${searchedFiles(env).join(', ')})${why}\n  fix: run phoenix init on the Proxmox host (or phoenix init --host ADDRESS, over SSH) to write one from what runs there; phoenix init --example writes an example to edit`
}

/** Where a config warning goes: stderr, one line, never a reason to stop. */
export type Warn = (message: string) => void
const toStderr: Warn = (message) => process.stderr.write(`phoenix: warning: ${message}\n`)

/**
 * Loads and validates the inventory, and the files it names (gateway.ca, proxmox.identityFile);
 * throws ConfigError (never a stack trace for the user).
 */
export function loadInventory(flag?: string, env: NodeJS.ProcessEnv = process.env, warn: Warn = toStderr): Inventory {
  const file = findConfigFile(flag, env)
  if (!file) throw new UsageError(noInventoryMessage(env))
  const inventory = parseInventory(readConfig(file, Boolean(flag)), file, warn)
  holdInventoryKeys(inventory, env)
  return inventory
}

/** Every key the inventory names is masked in all output from here on, whichever service it belongs to. */
export function holdInventoryKeys(inventory: Inventory, env: NodeJS.ProcessEnv = process.env): void {
  holdSecrets([inventory.gateway.apiKeyEnv, ...inventory.services.map((s) => s.apiKeyEnv)].map((name) => (name ? env[name] : undefined)))
}

/**
 * Parses and validates inventory YAML text. With `warn`, also checks the files the inventory
 * names (they must exist on this machine); without it, the text alone is checked.
 */
export function parseInventory(text: string, file: string, warn?: Warn): Inventory {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: false, prettyErrors: false})
  const problem = doc.errors[0]
  if (problem) {
    const line = lines.linePos(problem.pos[0]).line
    throw new ConfigError(file, '', `YAML syntax error: ${problem.message.split('\n')[0]}`, 'fix the YAML at that line (indentation, a missing colon or quote)', line)
  }
  const duplicate = firstDuplicateKey(doc)
  if (duplicate) {
    throw new ConfigError(file, '', `the key "${duplicate.key}" appears twice in one mapping`, 'keep one of them (merge the two entries, or rename one)', lines.linePos(duplicate.offset).line)
  }
  const lineOf = (path: KeyPath) => {
    const offset = nodeOffset(doc.contents as Node | null, path)
    return offset === undefined ? undefined : lines.linePos(offset).line
  }
  const reader = new ConfigReader(file, lineOf)
  const inventory = validateInventory(toPlain(doc, file), reader)
  if (warn) checkReferencedFiles(inventory, reader, warn)
  return inventory
}

/** yaml's own uniqueKeys check compares every key with every other (40k services: 40 s); one Set per mapping is linear. */
function firstDuplicateKey(doc: ReturnType<typeof parseDocument>): {key: string; offset: number} | undefined {
  let found: {key: string; offset: number} | undefined
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        const key = String(pair.key.value)
        if (seen.has(key)) {
          found = {key, offset: pair.key.range?.[0] ?? 0}
          return visit.BREAK
        }
        seen.add(key)
      }
      return undefined
    },
  })
  return found
}

/** The document as plain values; aliases are bounded (a "billion laughs" file is refused, not expanded). */
function toPlain(doc: ReturnType<typeof parseDocument>, file: string): unknown {
  try {
    return doc.toJS({maxAliasCount: 100})
  } catch (error) {
    throw new ConfigError(file, '', `the YAML cannot be expanded: ${(error as Error).message.split('\n')[0]}`, 'write the values out instead of nesting aliases (*name) many levels deep')
  }
}

/** Reads the config file: a small regular file, or a ConfigError naming it (never a hang on a FIFO). */
function readConfig(file: string, explicit: boolean): string {
  try {
    return readBounded(file, MAX_CONFIG_BYTES).data.toString('utf8')
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error
    const fix = explicit ? 'pass --config the inventory YAML file' : 'point $PHOENIX_CONFIG (or ./phoenix.yaml) at the inventory YAML file'
    throw new ConfigError(file, '', `the config file ${error.message}`, fix)
  }
}

/** The source offset of the node at a key path, or of its nearest existing parent. */
function nodeOffset(node: Node | null, path: KeyPath): number | undefined {
  let current: unknown = node
  let offset = (node as {range?: number[]} | null)?.range?.[0]
  for (const key of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key))
      if (!pair) break
      offset = (pair.key as {range?: number[]}).range?.[0] ?? offset
      current = pair.value
    } else if (isSeq(current) && typeof key === 'number') {
      current = current.items[key]
      offset = (current as {range?: number[]} | undefined)?.range?.[0] ?? offset
    } else break
  }
  return offset
}
