import {describe, expect, it} from 'vitest'

import {byDesign, firewallProbe, hopCarriesRoute} from '../../src/checks/expectations/firewall.js'
import {tcpConnects} from '../../src/checks/expectations/net.js'
import {planService} from '../../src/checks/services/plan.js'
import {parseFwFile} from '../../src/firewall/fw-parse.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {FirewallState} from '../../src/model/firewall.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {Observation} from '../../src/model/probes.js'
import {LAYERS} from '../../src/model/status.js'
import {judgeService} from '../../src/verdict/judge.js'
import {decideVerdict} from '../../src/verdict/verdict.js'

/**
 * Firewalls by design behind a proxy (issue 13 item 5 with 13.2): the route of `web` goes nginx (CT
 * 953) → Traefik (CT 958) → web (CT 959), so the hops that carry it are the proxy's to the service
 * and the gateway's to the proxy; the host's (and the gateway's to the service) are only vantages.
 * Real rule files, parsed as on the host; observations as the lab gives them; judged and decided.
 */

const estate = (proxyAddress = '10.0.0.158') => parseInventory(`proxmox: { host: local, configDir: /etc/pve }
gateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }
proxy: { kind: traefik, ctid: 958, address: ${proxyAddress} }
services:
  web: { kind: http, ctid: 959, address: 10.0.0.159, port: 8090, viaProxy: true, route: /web/ }
  ollama: { kind: http, ctid: 955, address: 10.0.0.155, port: 11434, route: /ollama/ }
`, 'x.yaml')
const inv = estate()

const CLUSTER = '[OPTIONS]\nenable: 1\npolicy_in: DROP\n'
const nic = (id: number) => ({config: `pct config ${id}`, nics: [{name: 'net0', firewall: true, ip: `10.0.0.${id - 800}`, text: `net0: name=eth0,firewall=1,ip=10.0.0.${id - 800}/24`}]})

function state(guest: Record<number, string>): FirewallState {
  // Every guest the inventory names is read; one without a file is absent, as on the host.
  const guests = Object.fromEntries([953, 955, 958, 959].map((id) => [id, parseFwFile(`/etc/pve/firewall/${id}.fw`, guest[id], 'guest')]))
  return {cluster: parseFwFile('/etc/pve/firewall/cluster.fw', CLUSTER, 'cluster'), guests, nics: {953: nic(953), 955: nic(955), 958: nic(958), 959: nic(959)}, hostAddresses: ['10.0.0.1/24']}
}

const http200: Observation = {kind: 'http', latencyMs: 3, status: 200, body: 'ok'}
const ok: Record<string, Observation> = {
  'service.listen': {kind: 'listen', sockets: [{address: '0.0.0.0', port: 8090, line: 'LISTEN 0 4096 0.0.0.0:8090'}], otherPorts: []},
  'service.http': http200,
  'host.ping': {kind: 'ping', alive: true},
  'host.tcp': {kind: 'tcp', connected: true},
  'host.http': http200,
  'proxy.tcp': {kind: 'tcp', connected: true},
  'proxy.http': http200,
  'gateway.tcp': {kind: 'tcp', connected: true},
  'gateway.http': http200,
  'client.http': http200,
}
const dropped: Observation = {kind: 'tcp', connected: false, error: {code: 'timeout', message: 'connect timed out'}}
const refused: Observation = {kind: 'tcp', connected: false, error: {code: 'refused', message: 'connect ECONNREFUSED'}}

/** Judges one service: the checks these observations cover (Traefik's unit and config, nginx's, left out: not about the firewall). */
function verdictOf(name: string, fw: FirewallState, seen: Record<string, Observation>, inventory: Inventory = inv) {
  const s = inventory.services.find((x) => x.name === name)!
  const all: Record<string, Observation> = {...ok, ...seen, 'host.firewall': {kind: 'firewall', state: fw}}
  const specs = planService(s, {inventory, deep: false, apiKeys: new Map(), posture: false}, LAYERS).filter((x) => all[x.id])
  const observed = specs.map((spec) => ({spec, obs: all[spec.id]!, durationMs: 1}))
  const layers = judgeService(name, {observed, gates: []}, LAYERS)
  return {verdict: decideVerdict(s, layers, inventory), check: (id: string) => layers.flatMap((l) => l.checks).find((c) => c.id === id)!}
}

const ONLY_PROXY = '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.158 -p tcp -dport 8090 # Traefik\n'
const BLOCKS_PROXY = '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source 10.0.0.158\n'
const HOST_POLICY = '/etc/pve/firewall/959.fw (policy_in DROP (the default: [OPTIONS] sets none))'

describe('firewalls by design behind a proxy', () => {
  it('a firewall admitting only the proxy: the host\'s probes skip by design, the proxy\'s hop passes; healthy, and host.firewall names the proxy\'s hops', () => {
    const r = verdictOf('web', state({959: ONLY_PROXY}), {'host.ping': {kind: 'ping', alive: false, error: '100% packet loss'}, 'host.tcp': dropped, 'host.http': {kind: 'http', latencyMs: 5000, error: {code: 'timeout', message: 'timed out'}}})
    expect(r.verdict.cause).toBe('healthy')
    for (const id of ['host.ping', 'host.tcp', 'host.http']) expect(r.check(id)).toMatchObject({status: 'skip', summary: `blocked by design: ${HOST_POLICY}`})
    for (const id of ['proxy.tcp', 'proxy.http', 'gateway.tcp']) expect(r.check(id).status).toBe('pass')
    expect(r.check('host.firewall').summary).toBe(`from the host: blocked by ${HOST_POLICY}; from the proxy CT 958: allowed by /etc/pve/firewall/959.fw:5 (IN ACCEPT -source 10.0.0.158 -p tcp -dport 8090 # Traefik); from the gateway CT 953 to the proxy CT 958: allowed: no rules are declared for guest 958 (/etc/pve/firewall/958.fw is absent)`)
  })

  it('behind a proxy, the gateway\'s hop to the service is only a vantage: a rule blocking it is skip, by design', () => {
    const fw = state({959: '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source 10.0.0.153\n'})
    const web = inv.services.find((s) => s.name === 'web')!
    expect([hopCarriesRoute('gateway', web, inv), hopCarriesRoute('proxy', web, inv), hopCarriesRoute('gateway', web, inv, 'proxy'), hopCarriesRoute('host', web, inv)]).toEqual([false, true, true, false])
    const judged = byDesign('gateway', web, inv, 'tcp', tcpConnects('10.0.0.159:8090 from CT 953'))(dropped, new Map([['host.firewall', {kind: 'firewall', state: fw}]]))
    expect(judged).toEqual({status: 'skip', summary: 'blocked by design: /etc/pve/firewall/959.fw:5 (IN DROP -source 10.0.0.153)'})
  })

  it('a rule blocking the proxy is the fault at the proxy layer: the rule named, the line that lets the proxy in', () => {
    const r = verdictOf('web', state({959: BLOCKS_PROXY}), {'proxy.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 502}})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['proxy', 'proxy_blocked'])
    expect(r.verdict.summary).toBe("web (CT 959): proxy layer fails: The host reaches the service but the proxy's CT cannot: a firewall between the two CTs, or routing.")
    expect(r.verdict.evidence.join('\n')).toContain("the firewall blocks this hop: /etc/pve/firewall/959.fw:5 (IN DROP -source 10.0.0.158), yet Traefik's route for web goes from the proxy CT 958 to it")
    expect(r.verdict.hints[0]!.text).toBe('Let the proxy through to web: write `IN ACCEPT -source 10.0.0.158 -p tcp -dport 8090` in /etc/pve/firewall/959.fw above line 5 (pve-firewall applies it within seconds)')
  })

  it("the proxy's own OUT rule blocking the hop: the OUT line to add, in the proxy's file", () => {
    const r = verdictOf('web', state({958: '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 80\nOUT DROP -dest 10.0.0.0/24\n'}), {'proxy.tcp': refused, 'client.http': {kind: 'http', latencyMs: 3, status: 502}})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['proxy', 'proxy_blocked'])
    expect(r.verdict.evidence.join('\n')).toContain('the firewall blocks this hop: /etc/pve/firewall/958.fw:5 (OUT DROP -dest 10.0.0.0/24)')
    expect(r.verdict.hints[0]!.text).toBe('Let the proxy through to web: write `OUT ACCEPT -dest 10.0.0.159 -p tcp -dport 8090` in /etc/pve/firewall/958.fw above line 5 (pve-firewall applies it within seconds)')
  })

  it('a proxy named by a host name: the line to add keeps a placeholder where its IP address goes, never the name', () => {
    const named = estate('traefik.lan')
    const r = verdictOf('web', state({959: '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -p tcp -dport 8090\n'}), {'proxy.tcp': dropped, 'host.tcp': {kind: 'tcp', connected: true}}, named)
    expect(r.verdict.cause).toBe('proxy_blocked')
    expect(r.verdict.hints[0]!.text).toContain("write `IN ACCEPT -source <the proxy's IP address> -p tcp -dport 8090` in /etc/pve/firewall/959.fw above line 5")
  })

  it("the gateway's hop to the proxy carries every proxied route: a rule blocking it is gateway_blocked, the words about the proxy", () => {
    const r = verdictOf('web', state({958: '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source 10.0.0.153\n'}), {'gateway.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 504}})
    expect([r.verdict.layer, r.verdict.cause]).toEqual(['gateway', 'gateway_blocked'])
    expect(r.verdict.summary).toBe("web (CT 959): gateway layer fails: The host reaches the service and the proxy's CT 958 reaches it, but the gateway CT cannot reach the proxy: a firewall between the two CTs, or routing.")
    expect(r.verdict.evidence.join('\n')).toContain("the firewall blocks this hop: /etc/pve/firewall/958.fw:5 (IN DROP -source 10.0.0.153), yet nginx's route for web goes from the gateway CT 953 to the proxy CT 958")
    expect(r.verdict.hints[0]!.text).toBe('Let the gateway through to the proxy CT 958: write `IN ACCEPT -source 10.0.0.153 -p tcp -dport 80` in /etc/pve/firewall/958.fw above line 5 (pve-firewall applies it within seconds)')
    expect(r.verdict.hints.map((h) => h.command)).toContain('pct exec 953 -- nc -zv -w 3 10.0.0.158 80')
  })

  it("gateway_blocked's words are true when the host's hop was skipped by design, and when the host got through", () => {
    const onlyGateway = state({955: '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.153 -p tcp -dport 11434\n'})
    const skipped = verdictOf('ollama', onlyGateway, {'host.tcp': dropped, 'host.http': dropped, 'gateway.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 504}})
    expect(skipped.verdict.summary).toBe("ollama (CT 955): gateway layer fails: The service answers inside its CT (the host's hop is blocked by design) but the gateway CT cannot: a firewall between the two CTs, or routing.")
    expect(skipped.verdict.evidence).toContain('host.tcp: blocked by design: /etc/pve/firewall/955.fw (policy_in DROP (the default: [OPTIONS] sets none))')
    const through = verdictOf('ollama', state({}), {'gateway.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 504}})
    expect(through.verdict.summary).toBe('ollama (CT 955): gateway layer fails: The host reaches the service but the gateway CT cannot: a firewall between the two CTs, or routing.')
  })

  it("the proxy's hop blocked while the host's is blocked by design: proxy_blocked says the service answers inside its CT; a policy's line is no place for a rule", () => {
    const fw = state({959: '[OPTIONS]\nenable: 1\npolicy_in: DROP\n[RULES]\nIN ACCEPT -source 10.0.0.153 -p tcp -dport 8090\n'})
    const r = verdictOf('web', fw, {'host.tcp': dropped, 'host.http': dropped, 'proxy.tcp': dropped, 'client.http': {kind: 'http', latencyMs: 3, status: 502}})
    expect(r.verdict.cause).toBe('proxy_blocked')
    expect(r.verdict.summary).toBe("web (CT 959): proxy layer fails: The service answers inside its CT (the host's hop is blocked by design) but the proxy's CT cannot: a firewall between the two CTs, or routing.")
    expect(r.verdict.evidence.join('\n')).toContain("the firewall blocks this hop: /etc/pve/firewall/959.fw:3 (policy_in: DROP), yet Traefik's route")
    expect(r.verdict.hints[0]!.text).toBe('Let the proxy through to web: write `IN ACCEPT -source 10.0.0.158 -p tcp -dport 8090` under [RULES] in /etc/pve/firewall/959.fw (pve-firewall applies it within seconds)')
  })

  it("the firewall is read for the proxy's guest too (its own rules decide the proxy's hops)", () => {
    expect(firewallProbe(inv).guests.map((g) => g.id)).toEqual([953, 958, 959, 955])
  })
})
