import type {Expectation} from '../../model/check-spec.js'

/** A TCP connect must succeed; how it failed (refused, silence, no route) says where to look. */
export function tcpConnects(target: string): Expectation {
  return (obs) => {
    if (obs.kind !== 'tcp') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.connected) return {status: 'pass', summary: `connected to ${target}${obs.latencyMs !== undefined ? ` in ${obs.latencyMs} ms` : ''}`}
    const code = obs.error?.code ?? 'other'
    // A reset on connect comes after the handshake (a firewall's REJECT is "refused"): something
    // accepted; what it does with a request is the HTTP check's to say.
    if (code === 'reset') return {status: 'pass', summary: `connected to ${target}, then the program on the port reset the connection`}
    const finding = code === 'refused' ? 'port_refused' : code === 'unreachable' ? 'host_unreachable' : 'port_filtered'
    const how = code === 'refused' ? 'connection refused' : code === 'timeout' ? 'no answer (packets dropped?)' : (obs.error?.message ?? 'failed')
    return {status: 'fail', summary: `cannot connect to ${target}: ${how}`, finding, evidence: obs.error ? [obs.error.message] : []}
  }
}

/**
 * ICMP echo. No reply alone is a warning, not a failure: many networks filter ICMP, and the TCP
 * check beside it decides whether the service is reachable (when it fails too, the host layer
 * fails and the ping is only evidence; when it passes, ICMP is filtered: `ping_filtered`).
 */
export function pingAnswers(target: string): Expectation {
  return (obs) => {
    if (obs.kind !== 'ping') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    if (obs.alive) return {status: 'pass', summary: `${target} answers ping${obs.rttMs !== undefined ? ` in ${obs.rttMs} ms` : ''}`}
    return {status: 'warn', summary: `${target} does not answer ping: ${obs.error ?? 'no reply'}`, finding: 'ping_filtered'}
  }
}
