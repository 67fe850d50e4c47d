import type {NetIo} from '../../model/ports.js'
import {netErrorFromText} from '../../io/net-error.js'
import {marker, missingTool, q, wholeSeconds} from '../../io/shell-words.js'
import type {Observation, TcpObservation, TcpProbe} from '../../model/probes.js'

/** Connects from this process. */
export function runTcpNative(probe: TcpProbe, io: NetIo, timeoutMs: number): Promise<TcpObservation> {
  return io.tcp(probe, timeoutMs)
}

/**
 * A TCP connect at a remote vantage: nc if present, else bash's /dev/tcp (minimal containers often
 * have one of the two), else say that both were missing.
 */
export function tcpSnippet(probe: TcpProbe, timeoutMs: number): string {
  const w = wholeSeconds(timeoutMs)
  const host = q(probe.host)
  const port = q(probe.port)
  return [
    `if command -v nc >/dev/null 2>&1; then nc -z -v -w ${w} ${host} ${port} 2>&1; echo "\${_m}tcp $?";`,
    `elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then`,
    `timeout ${w} bash -c 'exec 3<>"/dev/tcp/$0/$1"' ${host} ${port} 2>&1; r=$?; [ $r = 124 ] && echo 'timed out'; echo "\${_m}tcp $r";`,
    `else echo "\${_m}missing nc"; fi`,
  ].join(' ')
}

/** Reads what tcpSnippet printed. */
export function parseTcp(lines: readonly string[]): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'neither nc nor bash with timeout is installed there'}
  const rc = Number(marker(lines, 'tcp')?.[0] ?? 1)
  if (rc === 0) return {kind: 'tcp', connected: true}
  return {kind: 'tcp', connected: false, error: netErrorFromText(lines.filter((l) => !l.startsWith('@@')).join('\n'))}
}
