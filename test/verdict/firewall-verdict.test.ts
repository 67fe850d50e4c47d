import {describe, expect, it} from 'vitest'

import {planService} from '../../src/checks/services/plan.js'
import {parseFwFile} from '../../src/firewall/fw-parse.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {FirewallState} from '../../src/model/firewall.js'
import type {Observation} from '../../src/model/probes.js'
import {LAYERS} from '../../src/model/status.js'
import {judgeService} from '../../src/verdict/judge.js'
import {decideVerdict} from '../../src/verdict/verdict.js'

/**
 * Firewalls by design through the whole verdict: the plan's checks, observations as the lab gives
 * them, judged and decided. A hop the rules block is skip with its file:line, never a fault; a
 * skipped host layer neither hides a fault further out nor makes one.
 */

const inv = parseInventory(`proxmox: { host: local, configDir: /etc/pve }
gateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }
services:
  ollama: { kind: http, ctid: 955, address: 10.0.0.155, port: 11434, route: /ollama/ }
  hidden: { kind: http, ctid: 956, address: 10.0.0.156, port: 8080 }
`, 'x.yaml')

const CLUSTER = '[OPTIONS]\nenable: 1\npolicy_in: DROP\n'
const nic = (id: number, fw = 1) => ({config: `pct config ${id}`, nics: [{name: 'net0', firewall: fw === 1, ip: `10.0.0.${id - 800}`, text: `net0: name=eth0,firewall=${fw},ip=10.0.0.${id - 800}/24`}]})

function state(guest: Record<number, string>): FirewallState {
  const guests = Object.fromEntries(Object.entries(guest).map(([id, text]) => [id, parseFwFile(`/etc/pve/firewall/${id}.fw`, text, 'guest')]))
  return {cluster: parseFwFile('/etc/pve/firewall/cluster.fw', CLUSTER, 'cluster'), guests, nics: {953: nic(953), 955: nic(955), 956: nic(956)}, hostAddresses: ['10.0.0.1/24']}
}

const ok: Record<string, Observation> = {
  'service.listen': {kind: 'listen', sockets: [{address: '0.0.0.0', port: 11434, line: 'LISTEN 0 4096 0.0.0.0:11434'}], otherPorts: []},
  'service.http': {kind: 'http', latencyMs: 3, status: 200, body: 'ok'},
  'host.ping': {kind: 'ping', alive: true},
  'host.tcp': {kind: 'tcp', connected: true},
  'host.http': {kind: 'http', latencyMs: 3, status: 200, body: 'ok'},
  'gateway.tcp': {kind: 'tcp', connected: true},
  'gateway.http': {kind: 'http', latencyMs: 3, status: 200, body: 'ok'},
  'client.http': {kind: 'http', latencyMs: 3, status: 200, body: 'ok'},
}
const dropped: Observation = {kind: 'tcp', connected: false, error: {code: 'timeout', message: 'connect timed out'}}
const noPing: Observation = {kind: 'ping', alive: false, error: '100% packet loss'}

/** Judges one service with these observations (the route's nginx check left out: it is not about the firewall). */
function verdictOf(name: string, fw: FirewallState, seen: Record<string, Observation>) {
  const s = inv.services.find((x) => x.name === name)!
  const specs = planService(s, {inventory: inv, deep: false, apiKeys: new Map(), posture: false}, LAYERS).filter((x) => x.id !== 'gateway.route')
  const all: Record<string, Observation> = {...ok, ...seen, 'host.firewall': {kind: 'firewall', state: fw}}
  const observed = specs.map((spec) => ({spec, obs: spec.id === 'service.listen' ? {...all[spec.id]!, sockets: [{address: '0.0.0.0', port: s.port, line: `LISTEN 0.0.0.0:${s.port}`}]} as Observation : all[spec.id]!, durationMs: 1}))
  const layers = judgeService(name, {observed, gates: []}, LAYERS)
  return {layers, verdict: decideVerdict(s, layers, inv), check: (id: string) => layers.flatMap((l) => l.checks).find((c) => c.id === id)!}
}

const ONLY_GATEWAY = '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.153 -p tcp -dport 11434\n'
const BLOCKS_GATEWAY = '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source 10.0.0.153\n'

describe('firewalls by design in the verdict', () => {
  it('a firewall admitting only the gateway: the host\'s probes skip, blocked by design at the policy; healthy', () => {
    const r = verdictOf('ollama', state({955: ONLY_GATEWAY}), {'host.ping': noPing, 'host.tcp': dropped, 'host.http': {kind: 'http', latencyMs: 5000, error: {code: 'timeout', message: 'timed out'}}})
    expect(r.verdict.cause).toBe('healthy')
    for (const id of ['host.ping', 'host.tcp', 'host.http']) expect(r.check(id)).toMatchObject({status: 'skip', summary: 'blocked by design: /etc/pve/firewall/955.fw (policy_in DROP (the default: [OPTIONS] sets none))'})
    expect(r.check('host.firewall').summary).toBe('from the host: blocked by /etc/pve/firewall/955.fw (policy_in DROP (the default: [OPTIONS] sets none)); from the gateway CT 953: allowed by /etc/pve/firewall/955.fw:5 (IN ACCEPT -source 10.0.0.153 -p tcp -dport 11434)')
  })

  it('a skipped host layer hides no fault further out: the gateway allowed but not getting through is gateway_blocked, naming the rule that should let it in', () => {
    const r = verdictOf('ollama', state({955: ONLY_GATEWAY}), {'host.tcp': dropped, 'gateway.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 504}})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['gateway', 'gateway_blocked'])
    expect(r.verdict.evidence.join('\n')).toContain('the firewall lets this hop through: /etc/pve/firewall/955.fw:5 (IN ACCEPT -source 10.0.0.153 -p tcp -dport 11434)')
  })

  it('a skipped host layer hides no fault inside: the service down is the service\'s', () => {
    const r = verdictOf('ollama', state({955: ONLY_GATEWAY}), {'service.http': {kind: 'http', latencyMs: 1, error: {code: 'refused', message: 'refused'}}, 'host.tcp': dropped})
    expect(r.verdict.layer).toBe('service')
  })

  it('a rule blocking the gateway from a routed service is the fault, the rule named, with the line that lets it in', () => {
    const r = verdictOf('ollama', state({955: BLOCKS_GATEWAY}), {'gateway.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 504}})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['gateway', 'gateway_blocked'])
    expect(r.verdict.evidence.join('\n')).toContain("the firewall blocks this hop: /etc/pve/firewall/955.fw:5 (IN DROP -source 10.0.0.153), yet nginx's route for ollama goes from the gateway CT 953 to it")
    expect(r.verdict.hints[0]!.text).toBe('Let the gateway through to ollama: write `IN ACCEPT -source 10.0.0.153 -p tcp -dport 11434` in /etc/pve/firewall/955.fw above line 5 (pve-firewall applies it within seconds)')
  })

  it('a service without a route: the gateway blocked by a rule is a vantage blocked by design, skip', () => {
    const r = verdictOf('hidden', state({956: BLOCKS_GATEWAY}), {'gateway.tcp': dropped})
    expect(r.verdict.cause).toBe('healthy')
    expect(r.check('gateway.http')).toMatchObject({status: 'skip', summary: 'blocked by design: /etc/pve/firewall/956.fw:5 (IN DROP -source 10.0.0.153)'})
  })

  it('the host allowed but not getting through keeps network_blocked, with the line that should have let it in', () => {
    const r = verdictOf('ollama', state({955: BLOCKS_GATEWAY.replace('10.0.0.153', '10.0.0.99')}), {'host.tcp': dropped, 'gateway.tcp': dropped})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['host', 'network_blocked'])
    expect(r.verdict.evidence.join('\n')).toContain('the firewall lets this hop through: /etc/pve/firewall/955.fw:3 (policy_in: ACCEPT)')
  })

  it('declared but not enforced (no enable: 1): the probes are judged as today', () => {
    const r = verdictOf('ollama', state({955: ONLY_GATEWAY.replace('enable: 1', 'enable: 0')}), {'host.tcp': dropped})
    expect(r.verdict.cause).toBe('network_blocked')
    expect(r.verdict.evidence.join('\n')).toMatch(/955\.fw \[OPTIONS\] sets enable: 0: its rules are not enforced/)
  })
})
