import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {faultByName} from './faults.js'
import {serviceByName, STATE} from './topology.js'

/**
 * Injecting and healing by name, with a record of what is injected where (faults.json in the
 * state dir), so a later `lab heal SERVICE` from another process knows what to undo.
 */

const RECORD = join(STATE, 'faults.json')

type Record_ = Record<string, string[]>

async function load(): Promise<Record_> {
  try {
    return JSON.parse(await readFile(RECORD, 'utf8')) as Record_
  } catch {
    return {}
  }
}

// One writer at a time within this process: faults injected in parallel all get recorded.
let queue: Promise<unknown> = Promise.resolve()
function update(change: (r: Record_) => void): Promise<void> {
  const next = queue.then(async () => {
    const r = await load()
    change(r)
    await writeFile(RECORD, `${JSON.stringify(r, null, 2)}\n`)
  })
  queue = next.catch(() => {})
  return next
}

/** The faults injected now, by service. */
export async function activeFaults(): Promise<Record_> {
  return load()
}

/** Injects a fault on a service (see faults.ts for the table), and records it. */
export async function fault(service: string, name: string): Promise<void> {
  const s = serviceByName(service)
  const f = faultByName(name)
  if (!f.appliesTo.includes(s.name)) throw new Error(`fault ${name} does not apply to ${service} (only ${f.appliesTo.join(', ')})`)
  await f.inject(s)
  await update((r) => void (r[s.name] = [...new Set([...(r[s.name] ?? []), f.name])]))
}

/** Heals every fault recorded on a service, the last injected first. */
export async function heal(service: string): Promise<string[]> {
  const s = serviceByName(service)
  const names = (await load())[s.name] ?? []
  for (const name of [...names].reverse()) await faultByName(name).heal(s)
  await update((r) => void delete r[s.name])
  return names
}
