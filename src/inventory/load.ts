import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

import {isMap, isPair, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'
import type {Node} from 'yaml'

import {DEFAULT_TOPOLOGY} from './default-topology.js'
import {ConfigError} from './errors.js'
import {ConfigReader} from './reader.js'
import type {KeyPath} from './reader.js'
import type {Inventory} from './types.js'
import {validateInventory} from './validate.js'

/** Where the inventory came from when no file was found. */
export const EMBEDDED = '(embedded default topology)'

/** The config file to use: --config, $PHOENIX_CONFIG, ./phoenix.yaml, the XDG config, or none. */
export function findConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return resolve(flag)
  if (env.PHOENIX_CONFIG) return resolve(env.PHOENIX_CONFIG)
  const candidates = [
    resolve('phoenix.yaml'),
    join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'phoenix', 'config.yaml'),
  ]
  return candidates.find((f) => existsSync(f))
}

/** Loads and validates the inventory; throws ConfigError (never a stack trace for the user). */
export function loadInventory(flag?: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  const file = findConfigFile(flag, env)
  if (!file) return validateInventory(structuredClone(DEFAULT_TOPOLOGY), new ConfigReader(EMBEDDED, () => undefined))
  return parseInventory(readConfig(file, Boolean(flag)), file)
}

/** Parses and validates inventory YAML text. */
export function parseInventory(text: string, file: string): Inventory {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: true, prettyErrors: false})
  const problem = doc.errors[0]
  if (problem) {
    const line = lines.linePos(problem.pos[0]).line
    throw new ConfigError(file, '', `YAML syntax error: ${problem.message.split('\n')[0]}`, 'fix the YAML at that line (indentation, a missing colon or quote)', line)
  }
  const lineOf = (path: KeyPath) => {
    const offset = nodeOffset(doc.contents as Node | null, path)
    return offset === undefined ? undefined : lines.linePos(offset).line
  }
  return validateInventory(doc.toJS({maxAliasCount: 100}), new ConfigReader(file, lineOf))
}

function readConfig(file: string, explicit: boolean): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    const fix = explicit ? 'pass --config a readable file' : 'fix $PHOENIX_CONFIG or the file\'s permissions'
    throw new ConfigError(file, '', `cannot read the config file (${code})`, fix)
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
