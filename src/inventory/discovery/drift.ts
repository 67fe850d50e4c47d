import {LineCounter, parseDocument} from 'yaml'
import type {Node} from 'yaml'

import type {Inventory, RuntimeDef, ServiceDef} from '../../model/inventory.js'
import type {Estate, FoundService, Guess} from './estate.js'

/** One place where the inventory and the estate disagree, with the line to change. */
export interface Difference {
  /** The key path, e.g. services.ollama.ctid. */
  key: string
  /** Its line in the inventory file, when the file has it. */
  line?: number
  inventory: string
  estate: string
  /** How discovery found the estate's value. */
  how: string
}

export interface Drift {
  differences: Difference[]
  /** Inventory services discovery did not find running anywhere. */
  missing: {service: string; summary: string}[]
  /** Running services the inventory does not list. */
  unlisted: {name: string; kind: string; ctid: number; port: number}[]
  /** Services of kind http: discovery cannot tell a generic HTTP service, so they are not compared. */
  unchecked: string[]
}

/**
 * Where the inventory and the estate disagree: a service's CT renumbered (the same kind found at
 * its address, its unit or its name in another CT), its address changed, its port moved, its unit
 * or route renamed; the gateway's CT or address. `text` is the file, for the lines to change.
 */
export function compareEstate(inv: Inventory, estate: Estate, text: string): Drift {
  const lineOf = lineFinder(text)
  const differences: Difference[] = []
  const missing: Drift['missing'] = []
  const used = new Set<FoundService>()
  const unchecked: string[] = []
  const differ = (key: (string | number)[], mine: unknown, seen: Guess<unknown> | undefined) => {
    if (seen === undefined || mine === undefined || same(mine, seen.value)) return
    differences.push({key: key.join('.'), ...lineOf(key), inventory: show(mine), estate: show(seen.value), how: seen.how})
  }
  for (const s of inv.services) {
    if (s.kind === 'http') {
      unchecked.push(s.name)
      continue
    }
    const found = match(s, estate.services.filter((f) => !used.has(f)))
    if (!found) {
      missing.push({service: s.name, summary: `no running CT serves ${s.kind} on port ${s.port} at ${s.guest.kind === 'vm' ? 'VM' : 'CT'} ${s.guest.id} or ${s.address} (discovery on ${estate.host})`})
      continue
    }
    used.add(found)
    const at = ['services', s.name]
    differ([...at, 'ctid'], ctidOf(s), found.ctid)
    differ([...at, 'address'], s.address, found.address)
    differ([...at, 'port'], s.port, found.port)
    if (s.runtime) differ([...at, 'runtime'], s.runtime, found.runtime)
    if (s.route) differ([...at, 'route'], s.route.host ? s.route : s.route.path, found.route)
  }
  if (estate.gateway) {
    differ(['gateway', 'ctid'], ctidOf(inv.gateway), estate.gateway.ctid)
    differ(['gateway', 'address'], inv.gateway.address, estate.gateway.address)
  }
  const unlisted = estate.services.filter((f) => !used.has(f)).map((f) => ({name: f.name, kind: f.kind.value, ctid: f.ctid.value, port: f.port.value}))
  return {differences, missing, unlisted, unchecked}
}

/** The estate's service that is this inventory service: same CT and port, else same CT, else same address and port, unit or name. */
function match(s: ServiceDef, found: FoundService[]): FoundService | undefined {
  const kind = found.filter((f) => f.kind.value === s.kind)
  const unit = (r?: Guess<RuntimeDef>) => (r ? Object.values(r.value)[0] : undefined)
  const wanted = s.runtime ? Object.values(s.runtime)[0] : undefined
  return kind.find((f) => f.ctid.value === ctidOf(s) && f.port.value === s.port)
    ?? kind.find((f) => f.ctid.value === ctidOf(s))
    ?? kind.find((f) => f.address.value === s.address && f.port.value === s.port)
    ?? kind.find((f) => wanted !== undefined && unit(f.runtime) === wanted)
    ?? kind.find((f) => f.name === s.name)
}

function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort())) : String(v))
  return norm(a) === norm(b)
}

function show(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v)
  return `{ ${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${k}: ${show(x)}`).join(', ')} }`
}

/** The line of a key path in the inventory file (its value's line: the one to change). */
function lineFinder(text: string): (path: (string | number)[]) => {line?: number} {
  const counter = new LineCounter()
  const doc = parseDocument(text, {lineCounter: counter})
  return (path) => {
    const node = doc.getIn(path, true) as Node | undefined
    const offset = node?.range?.[0]
    return offset === undefined ? {} : {line: counter.linePos(offset).line}
  }
}

/** The inventory's CT id (discovery reads CTs; a service in a VM has none). */
function ctidOf(def: {guest: {kind: string; id: number}}): number | undefined {
  return def.guest.kind === 'ct' ? def.guest.id : undefined
}
