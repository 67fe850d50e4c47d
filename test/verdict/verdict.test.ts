import {describe, expect, it} from 'vitest'

import {CAUSES} from '../../src/verdict/causes.js'
import {hintsFor} from '../../src/verdict/hints.js'
import type {JudgedCheck} from '../../src/verdict/judge.js'
import type {Finding} from '../../src/model/findings.js'
import type {LayerResult} from '../../src/model/report.js'
import {worstStatus} from '../../src/model/status.js'
import type {Layer, Status} from '../../src/model/status.js'
import {decideVerdict} from '../../src/verdict/verdict.js'
import {parseInventory} from '../../src/inventory/load.js'

const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }
services:
  n8n: { kind: n8n, ctid: 954, address: 198.18.0.154, port: 5678, runtime: { docker: n8n }, route: /n8n/ }
  ollama: { kind: ollama, ctid: 955, address: 198.18.0.155, port: 11434, runtime: { systemd: ollama }, route: /ollama/ }
  open-webui: { kind: openwebui, ctid: 956, address: 198.18.0.156, port: 8080, runtime: { docker: open-webui }, route: /webui/ }
`,
  'test.yaml',
)
const n8n = inventory.services[0]!
const ollama = inventory.services[1]!
const openWebUi = inventory.services[2]!

type C = [id: string, status: Status, finding?: Finding]
const pass = (id: string): C => [id, 'pass']

/** Layers from terse check tuples, statuses rolled up as the engine does. */
function layers(spec: Partial<Record<Layer, C[]>>): LayerResult[] {
  return (['service', 'host', 'gateway', 'client'] as const)
    .filter((l) => spec[l])
    .map((layer) => {
      const checks: JudgedCheck[] = spec[layer]!.map(([id, status, finding]) => ({id, status, summary: `${id} ${status}`, durationMs: 1, ...(finding ? {finding} : {})}))
      return {layer, status: worstStatus(checks.map((c) => c.status)), checks}
    })
}

const healthyService: C[] = [pass('service.ct'), pass('service.runtime'), pass('service.listen'), pass('service.http')]
const healthyHost: C[] = [pass('host.ping'), pass('host.tcp'), pass('host.http')]
const healthyGateway: C[] = [pass('gateway.ct'), pass('gateway.tcp'), pass('gateway.http')]
const healthyClient: C[] = [pass('client.http')]

describe('decideVerdict: the inside-out tree', () => {
  it.each<[string, Partial<Record<Layer, C[]>>, Layer | null, string]>([
    ['all layers pass', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: healthyClient}, null, 'healthy'],
    ['CT stopped', {service: [['service.ct', 'fail', 'container_stopped'], ['service.runtime', 'skip'], ['service.listen', 'skip'], ['service.http', 'skip']], host: [['host.ping', 'warn', 'ping_filtered'], ['host.tcp', 'fail', 'port_filtered'], ['host.http', 'skip']]}, 'service', 'container_stopped'],
    ['unit crashed beats the port that is gone with it', {service: [pass('service.ct'), ['service.runtime', 'fail', 'service_crashed'], ['service.listen', 'fail', 'not_listening'], ['service.http', 'skip']]}, 'service', 'service_crashed'],
    ['wrong port', {service: [pass('service.ct'), pass('service.runtime'), ['service.listen', 'fail', 'not_listening'], ['service.http', 'skip']], host: [pass('host.ping'), ['host.tcp', 'fail', 'port_refused']]}, 'service', 'not_listening'],
    ['hung API', {service: [pass('service.ct'), pass('service.runtime'), pass('service.listen'), ['service.http', 'fail', 'api_timeout']], host: [pass('host.tcp'), ['host.http', 'fail', 'api_timeout']]}, 'service', 'api_timeout'],
    ['loopback bind is a host-layer fault explained by the ss line', {service: [pass('service.ct'), pass('service.runtime'), ['service.listen', 'warn', 'bound_to_loopback'], pass('service.http')], host: [pass('host.ping'), ['host.tcp', 'fail', 'port_refused'], ['host.http', 'skip']]}, 'host', 'bound_to_loopback'],
    ['host blocked while healthy inside', {service: healthyService, host: [['host.ping', 'warn', 'ping_filtered'], ['host.tcp', 'fail', 'port_filtered'], ['host.http', 'skip']], gateway: [pass('gateway.ct'), ['gateway.tcp', 'fail', 'port_filtered']]}, 'host', 'network_blocked'],
    ['host ok, gateway fails: between gateway and CT', {service: healthyService, host: healthyHost, gateway: [pass('gateway.ct'), ['gateway.tcp', 'fail', 'port_filtered'], ['gateway.http', 'skip']], client: [['client.http', 'fail', 'upstream_timeout']]}, 'gateway', 'gateway_blocked'],
    ['all inner ok, client 502: nginx upstream wrong', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [['client.http', 'fail', 'upstream_refused']]}, 'client', 'upstream_mismatch'],
    ['client 502 with no inner layers run', {client: [['client.http', 'fail', 'upstream_refused']]}, 'client', 'upstream_error'],
    ['all inner ok, client 404', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [['client.http', 'fail', 'route_missing']]}, 'client', 'route_missing'],
    ['client 404 where the location proxies to another service\'s upstream', {service: healthyService, host: healthyHost, gateway: [...healthyGateway, ['gateway.route', 'warn', 'route_wrong_upstream']], client: [['client.http', 'fail', 'route_missing']]}, 'client', 'route_wrong_upstream'],
    ['client passes, the location still proxies to another service\'s upstream', {service: healthyService, host: healthyHost, gateway: [...healthyGateway, ['gateway.route', 'warn', 'route_wrong_upstream']], client: healthyClient}, 'gateway', 'route_wrong_upstream'],
    ['nginx down', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [['client.http', 'fail', 'gateway_down']]}, 'client', 'gateway_down'],
    ['slow is a warning at the innermost layer that saw it', {service: [pass('service.ct'), pass('service.runtime'), pass('service.listen'), ['service.http', 'warn', 'slow']], client: [['client.http', 'warn', 'slow']]}, 'service', 'slow'],
    ['SSH down: blind, not broken', {service: [['service.ct', 'unknown', 'vantage_unreachable'], ['service.http', 'unknown']], client: healthyClient}, 'service', 'vantage_unreachable'],
    ['vLLM loading explains the refusals further out', {service: [pass('service.ct'), pass('service.runtime'), ['service.listen', 'warn', 'service_starting'], ['service.http', 'skip']], host: [pass('host.ping'), ['host.tcp', 'fail', 'port_refused']], client: [['client.http', 'fail', 'upstream_refused']]}, 'service', 'service_starting'],
    ['a slow service does not explain a missing route', {service: [pass('service.ct'), ['service.http', 'warn', 'slow']], host: healthyHost, gateway: healthyGateway, client: [['client.http', 'fail', 'route_missing']]}, 'client', 'route_missing'],
    ['healthz fine, readiness 503', {service: [pass('service.ct'), pass('service.runtime'), pass('service.listen'), pass('service.http'), ['service.ready', 'fail', 'database_not_ready']], host: healthyHost, gateway: healthyGateway, client: healthyClient}, 'service', 'database_not_ready'],
    // real-systemd-findings D4b: docker-proxy listens for a container between two crashes, curl is reset.
    ['a container caught running in a restart loop, docker-proxy answering for it: crashed', {service: [pass('service.ct'), ['service.runtime', 'warn', 'service_restarting'], pass('service.listen'), ['service.http', 'fail', 'api_error']]}, 'service', 'service_crashed'],
    // S4d: a unit restarted by systemd, active again, its port not open yet.
    ['a unit caught active in a crash loop, nothing listening yet: crashed', {service: [pass('service.ct'), ['service.runtime', 'warn', 'service_restarting'], ['service.listen', 'fail', 'not_listening'], ['service.http', 'skip']]}, 'service', 'service_crashed'],
    ['a restarted service that answers wrongly is not blamed on the restarts', {service: [pass('service.ct'), ['service.runtime', 'warn', 'service_restarting'], pass('service.listen'), ['service.models', 'fail', 'model_missing']]}, 'service', 'model_missing'],
    ['a crash outranks the model it no longer serves', {service: [pass('service.ct'), ['service.runtime', 'fail', 'service_crashed'], ['service.models', 'fail', 'model_missing']]}, 'service', 'service_crashed'],
    // The real n8n 2.8.4 answers its readiness before its REST routes exist: a 404 push is its start, not nginx.
    ['n8n ready, its push route not yet registered: starting', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [pass('client.http'), ['client.websocket', 'warn', 'service_starting']]}, 'client', 'service_starting'],
    ['health route fine, WebSocket not proxied', {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [pass('client.http'), ['client.websocket', 'fail', 'websocket_not_proxied']]}, 'client', 'websocket_not_proxied'],
    ['a fault outranks a blind spot', {service: [['service.ct', 'unknown', 'vantage_unreachable']], client: [['client.http', 'fail', 'gateway_down']]}, 'client', 'gateway_down'],
    // D9: a layer not observed is unknown, never blame for the hop outside it.
    ['service not seen by the deadline, gateway HTTP timed out: unknown, not a firewall', {service: [['service.ct', 'unknown', 'deadline'], ['service.http', 'unknown']], gateway: [pass('gateway.ct'), pass('gateway.tcp'), ['gateway.http', 'fail', 'api_timeout']]}, 'service', 'deadline'],
    ['service not seen, gateway TCP filtered: still no blame on the hop', {service: [['service.ct', 'unknown', 'vantage_unreachable']], host: healthyHost, gateway: [pass('gateway.ct'), ['gateway.tcp', 'fail', 'port_filtered'], ['gateway.http', 'skip']]}, 'service', 'vantage_unreachable'],
    ['service not seen, host TCP fails: not network_blocked', {service: [['service.ct', 'unknown', 'deadline']], host: [pass('host.ping'), ['host.tcp', 'fail', 'port_filtered'], ['host.http', 'skip']]}, 'service', 'deadline'],
    ['host not seen, gateway fails: the host layer is the unknown one', {service: healthyService, host: [['host.tcp', 'unknown', 'deadline'], ['host.http', 'unknown', 'deadline']], gateway: [pass('gateway.ct'), ['gateway.tcp', 'fail', 'port_filtered']]}, 'host', 'deadline'],
    ['a tool missing inside is not "not observed": the service answered, so the host hop is blamed', {service: [pass('service.ct'), ['service.runtime', 'unknown', 'tool_missing'], pass('service.http')], host: [pass('host.ping'), ['host.tcp', 'fail', 'port_filtered'], ['host.http', 'skip']]}, 'host', 'network_blocked'],
    ['gateway TCP gets through, its HTTP times out: the timeout, not gateway_blocked', {service: healthyService, host: healthyHost, gateway: [pass('gateway.ct'), pass('gateway.tcp'), ['gateway.http', 'fail', 'api_timeout']]}, 'gateway', 'api_timeout'],
    ['gateway TCP filtered with the host through: gateway_blocked', {service: healthyService, host: healthyHost, gateway: [pass('gateway.ct'), ['gateway.tcp', 'fail', 'port_filtered'], ['gateway.http', 'skip']]}, 'gateway', 'gateway_blocked'],
  ])('%s', (_name, spec, layer, cause) => {
    const verdict = decideVerdict(n8n, layers(spec), inventory)
    expect(verdict.layer).toBe(layer)
    expect(verdict.cause).toBe(cause)
    expect(verdict.summary).toContain('n8n')
  })

  it("a crash loop caught running shows the restarts and the container's log lines, not only curl's error", () => {
    const [service] = layers({service: [pass('service.ct'), ['service.runtime', 'warn', 'service_restarting'], pass('service.listen'), ['service.http', 'fail', 'api_error']]})
    const runtime = service!.checks[1] as JudgedCheck
    Object.assign(runtime, {summary: 'container n8n is running but restarted 1 times', evidence: ['n8n: fatal: cannot open /etc/n8n.conf']})
    const v = decideVerdict(n8n, [service!], inventory)
    expect(v.evidence.join('\n')).toMatch(/service\.runtime: container n8n is running but restarted 1 times\n  n8n: fatal: cannot open/)
  })

  it('hints name the exact CT, runtime and route', () => {
    const down = decideVerdict(n8n, layers({service: [pass('service.ct'), ['service.runtime', 'fail', 'service_down']]}), inventory)
    expect(down.hints.map((h) => h.command)).toContain('pct exec 954 -- docker restart n8n')
    const loop = decideVerdict(ollama, layers({service: [pass('service.ct'), ['service.listen', 'warn', 'bound_to_loopback']], host: [['host.tcp', 'fail', 'port_refused']]}), inventory)
    expect(loop.hints[0]).toMatchObject({command: 'pct exec 955 -- systemctl edit ollama'})
    expect(loop.hints[0]!.text).toContain('OLLAMA_HOST=0.0.0.0:11434')
  })

  it('a WebSocket not proxied is said in words that fit the service (Open WebUI has no n8n editor)', () => {
    const client = {service: healthyService, host: healthyHost, gateway: healthyGateway, client: [pass('client.http'), ['client.websocket', 'fail', 'websocket_not_proxied'] as C]}
    const verdict = decideVerdict(openWebUi, layers(client), inventory)
    expect(verdict.cause).toBe('websocket_not_proxied')
    expect(verdict.summary).toMatch(/^open-webui \(CT 956\): client layer fails: .*Upgrade\/Connection/)
    expect(verdict.summary).not.toMatch(/n8n|editor|Connection lost/)
  })

  it.each(Object.keys(CAUSES))('cause %s has a hint unless healthy', (cause) => {
    const hints = hintsFor(cause as keyof typeof CAUSES, n8n, inventory)
    expect(cause === 'healthy' ? hints.length === 0 : hints.length > 0).toBe(true)
  })
})
