/**
 * How many tasks of each lane may be in flight, from --concurrency and the open-file limit. Pure:
 * the limit is read by src/io/open-files.ts.
 *
 * The two lanes cost different things. A native probe is one socket in this process, and one that
 * waits for a hanging target costs nothing but that socket: 1000 services with 100 hanging are 200
 * probes that would each hold a slot for the whole timeout (with 64 slots, four rounds of it;
 * BENCHMARKS.md). So a native probe still waiting after PARK_AFTER_MS waits aside and its slot goes
 * to the next; the sockets (at work and aside) stay bounded. Slots bound the work, not the waiting:
 * 512 probes at work at once made phoenix's own event loop so late that healthy services timed out
 * on a loaded machine. A remote batch is a `pct exec` (a Perl process on the host) or an SSH
 * channel: it is work until it ends, and never waits aside.
 */

/** Remote batches in flight at most: 64 `pct exec`s at once is already a busy Proxmox host. */
export const MAX_REMOTE_BATCHES = 64
/** A native probe still waiting after this long waits aside: a healthy answer takes a few ms. */
export const PARK_AFTER_MS = 500
/** Native probes at work and aside together: this many times --concurrency (within the file limit). */
export const ASIDE_FACTOR = 8
/** Files Node and phoenix hold besides the probes: stdio, the event loop, the SSH socket, a CA file, DNS lookups. */
const RESERVED_FILES = 64
/** A batch run on this machine holds its stdin, stdout and stderr pipes; over SSH, none (a channel). */
const FILES_PER_LOCAL_BATCH = 3
/** Assumed when the limit is unknown (no /proc): Linux's usual soft limit. */
const ASSUMED_OPEN_FILES = 1024

export interface LaneLimits {
  /** Remote batches in flight at once. */
  remote: number
  /** Native probes at work at once. */
  native: number
  /** Native probes (a socket each) running at once, at work or waiting aside. */
  nativeInFlight: number
}

/**
 * Each lane gets at most --concurrency at work; remote batches at most MAX_REMOTE_BATCHES; native
 * probes ASIDE_FACTOR times that in flight. Together they stay inside the open-file limit with room
 * to spare (RESERVED_FILES), local batches taking at most half of it: under `ulimit -n 256`, 32
 * batches and 96 probes in flight, never EMFILE.
 */
export function laneLimits(concurrency: number, limits: {openFiles?: number; localBatches: boolean}): LaneLimits {
  const budget = Math.max(2, (limits.openFiles ?? ASSUMED_OPEN_FILES) - RESERVED_FILES)
  const perBatch = limits.localBatches ? FILES_PER_LOCAL_BATCH : 0
  const remote = Math.max(1, Math.min(concurrency, MAX_REMOTE_BATCHES, perBatch ? Math.floor(budget / 2 / perBatch) : Infinity))
  const sockets = Math.max(1, budget - remote * perBatch)
  return {remote, native: Math.min(concurrency, sockets), nativeInFlight: Math.min(concurrency * ASIDE_FACTOR, sockets)}
}
