import type {Status} from '../../src/model/status.js'
import type {Expected, Fault} from './faults.js'

/**
 * The fault matrix's rows, packed into batches that are injected, checked and healed together.
 *
 * A phoenix run costs about the same whatever it checks (the real-CT lab's exec round trips, the
 * VM's guest-agent polls), so the matrix's time is mostly its number of runs. Rows whose targets
 * are disjoint and whose faults touch nothing but their targets can share one injection, one check
 * per mode and one heal check: each target's verdict is still its own row's, every service outside
 * the batch still healthy. Rows stay alone when they are the gateway's own (shared, gateway-only),
 * need other arguments (--deep), ask `audit` (its findings are the whole estate's), or expect a
 * different exit code than the batch (the code is the worst status, so it would no longer say
 * anything of the row).
 */

export const statusOf = (e: Expected): Status => e.status ?? (e.cause === 'healthy' ? 'pass' : 'fail')

/** Nagios exit code of the worst status. */
export function exitCodeOf(statuses: readonly Status[]): number {
  return statuses.includes('fail') ? 2 : statuses.includes('unknown') ? 3 : statuses.includes('warn') ? 1 : 0
}

/** The statuses a row's check must show: its targets', its VM targets' where they differ, the gateway's. */
export function rowStatuses(f: Fault, hasVmTarget: boolean): Status[] {
  return [statusOf(f.expect), ...(f.vm && hasVmTarget ? [statusOf(f.vm)] : []), ...(f.gateway ? [statusOf(f.gateway)] : [])]
}

/** A row that must run alone. */
export const runsAlone = (f: Fault): boolean => Boolean(f.shared || f.gatewayOnly || f.args || f.audit)

/** At most this many rows a batch: enough to fold the small rows into the big ones, few enough to keep the lab's load of one injection modest. */
export const MAX_BATCH = 3

/**
 * Packs rows in table order: a row joins the first open batch it can (disjoint targets, the same
 * exit code, neither runs alone), else starts one. `targets` says where a row is injected;
 * `code` its exit code.
 */
export function batchRows(rows: readonly Fault[], targets: (f: Fault) => readonly string[], code: (f: Fault) => number): Fault[][] {
  const batches: Fault[][] = []
  for (const f of rows) {
    const open = runsAlone(f) ? undefined : batches.find((b) => b.length < MAX_BATCH
      && b.every((g) => !runsAlone(g) && code(g) === code(f) && targets(g).every((n) => !targets(f).includes(n))))
    if (open) open.push(f)
    else batches.push([f])
  }
  return batches
}
