import type {Estate, FoundService, Guess} from './estate.js'

/**
 * The operators' file and what discovery saw, as one estate: a service of the file found on the host
 * (same CT) takes the host's runtime, route, key and any value the host says otherwise (its comment
 * says what the file had); services only one side knows are kept; the gateway is the host's.
 */
export function mergeEstates(file: Estate, seen: Estate): Estate {
  const services: FoundService[] = []
  const used = new Set<FoundService>()
  for (const s of file.services) {
    const match = seen.services.find((d) => !used.has(d) && d.ctid.value === s.ctid.value && (d.port.value === s.port.value || seen.services.filter((x) => x.ctid.value === s.ctid.value).length === 1))
    if (!match) {
      services.push({...s, notes: [...(s.notes ?? []), 'discovery did not find it running on the host']})
      continue
    }
    used.add(match)
    services.push(combine(s, match))
  }
  services.push(...seen.services.filter((d) => !used.has(d)).map((d) => ({...d, notes: [...(d.notes ?? []), 'not in the imported file']})))
  return {host: seen.host, ...(seen.gateway ?? file.gateway ? {gateway: seen.gateway ?? file.gateway!} : {}), services, notes: [...file.notes, ...seen.notes]}
}

function combine(file: FoundService, host: FoundService): FoundService {
  const pick = <T>(a: Guess<T> | undefined, b: Guess<T> | undefined): Guess<T> | undefined => {
    if (!b) return a
    if (!a || JSON.stringify(a.value) === JSON.stringify(b.value)) return b && a ? {value: b.value, how: `${a.how}; ${b.how}`} : b
    return {value: b.value, how: `${b.how} (the file says ${JSON.stringify(a.value)})`}
  }
  const out: FoundService = {
    name: file.name,
    kind: pick(file.kind, host.kind)!,
    ctid: pick(file.ctid, host.ctid)!,
    address: pick(file.address, host.address)!,
    port: pick(file.port, host.port)!,
    todo: host.todo,
    notes: file.notes ?? [],
  }
  for (const key of ['runtime', 'route', 'model', 'task', 'apiKeyEnv'] as const) {
    const value = pick(file[key] as Guess<unknown> | undefined, host[key] as Guess<unknown> | undefined)
    if (value) (out as unknown as Record<string, unknown>)[key] = value
  }
  return out
}
