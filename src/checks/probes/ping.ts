import type {NetIo} from '../../model/ports.js'
import {marker, missingTool, needTool, q, wholeSeconds} from '../../io/shell-words.js'
import type {Observation, PingObservation, PingProbe} from '../../model/probes.js'

/** Pings from this process (through the system ping). */
export function runPingNative(probe: PingProbe, io: NetIo, timeoutMs: number): Promise<PingObservation> {
  return io.ping(probe, timeoutMs)
}

/** One echo at a remote vantage. */
export function pingSnippet(probe: PingProbe, timeoutMs: number): string {
  return needTool('ping', `ping -n -c 1 -W ${wholeSeconds(timeoutMs)} ${q(probe.host)} 2>&1; echo "\${_m}ping $?"`)
}

/** Reads what pingSnippet printed. */
export function parsePing(lines: readonly string[]): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'ping is not installed there'}
  const rc = Number(marker(lines, 'ping')?.[0] ?? 1)
  const rtt = lines.join('\n').match(/time[=<]([\d.]+) ?ms/)
  if (rc === 0) return {kind: 'ping', alive: true, ...(rtt ? {rttMs: Number(rtt[1])} : {})}
  const why = lines.find((l) => /loss|unreachable|unknown host|Name or service/i.test(l))
  return {kind: 'ping', alive: false, error: why?.trim() ?? 'no echo reply'}
}
