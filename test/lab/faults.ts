import type {CauseCode} from '../../src/diagnosis/causes.js'
import type {Layer, Status} from '../../src/diagnosis/status.js'
import {setVariation} from './gateway.js'
import {must} from './proc.js'
import {ctExec, pct, rerunService, startService, stopService, waitListening, waitState} from './services.js'
import type {EmulatorOptions} from './services.js'
import {ctById, GATEWAY_CTID, SERVICES, SLOW_FAULT_MS} from './topology.js'
import type {LabService} from './topology.js'

/** The verdict a fault must produce (cause codes of src/diagnosis/causes.ts). */
export interface Expected {
  layer: Layer
  cause: CauseCode
  /** The service's status; `fail` unless said otherwise. */
  status?: Status
}

/**
 * One row of the fault table: what the lab breaks for a service, how it puts it back, and the
 * verdict phoenix must give. Adding a fault is adding a row; the e2e suite iterates the table.
 */
export interface Fault {
  name: string
  /** What the lab does, in words (for `lab faults` and test names). */
  does: string
  /** Services it can be injected on. */
  appliesTo: readonly string[]
  /** Affects every service at once (the gateway itself): injected once, not per service. */
  shared?: boolean
  inject(s: LabService): Promise<void>
  heal(s: LabService): Promise<void>
  expect: Expected
}

const ALL = SERVICES.map((s) => s.name)

/** Restarts the emulator healthy and waits for it to listen on every address again. */
async function restore(s: LabService): Promise<void> {
  await rerunService(s)
  await waitListening(s.ctid, s.port, '0.0.0.0')
}

/** A fault that restarts the emulator with other options; healed by restarting it healthy. */
function emulatorFault(name: string, does: string, expect: Expected, options: (s: LabService) => EmulatorOptions, appliesTo = ALL): Fault {
  return {
    name, does, appliesTo, expect,
    inject: async (s) => {
      const o = options(s)
      await rerunService(s, o)
      await waitListening(s.ctid, o.port ?? s.port, o.host)
    },
    heal: restore,
  }
}

/** nft in a CT's own namespace: a table the lab owns, so healing is deleting it. */
async function firewall(s: LabService, rules: string): Promise<void> {
  const table = `table inet phoenix_lab {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    ${rules}\n  }\n}\n`
  await must(['ip', 'netns', 'exec', ctById(s.ctid).ns, 'nft', '-f', '-'], {input: `add table inet phoenix_lab\ndelete table inet phoenix_lab\n${table}`})
}

async function clearFirewall(s: LabService): Promise<void> {
  await must(['ip', 'netns', 'exec', ctById(s.ctid).ns, 'nft', '-f', '-'], {input: 'add table inet phoenix_lab\ndelete table inet phoenix_lab\n'})
}

async function startNginx(): Promise<void> {
  await ctExec(GATEWAY_CTID, ['systemctl', 'start', 'nginx'])
  await waitListening(GATEWAY_CTID, 80, '0.0.0.0')
}

/** Off-by-one ports: 8000→8001, 5678→5679 (n8n's own task broker port), 6333→6334, 11434→11435. */
const otherPort = (s: LabService) => s.port + 1

export const FAULTS: readonly Fault[] = [
  {
    name: 'stopped', does: 'the unit or container is stopped', appliesTo: ALL,
    inject: stopService,
    heal: async (s) => (await startService(s), await waitListening(s.ctid, s.port)),
    expect: {layer: 'service', cause: 'service_down'},
  },
  {
    name: 'crashed', does: 'the process exits right after start (emulator --fault crash)', appliesTo: ALL,
    inject: async (s) => (await rerunService(s, {fault: 'crash'}), await waitState(s, 'failed')),
    heal: restore,
    expect: {layer: 'service', cause: 'service_crashed'},
  },
  emulatorFault('loopback-bind', 'the service listens on 127.0.0.1 inside its CT', {layer: 'host', cause: 'bound_to_loopback'}, () => ({host: '127.0.0.1'})),
  emulatorFault('wrong-port', 'the service listens on another port (its port + 1)', {layer: 'service', cause: 'not_listening'}, (s) => ({port: otherPort(s)})),
  emulatorFault('unhealthy', 'the health endpoint answers 503 (emulator --fault unhealthy)', {layer: 'service', cause: 'api_unhealthy'}, () => ({fault: 'unhealthy'}), ['vllm-chat', 'vllm-embed']),
  emulatorFault('hang', 'accepts connections, never answers (emulator --fault hang)', {layer: 'service', cause: 'api_timeout'}, () => ({fault: 'hang'})),
  emulatorFault('slow', `answers after ${SLOW_FAULT_MS} ms, past the inventory's slowMs`, {layer: 'service', cause: 'slow', status: 'warn'},
    () => ({fault: 'slow', extra: ['--slow-ms', String(SLOW_FAULT_MS)]})),
  {
    name: 'firewall-gateway', does: 'nft in the CT drops every packet from the gateway CT', appliesTo: ALL,
    inject: (s) => firewall(s, `ip saddr ${ctById(GATEWAY_CTID).address} drop`),
    heal: clearFirewall,
    expect: {layer: 'gateway', cause: 'gateway_blocked'},
  },
  {
    name: 'firewall-host', does: 'nft in the CT drops all inbound traffic (loopback aside)', appliesTo: ALL,
    inject: (s) => firewall(s, 'iif "lo" accept\n    drop'),
    heal: clearFirewall,
    expect: {layer: 'host', cause: 'network_blocked'},
  },
  {
    name: 'ct-stopped', does: 'pct stop: units stopped, init gone, link down', appliesTo: ALL,
    inject: (s) => pct(['stop', s.ctid]),
    heal: async (s) => (await pct(['start', s.ctid]), await waitListening(s.ctid, s.port)),
    expect: {layer: 'service', cause: 'container_stopped'},
  },
  {
    name: 'gateway-down', does: 'nginx in the gateway CT is stopped', appliesTo: ALL, shared: true,
    inject: async () => void (await ctExec(GATEWAY_CTID, ['systemctl', 'stop', 'nginx'])),
    heal: startNginx,
    expect: {layer: 'client', cause: 'gateway_down'},
  },
  {
    name: 'route-missing', does: "nginx.conf regenerated without the service's locations, reloaded", appliesTo: ALL,
    inject: (s) => setVariation(s.name, {omit: true}),
    heal: (s) => setVariation(s.name, {omit: undefined}),
    expect: {layer: 'client', cause: 'route_missing'},
  },
  {
    name: 'upstream-wrong-port', does: "nginx's upstream points at the service's port + 1, reloaded", appliesTo: ALL,
    inject: (s) => setVariation(s.name, {upstreamPort: otherPort(s)}),
    heal: (s) => setVariation(s.name, {upstreamPort: undefined}),
    expect: {layer: 'client', cause: 'upstream_mismatch'},
  },
]

export function faultByName(name: string): Fault {
  const found = FAULTS.find((f) => f.name === name)
  if (!found) throw new Error(`no fault "${name}" (known: ${FAULTS.map((f) => f.name).join(', ')})`)
  return found
}
