/**
 * Runs lanes of tasks with at most `limit` in flight in all. Every probe of a run goes through one
 * pool, so a run over 200 services never opens 600 sockets at once. A free slot goes to the lane
 * with the fewest tasks in flight (ties to the first): each lane gets its share while it has work,
 * and a lane with nothing left gives its slots to the others.
 */
export async function runFair(lanes: readonly (readonly (() => Promise<void>)[])[], limit: number): Promise<void> {
  const next = lanes.map(() => 0)
  const running = lanes.map(() => 0)
  const pick = () => {
    let best = -1
    lanes.forEach((lane, i) => {
      if (next[i]! < lane.length && (best < 0 || running[i]! < running[best]!)) best = i
    })
    return best
  }
  const worker = async () => {
    for (let i = pick(); i >= 0; i = pick()) {
      const run = lanes[i]![next[i]!++]!
      running[i]!++
      try {
        await run()
      } finally {
        running[i]!--
      }
    }
  }
  const total = lanes.reduce((n, lane) => n + lane.length, 0)
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, total))}, worker))
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
