/**
 * Runs tasks with at most `limit` in flight. Every probe of a run goes through one pool, so a run
 * over 200 services never opens 600 sockets at once.
 */
export async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await tasks[index]!()
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, tasks.length))}, worker))
  return results
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
