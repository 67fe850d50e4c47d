import {blocks, simple} from './directive-read.js'
import type {Directive} from './nginx-dump.js'
import type {MapEntry, NginxMap, PassCandidate} from '../model/routes.js'

/**
 * The variables a gateway defines itself, so that `proxy_pass $upstream_service;` can be followed:
 * `map $src $var { … }` blocks of the http block and `set $var value;` in the server and location.
 * A map yields one candidate per value it can give (its default too, '' when none is written); a
 * `set` inside an `if` is a candidate whose condition phoenix does not evaluate. Candidates carry
 * where their value is written: that line, not the shared proxy_pass, is where a fix goes.
 */

/** The map blocks of an http block, by the variable they define. */
export function collectMaps(http: readonly Directive[]): Map<string, NginxMap> {
  const out = new Map<string, NginxMap>()
  for (const m of blocks(http, 'map')) {
    const [source = '', variable = ''] = m.args
    const entries: MapEntry[] = []
    let hostnames = false
    let fallback: MapEntry | undefined
    for (const d of m.block) {
      // Inside a map every line is "key value;"; hostnames and volatile are its only flags.
      if (d.name === 'hostnames' && d.args.length === 0) hostnames = true
      else if (d.name === 'volatile' && d.args.length === 0) continue
      else if (d.name === 'default' && d.args.length === 1) fallback = {key: 'default', value: d.args[0]!, file: d.file, line: d.line}
      else entries.push({key: d.name.replace(/^\\/, ''), value: d.args[0] ?? '', file: d.file, line: d.line})
    }
    const def = fallback ?? {key: 'default', value: '', file: m.file, line: m.line, implicit: true}
    out.set(variable.replace(/^\$/, ''), {source, variable, hostnames, file: m.file, line: m.line, entries, default: def})
  }
  return out
}

/** A `set $var value;` in effect, with the `if` it sits in, when it does. */
export interface SetDirective {
  variable: string
  value: string
  file: string
  line: number
  condition?: string
}

/** The sets of one block in order, those inside its `if` blocks marked with their condition. */
export function setsOf(block: readonly Directive[]): SetDirective[] {
  return block.flatMap((d) => {
    if (d.name === 'set' && !d.block) return [toSet(d)]
    if (d.name === 'if' && d.block) return simple(d.block, 'set').map((s) => toSet(s, `if (${d.args.join(' ')})`))
    return []
  })
}

function toSet(d: Directive, condition?: string): SetDirective {
  return {variable: (d.args[0] ?? '').replace(/^\$/, ''), value: d.args[1] ?? '', file: d.file, line: d.line, ...(condition ? {condition} : {})}
}

/** What the names in a proxy_pass URL may stand for. */
export interface VariableScope {
  maps: ReadonlyMap<string, NginxMap>
  /** The sets of the server, then of each enclosing location, in the order nginx runs them. */
  sets: readonly SetDirective[]
}

const VARIABLE = /\$(?:\{(\w+)\}|(\w+))/g
const MAX_CANDIDATES = 64

/**
 * Every value the URL can take, one candidate per combination of map entries and sets. Variables
 * nobody here defines ($host, $request_uri) stay in the URL: the request decides them.
 */
export function expandUrl(url: string, scope: VariableScope, origin: {file: string; line: number}): PassCandidate[] {
  let out: PassCandidate[] = [{url, when: [], file: origin.file, line: origin.line, servers: []}]
  for (let depth = 0; depth < 4; depth++) {
    let changed = false
    out = out.flatMap((c) => {
      const name = [...c.url.matchAll(VARIABLE)].map((m) => m[1] ?? m[2]!).find((n) => definedBy(n, scope))
      if (!name) return [c]
      changed = true
      return alternatives(name, scope).map((a) => ({
        ...c, url: substitute(c.url, name, a.value), when: [...c.when, a.when],
        // The line to change is where the value is written (the innermost one that gave it).
        file: a.file, line: a.line,
      }))
    }).slice(0, MAX_CANDIDATES)
    if (!changed) break
  }
  return out
}

function definedBy(name: string, scope: VariableScope): boolean {
  return scope.maps.has(name) || scope.sets.some((s) => s.variable === name)
}

/** The values one variable can take here, each with the condition that gives it. */
function alternatives(name: string, scope: VariableScope): {value: string; when: PassCandidate['when'][number]; file: string; line: number}[] {
  const sets = scope.sets.filter((s) => s.variable === name)
  const last = sets.findLastIndex((s) => !s.condition)
  if (sets.length > 0) {
    // The last plain set wins over what came before; sets in an `if` after it may replace it.
    const live = sets.slice(Math.max(last, 0))
    return live.map((s) => ({value: s.value, when: {variable: `$${name}`, set: s.condition ?? 'set'}, file: s.file, line: s.line}))
  }
  const map = scope.maps.get(name)!
  return [...map.entries, map.default].map((e) => ({value: e.value, when: {variable: `$${name}`, map: map.variable, key: e.key}, file: e.file, line: e.line}))
}

function substitute(url: string, name: string, value: string): string {
  return url.replace(new RegExp(`\\$(?:\\{${name}\\}|${name}(?!\\w))`, 'g'), () => value)
}
