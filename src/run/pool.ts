/** One lane of a pool: its tasks, and how many of them may run at once. */
export interface Lane {
  tasks: readonly (() => Promise<void>)[]
  /** Most tasks at work at once (default: the pool's limit). */
  limit?: number
  /**
   * A task still running after this long waits aside: it gives its slot to the next task and
   * keeps running (a probe waiting out a hanging target's timeout is not work).
   */
  parkAfterMs?: number
  /** Most tasks running at once, at work or aside (default: `limit`): what bounds the sockets. */
  inFlight?: number
}

/**
 * Runs lanes of tasks with at most `limit` at work in all, and at most each lane's own limits in
 * that lane. Every probe of a run goes through one pool, so a run over 1000 services never opens
 * 3000 sockets at once. A free slot goes to the lane with the fewest tasks at work (ties to the
 * first) among those under their own limits: each lane gets its share while it has work, and a lane
 * with nothing left gives its slots to the others. A rejection is passed on (a bug: see untilAborted).
 */
export function runFair(lanes: readonly Lane[], limit: number): Promise<void> {
  const next = lanes.map(() => 0)
  const working = lanes.map(() => 0)
  const aside = lanes.map(() => 0)
  const cap = lanes.map((lane) => Math.max(1, Math.min(limit, lane.limit ?? limit)))
  const most = lanes.map((lane, i) => Math.max(cap[i]!, lane.inFlight ?? 0))
  let atWork = 0
  const open = (i: number) => next[i]! < lanes[i]!.tasks.length && working[i]! < cap[i]! && working[i]! + aside[i]! < most[i]!
  const pick = () => {
    let best = -1
    for (let i = 0; i < lanes.length; i++) if (open(i) && (best < 0 || working[i]! < working[best]!)) best = i
    return best
  }
  return new Promise((resolve, reject) => {
    const fill = () => {
      for (let i = atWork < limit ? pick() : -1; i >= 0; i = atWork < limit ? pick() : -1) start(i)
      if (atWork === 0 && aside.every((n) => n === 0)) resolve()
    }
    const start = (i: number) => {
      const run = lanes[i]!.tasks[next[i]!++]!
      working[i]!++
      atWork++
      let parked = false
      const after = lanes[i]!.parkAfterMs
      const timer = after === undefined ? undefined : setTimeout(() => {
        parked = true
        working[i]!--
        aside[i]!++
        atWork--
        fill()
      }, after)
      run().then(
        () => {
          clearTimeout(timer)
          if (parked) aside[i]!--
          else (working[i]!--, atWork--)
          fill()
        },
        reject,
      )
    }
    fill()
  })
}

/**
 * Resolves with the promise's value, or with `fallback()` once the signal aborts. A rejection is
 * passed on: probes never reject for an unhealthy target, so one is a bug and must be seen.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, fallback: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(fallback())
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(fallback())
    signal.addEventListener('abort', onAbort, {once: true})
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
