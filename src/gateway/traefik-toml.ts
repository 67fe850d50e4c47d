import {parse, TomlError} from 'smol-toml'

import type {Locate} from './traefik-dynamic.js'

/**
 * Traefik's dynamic configuration written in TOML. The values come from smol-toml (a complete TOML
 * 1.0 parser, no dependencies): a hand-made TOML reader would misread what it half knows. Its
 * values carry no line, so a light scan of the text finds where each key is written: table headers
 * (`[http.routers.web]`, `[[http.services.web.loadBalancer.servers]]`, each array table counted),
 * `key = value` lines under them (dotted keys too), and the inline tables of an inline array
 * (`servers = [{url = "…"}, …]`, one index per `{`). A path not found there takes the line of the
 * longest part of it that is.
 */

export type TomlRead = {ok: true; value: unknown; line: Locate} | {ok: false; line: number; error: string}

export function readToml(text: string): TomlRead {
  try {
    return {ok: true, value: parse(text), line: tomlLocator(text)}
  } catch (error) {
    if (error instanceof TomlError) return {ok: false, line: error.line, error: error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}
    return {ok: false, line: 0, error: (error as Error).message}
  }
}

const KEY = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)`
const DOTTED = String.raw`${KEY}(?:\s*\.\s*${KEY})*`
const HEADER = new RegExp(String.raw`^\s*(\[\[?)\s*(${DOTTED})\s*\]\]?`)
const ASSIGN = new RegExp(String.raw`^\s*(${DOTTED})\s*=\s*(.*)$`)
const INNER_KEY = new RegExp(String.raw`^(${DOTTED})\s*=`)

/** `a."b.c".'d'` → [a, b.c, d]. */
function keys(dotted: string): string[] {
  return (dotted.match(new RegExp(KEY, 'g')) ?? []).map((k) => (k.startsWith('"') ? (JSON.parse(k) as string) : k.startsWith("'") ? k.slice(1, -1) : k))
}

const join = (path: readonly (string | number)[]) => path.join('\u0000')

export function tomlLocator(text: string): Locate {
  const lines = new Map<string, number>()
  const record = (path: readonly (string | number)[], n: number) => {
    for (let i = 1; i <= path.length; i++) if (!lines.has(join(path.slice(0, i)))) lines.set(join(path.slice(0, i)), n)
  }
  /** Array tables seen: their path → the index of their last element. */
  const arrays = new Map<string, number>()
  /** A header's path with each array table along it at its current element. */
  const resolve = (path: readonly string[]) => {
    const out: (string | number)[] = []
    for (const k of path) {
      out.push(k)
      const i = arrays.get(join(out))
      if (i !== undefined) out.push(i)
    }
    return out
  }
  let table: (string | number)[] = []
  let multiline: string | undefined
  let inline: {path: (string | number)[]; depth: number; index: number} | undefined
  text.split('\n').forEach((raw, i) => {
    const n = i + 1
    if (multiline) {
      if (raw.split(multiline).length % 2 === 0) multiline = undefined
      return
    }
    if (inline) return void (inline = scanInline(raw, inline, n, record))
    const header = HEADER.exec(raw)
    if (header) {
      const path = keys(header[2]!)
      if (header[1] === '[[') {
        const parent = resolve(path.slice(0, -1))
        const at = join([...parent, path.at(-1)!])
        arrays.set(at, (arrays.get(at) ?? -1) + 1)
        table = [...parent, path.at(-1)!, arrays.get(at)!]
      } else table = resolve(path)
      return record(table, n)
    }
    const assign = ASSIGN.exec(raw)
    if (!assign) return
    const path = [...table, ...keys(assign[1]!)]
    record(path, n)
    const value = assign[2]!.trimStart()
    const quote = /^("""|''')/.exec(value)?.[1]
    if (quote && value.split(quote).length === 2) multiline = quote
    else if (value.startsWith('[')) inline = scanInline(value.slice(1), {path, depth: 1, index: -1}, n, record)
  })
  return (path) => {
    for (let i = path.length; i > 0; i--) {
      const n = lines.get(join(path.slice(0, i)))
      if (n !== undefined) return n
    }
    return 0
  }
}

/**
 * One line of an inline array: each `{` directly in it starts an element (its line recorded), and
 * `key =` directly in that element is recorded under it. Returns the state, or undefined once the
 * array is closed. Strings are skipped whole, so brackets inside them do not count.
 */
function scanInline(text: string, state: {path: (string | number)[]; depth: number; index: number}, n: number, record: (p: readonly (string | number)[], n: number) => void) {
  let {depth, index} = state
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '#') break
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1)
      i = end === -1 ? text.length : end
    } else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return undefined
    else if (c === '{') {
      if (++depth === 2) record([...state.path, ++index], n)
    } else if (c === '}') depth--
    else if (depth === 2 && /[A-Za-z0-9_"'-]/.test(c)) {
      const key = INNER_KEY.exec(text.slice(i))
      if (key) record([...state.path, index, ...keys(key[1]!)], n)
      i += (key?.[0].length ?? 1) - 1
    }
  }
  return {path: state.path, depth, index}
}
