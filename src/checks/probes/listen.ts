import {mark, missingTool, q} from '../../io/shell-words.js'
import type {ListenObservation, ListenProbe, ListenSocket, Observation} from '../../model/probes.js'

/** Listening TCP sockets with their owning process: `ss` (iproute2), else `netstat`. */
export function listenSnippet(_probe: ListenProbe): string {
  return [
    `if command -v ss >/dev/null 2>&1; then ss -tlnpH 2>&1`,
    `elif command -v netstat >/dev/null 2>&1; then netstat -tlnp 2>&1`,
    `else ${mark('missing ss')}; fi`,
  ].join('; ')
}

/** `0.0.0.0:5678`, `*:5678`, `[::]:5678`, `127.0.0.1%lo:53`, `[::ffff:127.0.0.1]:80` → address, port. */
function splitAddress(local: string): {address: string; port: number} | undefined {
  const m = local.match(/^\[?(.*?)\]?(?:%\w+)?:(\d+)$/)
  if (!m) return undefined
  return {address: m[1]!.replace(/%\w+$/, ''), port: Number(m[2])}
}

/** One line of `ss -tlnpH` or `netstat -tlnp` as a socket. */
function parseLine(line: string): ListenSocket | undefined {
  const fields = line.trim().split(/\s+/)
  const isNetstat = fields[0]?.startsWith('tcp')
  const local = isNetstat ? fields[3] : fields[0] === 'LISTEN' ? fields[3] : undefined
  if (!local) return undefined
  const at = splitAddress(local)
  if (!at) return undefined
  const proc = isNetstat ? fields[6] : line.match(/users:\(\("([^"]+)"/)?.[1]
  return {...at, ...(proc ? {process: proc} : {}), line: line.trim()}
}

/** Reads what listenSnippet printed, keeping the sockets on the probe's port. */
export function parseListen(lines: readonly string[], probe: ListenProbe): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'neither ss nor netstat is installed there'}
  const all = lines.map(parseLine).filter((s): s is ListenSocket => s !== undefined)
  const obs: ListenObservation = {
    kind: 'listen',
    sockets: all.filter((s) => s.port === probe.port),
    otherPorts: [...new Set(all.map((s) => s.port))].filter((p) => p !== probe.port).sort((a, b) => a - b),
  }
  return obs
}

/** Loopback-only addresses: a service bound there cannot be reached from another host. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address) || address === 'localhost'
}

/** Wildcard addresses: reachable on every interface. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '*' || address === '::' || address === ''
}
