import {UsageError} from '../inventory/errors.js'

/** `500ms`, `5s`, `1m`, or a bare number of seconds, as milliseconds. */
export function parseDuration(input: string, flag: string): number {
  const m = input.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m)?$/)
  if (!m) throw new UsageError(`--${flag} ${input}: expected a duration like 500ms, 5s or 1m (a bare number is seconds)`)
  const value = Number(m[1])
  const ms = m[2] === 'ms' ? value : m[2] === 'm' ? value * 60_000 : value * 1000
  if (ms < 50 || ms > 3_600_000) throw new UsageError(`--${flag} ${input}: must be between 50ms and 1h`)
  return Math.round(ms)
}
