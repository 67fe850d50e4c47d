import type {NetIo} from '../../model/ports.js'
import {commandSnippet, parseCommand} from './command.js'
import {containerSnippet, parseContainer} from './container.js'
import {dnsSnippet, parseDns, runDnsNative} from './dns.js'
import {firewallSnippet, parseFirewall} from './firewall.js'
import {httpSnippet, parseHttp, runHttpNative} from './http.js'
import {listenSnippet, parseListen} from './listen.js'
import {nginxSnippet, parseNginx} from './nginx.js'
import {parsePing, pingSnippet, runPingNative} from './ping.js'
import {parseTcp, runTcpNative, tcpSnippet} from './tcp.js'
import type {Observation, Probe} from '../../model/probes.js'
import {parseUnit, unitSnippet} from './unit.js'
import {parseTraefik, traefikSnippet} from './traefik.js'
import {runWebSocketNative} from './websocket.js'

/**
 * How each probe kind runs. `native` runs it in this process (network probes only); `snippet`
 * and `parse` run it inside a batch script at a remote vantage. The mapped type makes the compiler
 * name this table when a probe kind is added.
 */
export interface ProbeRunner<P extends Probe> {
  native?: (probe: P, io: NetIo, timeoutMs: number) => Promise<Observation>
  snippet?: (probe: P, timeoutMs: number) => string
  parse?: (lines: readonly string[], probe: P) => Observation
}

type Runners = {[K in Probe['kind']]: ProbeRunner<Extract<Probe, {kind: K}>>}

const RUNNERS: Runners = {
  http: {native: runHttpNative, snippet: httpSnippet, parse: parseHttp},
  tcp: {native: runTcpNative, snippet: tcpSnippet, parse: parseTcp},
  ping: {native: runPingNative, snippet: pingSnippet, parse: parsePing},
  unit: {snippet: unitSnippet, parse: parseUnit},
  container: {snippet: containerSnippet, parse: parseContainer},
  listen: {snippet: (p) => listenSnippet(p), parse: parseListen},
  command: {snippet: commandSnippet, parse: parseCommand},
  nginx: {snippet: nginxSnippet, parse: parseNginx},
  dns: {native: runDnsNative, snippet: dnsSnippet, parse: parseDns},
  firewall: {snippet: firewallSnippet, parse: parseFirewall},
  traefik: {snippet: traefikSnippet, parse: parseTraefik},
  // Only from this process: curl has no WebSocket client worth relying on in a minimal CT.
  websocket: {native: runWebSocketNative},
}

/** The runner of a probe's kind. */
export function runnerFor<P extends Probe>(probe: P): ProbeRunner<P> {
  return RUNNERS[probe.kind] as unknown as ProbeRunner<P>
}
