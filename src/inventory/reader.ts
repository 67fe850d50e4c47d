import {ConfigError} from './errors.js'
import {didYouMean} from './suggest.js'
import type {Rule} from './value-rules.js'

export type KeyPath = readonly (string | number)[]

/**
 * Reads typed values out of parsed YAML, and turns every problem into a ConfigError that names the
 * file, the line, the key path and the fix. Stops at the first problem: one clear error beats ten.
 */
export class ConfigReader {
  constructor(
    readonly file: string,
    private readonly lineOf: (path: KeyPath) => number | undefined,
  ) {}

  fail(path: KeyPath, problem: string, fix: string): never {
    throw new ConfigError(this.file, path.join('.'), problem, fix, this.lineOf(path))
  }

  /** A mapping, rejecting keys it does not know (a typo must not be silently ignored). */
  map(value: unknown, path: KeyPath, known: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `expected a mapping of ${known.join(', ')}, got ${describe(value)}`, `write it as { ${known[0]}: ... }`)
    }
    const allowed = new Set(known)
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) {
        this.fail([...path, key], `unknown key "${key}".${didYouMean(key, known)}`, `use one of: ${known.join(', ')}`)
      }
    }
    return value as Record<string, unknown>
  }

  /** A mapping whose keys are names the user chooses (services: n8n: {...}), each key once. */
  namedMap(value: unknown, path: KeyPath, what: string, example: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `expected a mapping of ${what}, got ${describe(value)}`, `write it as ${last(path)}: { ${example} }, one name per entry`)
    }
    return value as Record<string, unknown>
  }

  string(value: unknown, path: KeyPath, rule?: Rule): string {
    if (typeof value !== 'string' || value === '') {
      this.fail(path, `expected ${rule?.expected ?? 'a string'}, got ${describe(value)}`, `set ${last(path)} to ${rule?.expected ?? 'a string'}`)
    }
    if (rule && !rule.test(value)) this.fail(path, `"${value}" is not ${rule.expected}`, `set ${last(path)} to ${rule.expected}`)
    return value
  }

  optionalString(value: unknown, path: KeyPath, rule?: Rule): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path, rule)
  }

  integer(value: unknown, path: KeyPath, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `expected a whole number from ${min} to ${max}, got ${describe(value)}`, `set ${last(path)} to a number like ${min}`)
    }
    return value
  }

  required(obj: Record<string, unknown>, key: string, path: KeyPath, example: string): unknown {
    if (obj[key] === undefined || obj[key] === null) this.fail([...path, key], `missing`, `add ${key}: ${example}`)
    return obj[key]
  }

  oneOf<T extends string>(value: unknown, path: KeyPath, choices: readonly T[]): T {
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      const hint = typeof value === 'string' ? didYouMean(value, choices) : ''
      this.fail(path, `expected one of ${choices.join(', ')}, got ${describe(value)}.${hint}`, `set ${last(path)} to one of: ${choices.join(', ')}`)
    }
    return value as T
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}

function last(path: KeyPath): string {
  return String(path[path.length - 1] ?? 'it')
}
