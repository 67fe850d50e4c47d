/** The outcome of a check, a layer, a service or a run. */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'unknown'

/**
 * Where a probe runs from, inside out. The order of this list is the order of the walk. `proxy` (an
 * intermediate proxy, Traefik, between nginx and the service) exists only for services whose route
 * goes through one (`viaProxy: true`); the others have no proxy layer at all.
 */
export const LAYERS = ['service', 'host', 'proxy', 'gateway', 'client'] as const
export type Layer = (typeof LAYERS)[number]

/**
 * How bad a status is when statuses are rolled up. A failure outranks a blind spot (unknown),
 * which outranks a warning: a monitor must page for a fault even when part of the walk was blind.
 */
const SEVERITY: Record<Status, number> = {fail: 4, unknown: 3, warn: 2, pass: 1, skip: 0}

/** The worst of some statuses; `pass` when there are none to judge. */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'skip'
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s
  return worst === 'skip' ? 'pass' : worst
}

/** Nagios plugin exit codes, which every monitor understands. */
export const EXIT = {ok: 0, warning: 1, critical: 2, unknown: 3, usage: 64} as const

/** The exit code of a run whose overall status is this. */
export function exitCodeFor(status: Status): number {
  switch (status) {
    case 'pass':
    case 'skip':
      return EXIT.ok
    case 'warn':
      return EXIT.warning
    case 'fail':
      return EXIT.critical
    case 'unknown':
      return EXIT.unknown
    default:
      return assertNever(status)
  }
}

/** Makes a `switch` exhaustive: the compiler names any union member left out. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}
