import {describe, expect, it} from 'vitest'

import {planService} from '../../src/checks/services/plan.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {CheckSpec} from '../../src/model/check-spec.js'
import type {DnsObservation, Observation} from '../../src/model/probes.js'
import type {LayerResult} from '../../src/model/report.js'
import {LAYERS, worstStatus} from '../../src/model/status.js'
import type {JudgedCheck} from '../../src/verdict/judge.js'
import {decideVerdict} from '../../src/verdict/verdict.js'

const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://gw.internal.test }
services:
  n8n: { kind: n8n, ctid: 954, address: 198.18.0.154, port: 5678, route: { host: n8n.internal.test, path: / } }
  qdrant: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, route: /qdrant/ }
  ollama: { kind: ollama, ctid: 955, address: 198.18.0.155, port: 11434 }
`,
  'test.yaml',
)
const [n8n, qdrant, ollama] = inventory.services as [typeof inventory.services[0], typeof inventory.services[0], typeof inventory.services[0]]
const context = {inventory, deep: false, apiKeys: new Map<string, string>()}
const dnsSpecs = (s: typeof n8n) => planService(s, context, LAYERS).filter((x) => x.probe.kind === 'dns')

const answer = (name: string, addresses: string[], extra: Partial<DnsObservation> = {}): DnsObservation => ({kind: 'dns', name, addresses, resolvers: ['198.18.0.1'], ...extra})

/** Judges the service's dns checks in plan order, as judge.ts does, and gives each judged check. */
function judgeAll(specs: CheckSpec[], answers: Record<string, DnsObservation>): JudgedCheck[] {
  const seen = new Map<string, Observation>()
  return specs.map((spec) => {
    const obs = answers[spec.id]!
    const j = spec.judge(obs, seen)
    seen.set(spec.id, obs)
    return {id: spec.id, status: j.status, summary: j.summary, durationMs: 1, ...(j.finding ? {finding: j.finding} : {}), ...(j.evidence ? {evidence: j.evidence} : {}), ...(j.hints ? {hints: j.hints} : {})}
  })
}

/** Healthy path checks with these checks added at their layers (or in place of one), then the verdict. */
function verdictWith(dns: JudgedCheck[]) {
  const pass = (id: string): JudgedCheck => ({id, status: 'pass', summary: id, durationMs: 1})
  const base: Record<string, JudgedCheck[]> = {
    service: [pass('service.ct'), pass('service.http')], host: [pass('host.tcp'), pass('host.http')],
    gateway: [pass('gateway.ct'), pass('gateway.tcp'), pass('gateway.http')], client: [pass('client.http')],
  }
  const layers: LayerResult[] = LAYERS.filter((l) => base[l]).map((layer) => {
    const own = dns.filter((c) => c.id.startsWith(`${layer}.`))
    const checks = [...base[layer]!.filter((b) => !own.some((c) => c.id === b.id)), ...own]
    return {layer, status: worstStatus(checks.map((c) => c.status)), checks}
  })
  return decideVerdict(n8n, layers, inventory)
}

describe('DNS as a layer of facts: the plan', () => {
  it('resolves the route name and the gateway URL name at the host, in the gateway CT and at the client', () => {
    expect(dnsSpecs(n8n).map((s) => [s.id, s.vantage, s.probe])).toEqual([
      ['host.dns', {at: 'host'}, {kind: 'dns', name: 'n8n.internal.test'}],
      ['host.dns-url', {at: 'host'}, {kind: 'dns', name: 'gw.internal.test'}],
      ['gateway.dns', {at: 'guest', guest: {kind: 'ct', id: 953}}, {kind: 'dns', name: 'n8n.internal.test'}],
      ['gateway.dns-url', {at: 'guest', guest: {kind: 'ct', id: 953}}, {kind: 'dns', name: 'gw.internal.test'}],
      ['client.dns', {at: 'local'}, {kind: 'dns', name: 'n8n.internal.test'}],
      ['client.dns-url', {at: 'local'}, {kind: 'dns', name: 'gw.internal.test'}],
    ])
    // A path route reaches the gateway by its URL only; a service without a route has no name.
    expect(dnsSpecs(qdrant).map((s) => s.id)).toEqual(['host.dns-url', 'gateway.dns-url', 'client.dns-url'])
    expect(dnsSpecs(ollama)).toEqual([])
  })

  it('an address for a gateway URL plans nothing for it', () => {
    const inv = parseInventory(`proxmox: { host: local }\ngateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }\nservices:\n  q: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, route: /qdrant/ }\n`, 'x.yaml')
    expect(planService(inv.services[0]!, {...context, inventory: inv}, LAYERS).filter((x) => x.probe.kind === 'dns')).toEqual([])
  })
})

describe('DNS as a layer of facts: judged and decided', () => {
  const specs = dnsSpecs(n8n).filter((s) => s.id.endsWith('.dns'))
  const name = 'n8n.internal.test'

  it('every vantage gets the gateway: healthy', () => {
    const checks = judgeAll(specs, {'host.dns': answer(name, ['198.18.0.153']), 'gateway.dns': answer(name, ['198.18.0.153']), 'client.dns': answer(name, ['198.18.0.153'])})
    expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass'])
    expect(checks[0]!.summary).toBe('n8n.internal.test resolves on the Proxmox host to 198.18.0.153 (the gateway CT 953), resolver 198.18.0.1 (/etc/resolv.conf)')
    expect(verdictWith(checks).cause).toBe('healthy')
  })

  it('straight to the service at every vantage: dns_elsewhere at the host layer, the record to fix, each answer in the evidence', () => {
    const to = answer(name, ['198.18.0.154'])
    const checks = judgeAll(specs, {'host.dns': to, 'gateway.dns': to, 'client.dns': to})
    expect(checks.map((c) => c.finding)).toEqual(['dns_elsewhere', 'dns_elsewhere', 'dns_elsewhere'])
    const v = verdictWith(checks)
    expect([v.layer, v.cause]).toEqual(['host', 'dns_elsewhere'])
    expect(checks[0]!.summary).toBe("n8n.internal.test resolves on the Proxmox host to 198.18.0.154 (n8n's own CT 954: nginx skipped), not the gateway CT 953 (198.18.0.153), resolver 198.18.0.1 (/etc/resolv.conf)")
    expect(v.hints[0]!.text).toContain('address=/n8n.internal.test/198.18.0.153')
    expect(v.hints.map((h) => h.command)).toContain('grep -rn -F -e n8n.internal.test /etc/dnsmasq.conf /etc/dnsmasq.d/ /etc/hosts')
    expect(v.evidence.filter((l) => /^(host|gateway|client)\.dns: /.test(l))).toHaveLength(3)
    expect(v.evidence[0]).toBe(`host.dns: ${checks[0]!.summary}`)
  })

  it('the gateway CT disagrees with the host: dns_split at the gateway layer, naming both resolvers', () => {
    const checks = judgeAll(specs, {
      'host.dns': answer(name, ['198.18.0.153']),
      'gateway.dns': answer(name, [], {resolvers: ['192.0.2.53'], failure: 'nxdomain'}),
      'client.dns': answer(name, ['198.18.0.153']),
    })
    const v = verdictWith(checks)
    expect([v.layer, v.cause]).toEqual(['gateway', 'dns_split'])
    expect(v.evidence).toContain('  on the Proxmox host: n8n.internal.test → 198.18.0.153 (resolver 198.18.0.1 (/etc/resolv.conf))')
    expect(v.evidence).toContain('  in the gateway CT 953: n8n.internal.test: resolver 192.0.2.53 answers NXDOMAIN (no such name)')
    expect(v.hints[0]).toEqual({text: expect.stringContaining('point its /etc/resolv.conf at 198.18.0.1'), command: 'pct exec 953 -- cat /etc/resolv.conf'})
  })

  it('a stale /etc/hosts line: its line named, the command quoted for the vantage', () => {
    const checks = judgeAll(specs, {
      'host.dns': answer(name, ['198.18.0.153']),
      'gateway.dns': answer(name, ['198.18.0.154'], {hostsLine: 7}),
      'client.dns': answer(name, ['198.18.0.153']),
    })
    expect(checks[1]!.summary).toContain('from /etc/hosts line 7')
    expect(checks[1]!.hints![0]).toEqual({text: expect.stringContaining('/etc/hosts line 7 in the gateway CT 953 names n8n.internal.test: make it "198.18.0.153 n8n.internal.test"'), command: 'pct exec 953 -- sed -n 7p /etc/hosts'})
  })

  it('the resolver does not answer anywhere: dns_unresolved at the host layer, naming it', () => {
    const none = answer(name, [], {failure: 'no_answer'})
    const checks = judgeAll(specs, {'host.dns': none, 'gateway.dns': none, 'client.dns': none})
    const v = verdictWith(checks)
    expect([v.layer, v.cause]).toEqual(['host', 'dns_unresolved'])
    expect(checks[0]!.summary).toBe('n8n.internal.test does not resolve on the Proxmox host: its resolver 198.18.0.1 does not answer at all (down or unreachable)')
    expect(v.hints[0]!.command).toBe('nc -z -u -w 2 198.18.0.1 53')
  })

  it('NXDOMAIN: the record to add; a path failure of the same layer keeps its own cause', () => {
    const nx = answer(name, [], {failure: 'nxdomain'})
    const checks = judgeAll(specs, {'host.dns': nx, 'gateway.dns': nx, 'client.dns': nx})
    expect(checks[0]!.hints![0]!.text).toContain('198.18.0.1 has no record for n8n.internal.test: add address=/n8n.internal.test/198.18.0.153')
    const blocked = verdictWith([...checks, {id: 'host.tcp', status: 'fail', summary: 'x', durationMs: 1, finding: 'port_filtered'}])
    expect(blocked.cause).toBe('network_blocked')
  })

  it('the gateway among other answers is a warning', () => {
    const checks = judgeAll(specs.slice(0, 1), {'host.dns': answer(name, ['198.18.0.153', '198.18.0.154'])})
    expect([checks[0]!.status, checks[0]!.finding]).toEqual(['warn', 'dns_elsewhere'])
  })
})

describe('DNS behind a proxy (Traefik): the proxy CT is a vantage too', () => {
  const inv = parseInventory(`proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: https://10.0.0.153 }
proxy: { kind: traefik, ctid: 102, address: 10.0.0.12 }
services:
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, viaProxy: true, route: { host: ollama.internal.test, path: / } }
`, 'proxy.yaml')
  const ollamaSpecs = planService(inv.services[0]!, {...context, inventory: inv}, LAYERS).filter((x) => x.probe.kind === 'dns')

  it('resolves the name on the host, in the proxy CT, in the gateway CT and at the client, in that order', () => {
    expect(ollamaSpecs.map((x) => [x.id, x.vantage])).toEqual([
      ['host.dns', {at: 'host'}],
      ['proxy.dns', {at: 'guest', guest: {kind: 'ct', id: 102}}],
      ['gateway.dns', {at: 'guest', guest: {kind: 'ct', id: 101}}],
      ['client.dns', {at: 'local'}],
    ])
  })

  it('the proxy CT resolving it elsewhere while the host gets the gateway: dns_split in the proxy CT, its hint run there', () => {
    const name = 'ollama.internal.test'
    const checks = judgeAll(ollamaSpecs, {
      'host.dns': answer(name, ['10.0.0.153']),
      'proxy.dns': answer(name, ['10.0.0.155'], {resolvers: ['10.0.0.1']}),
      'gateway.dns': answer(name, ['10.0.0.153']),
      'client.dns': answer(name, ['10.0.0.153']),
    })
    expect(checks.map((c) => [c.id, c.status, c.finding])).toEqual([['host.dns', 'pass', undefined], ['proxy.dns', 'fail', 'dns_split'], ['gateway.dns', 'pass', undefined], ['client.dns', 'pass', undefined]])
    expect(checks[1]!.summary).toContain("resolves in the proxy CT 102 to 10.0.0.155 (ollama's own CT 914: nginx skipped)")
    expect(checks[1]!.hints![0]).toEqual({text: expect.stringContaining('point its /etc/resolv.conf at 198.18.0.1'), command: 'pct exec 102 -- cat /etc/resolv.conf'})
  })
})
