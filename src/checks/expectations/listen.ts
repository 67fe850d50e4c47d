import type {Expectation, Judgement} from '../../model/check-spec.js'
import {isLoopback, isWildcard} from '../probes/listen.js'
import type {Observation} from '../../model/probes.js'

/** A kind's reading of "runtime up, port closed" (see ServiceKindModule.notListening). */
export type NotListening = (runtime: Observation | undefined, port: number) => Judgement | undefined

/**
 * The service must listen on its port on an address other hosts can reach: every interface, or
 * the CT's own address. Loopback only is the classic "works inside, refused outside".
 */
export function listensReachably(port: number, address: string, notListening?: NotListening): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'listen') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    const sockets = obs.sockets
    const lines = sockets.map((s) => s.line)
    if (sockets.length === 0) {
      const known = notListening?.(seen.get('service.runtime'), port)
      if (known) return known
      const others = obs.otherPorts.length ? `; listening ports: ${obs.otherPorts.join(', ')}` : ''
      return {status: 'fail', summary: `nothing listens on port ${port}${others}`, finding: 'not_listening', evidence: obs.otherPorts.length ? [`listening ports: ${obs.otherPorts.join(', ')}`] : []}
    }
    const where = sockets.map((s) => `${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`).join(', ')
    const proc = sockets.find((s) => s.process)?.process
    if (sockets.some((s) => isWildcard(s.address) || s.address === address)) {
      return {status: 'pass', summary: `listening on ${where}${proc ? ` (${proc})` : ''}`}
    }
    if (sockets.every((s) => isLoopback(s.address))) {
      return {status: 'warn', summary: `listening on ${where} only, not on 0.0.0.0 or ${address}: unreachable from other hosts`, finding: 'bound_to_loopback', evidence: lines}
    }
    return {status: 'warn', summary: `listening on ${where}, not on 0.0.0.0 or ${address}`, finding: 'bound_elsewhere', evidence: lines}
  }
}
