/**
 * Ctrl-C and SIGTERM during a run (a cron job's timeout, systemd stopping a unit): the run stops
 * as at its deadline (every local command group killed, every remote batch's channel closed, so
 * its watchdog ends it), the report says what was seen (the rest is unknown), and phoenix exits
 * 128 + the signal's number, as a shell reports a killed command: 130 and 143. A second signal
 * exits at once.
 */
const CODES = {SIGINT: 130, SIGTERM: 143} as const
type Handled = keyof typeof CODES

let received: Handled | undefined

/** Listens for SIGINT and SIGTERM while a run is in flight; `signal` aborts on the first. */
export function watchInterrupts(): {signal: AbortSignal; dispose(): void} {
  received = undefined
  const controller = new AbortController()
  const handlers = (Object.keys(CODES) as Handled[]).map((name) => {
    const handler = () => {
      if (received) process.exit(CODES[received])
      received = name
      controller.abort(name)
    }
    process.on(name, handler)
    return () => process.off(name, handler)
  })
  return {signal: controller.signal, dispose: () => handlers.forEach((off) => off())}
}

/** 130 or 143 when the last run was interrupted, else undefined (the report's own exit code applies). */
export function interruptedExitCode(): number | undefined {
  return received ? CODES[received] : undefined
}
