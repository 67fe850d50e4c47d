import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import {parseTraefik} from '../../src/checks/probes/traefik.js'
import {planService} from '../../src/checks/services/plan.js'
import {judgeProxyRoute} from '../../src/checks/services/proxy-route.js'
import {judgeRoute, nginxProbe} from '../../src/checks/services/route-check.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {NginxObservation, Observation} from '../../src/model/probes.js'
import type {LayerResult} from '../../src/model/report.js'
import {LAYERS, worstStatus} from '../../src/model/status.js'
import type {TraefikObservation} from '../../src/model/traefik.js'
import type {JudgedCheck} from '../../src/verdict/judge.js'
import {decideVerdict} from '../../src/verdict/verdict.js'
import {OPERATORS_GATEWAY, operatorsDump} from '../gateway/operators-fixture.js'

/** The operators' estate at HEAD: nginx (CT 101) → Traefik (CT 102, 10.0.0.12) → services, names under internal.thinkheads.ai. */
const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: https://nginx.phoenix.thinkheads.ai }
proxy: { kind: traefik, ctid: 102, address: 10.0.0.12, api: http://127.0.0.1:8080 }
services:
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, viaProxy: true, route: { host: ollama.phoenix.thinkheads.ai, path: / } }
  embed: { kind: vllm, task: embed, ctid: 801, address: 10.0.0.141, port: 8000, viaProxy: true, route: { host: embed.phoenix.thinkheads.ai, path: / } }
  n8n: { kind: n8n, ctid: 954, address: 10.0.0.154, port: 5678, route: { host: n8n.phoenix.thinkheads.ai, path: / } }
`,
  'estate.yaml',
)
const DYN = '/etc/traefik/dynamic/dynamic_conf.yml'
const svc = (name: string) => inventory.services.find((s) => s.name === name)!

/** Their dynamic_conf.yml's shape: one router per name, Host rule, a service per backend. */
const conf = (ollamaUrl = 'http://10.0.0.155:11434', ollamaRule = 'Host(`ollama.phoenix.thinkheads.ai`)') => `http:
  routers:
    ollama:
      rule: "${ollamaRule}"
      service: ollama
      entryPoints: [web]
    embed:
      rule: "Host(\`embed.phoenix.thinkheads.ai\`)"
      service: embed
  services:
    ollama:
      loadBalancer:
        servers:
          - url: "${ollamaUrl}"
        healthCheck: { path: /api/version, interval: 10s }
    embed:
      loadBalancer:
        servers:
          - url: "http://10.0.0.141:8000"
`

/** What the snippet prints: the file, then /ping and the API's routers and services. */
function observe(text: string, api?: {routers: unknown[]; services: unknown[]} | 'refused'): TraefikObservation {
  const lines = [`@@file ${DYN}`, ...text.split('\n')]
  if (api === 'refused') for (const p of ['ping', 'api/http/routers', 'api/http/services']) lines.push(`@@get ${p}`, 'curl: (7) Failed to connect to 127.0.0.1 port 8080: Connection refused', '@@status 000', '@@rc 7')
  else if (api) lines.push('@@get ping', 'OK', '@@status 200', '@@rc 0', '@@get api/http/routers', JSON.stringify(api.routers), '@@status 200', '@@rc 0', '@@get api/http/services', JSON.stringify(api.services), '@@status 200', '@@rc 0')
  return parseTraefik(lines, {kind: 'traefik', configDir: '/etc/traefik/dynamic', ...(api ? {api: 'http://127.0.0.1:8080'} : {})}) as TraefikObservation
}
const judge = (name: string, obs: TraefikObservation, seen = new Map<string, Observation>()) => judgeProxyRoute(svc(name), inventory, obs, '', seen)

describe('the proxy layer: what Traefik routes for the service', () => {
  it('reads the routers and services with their file:line, and passes the router that leads to the service', () => {
    const obs = observe(conf())
    expect(obs.routers.map((r) => [r.name, r.at?.line])).toEqual([['ollama', 3], ['embed', 7]])
    expect(obs.services[0]).toMatchObject({name: 'ollama', healthCheckPath: '/api/version', servers: [{url: 'http://10.0.0.155:11434', at: {file: DYN, line: 14}}]})
    expect(judge('ollama', obs)).toMatchObject({status: 'pass', summary: expect.stringMatching(/^router ollama \(.*dynamic_conf\.yml:3\) Host\(`ollama\.phoenix\.thinkheads\.ai`\) → service ollama → http:\/\/10\.0\.0\.155:11434$/)})
  })

  it('router missing: no rule matches and no router leads to the service', () => {
    const j = judge('ollama', observe(conf().replace(/    ollama:\n      rule[^\n]*\n      service: ollama\n      entryPoints: \[web\]\n/, '')))
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_router_missing'})
    expect(j.hints?.[0]?.text).toMatch(/rule: "Host\(`ollama\.phoenix\.thinkheads\.ai`\)".*url is http:\/\/10\.0\.0\.155:11434/)
  })

  it('rule mismatch: the service\'s router asks for another host; the hint names its file:line', () => {
    const j = judge('ollama', observe(conf(undefined, 'Host(`ollama.internal.thinkheads.ai`)')))
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_rule_mismatch'})
    expect(j.hints?.[0]?.text).toBe(`In ${DYN}:3 make router ollama's rule match Host ollama.phoenix.thinkheads.ai, path /: e.g. Host(\`ollama.phoenix.thinkheads.ai\`)`)
  })

  it('service URL wrong: the router takes the route to another address; change the url at its line, naming the router at its own', () => {
    const j = judge('ollama', observe(conf('http://10.0.0.199:11434')))
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_service_url_wrong'})
    expect(j.hints?.[0]?.text).toBe(`In ${DYN}:14 change url http://10.0.0.199:11434 to http://10.0.0.155:11434 (the server of service ollama, which router ollama at ${DYN}:3 sends ollama's route to)`)
  })

  it('backend down as Traefik sees it (API serverStatus), TLS to a plain backend, Traefik not running', () => {
    const api = {routers: [{name: 'ollama@file', status: 'enabled', rule: 'Host(`ollama.phoenix.thinkheads.ai`)', service: 'ollama'}], services: [{name: 'ollama@file', serverStatus: {'http://10.0.0.155:11434': 'DOWN'}}]}
    expect(judge('ollama', observe(conf(), api))).toMatchObject({status: 'fail', finding: 'proxy_backend_down', hints: [{text: expect.stringMatching(/healthCheck of service ollama \(.*:11\).*it asks \/api\/version/)}]})
    const plain = new Map<string, Observation>([['proxy.http', {kind: 'http', latencyMs: 3, status: 200, body: 'Ollama is running'}]])
    expect(judge('ollama', observe(conf('https://10.0.0.155:11434')), plain)).toMatchObject({status: 'fail', finding: 'proxy_backend_tls', hints: [{text: `In ${DYN}:14 change https://10.0.0.155:11434 to http://10.0.0.155:11434`}]})
    expect(judge('ollama', observe(conf(), 'refused'))).toMatchObject({status: 'fail', finding: 'proxy_down', summary: expect.stringMatching(/\/ping at http:\/\/127\.0\.0\.1:8080: .*refused/i)})
  })

  it('backend DOWN while the proxy\'s CT cannot connect at all (a firewall rule): the hop is the cause, not the health check\'s path', () => {
    const api = {routers: [{name: 'ollama@file', status: 'enabled', rule: 'Host(`ollama.phoenix.thinkheads.ai`)', service: 'ollama'}], services: [{name: 'ollama@file', serverStatus: {'http://10.0.0.155:11434': 'DOWN'}}]}
    const refused = new Map<string, Observation>([['proxy.tcp', {kind: 'tcp', connected: false, error: {code: 'refused', message: 'connect ECONNREFUSED'}}]])
    const j = judge('ollama', observe(conf(), api), refused)
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_blocked', summary: expect.stringMatching(/DOWN, and the proxy's CT cannot connect to it \(proxy\.tcp\)$/)})
    expect(j.hints).toBeUndefined()
  })

  it('TOML: the same findings, with the .toml file:line of the router and the server', () => {
    const TOML = '/etc/traefik/dynamic/dynamic_conf.toml'
    const text = `[http.routers.ollama]\n  rule = "Host(\`ollama.phoenix.thinkheads.ai\`)"\n  service = "ollama"\n\n[http.services.ollama.loadBalancer]\n  [[http.services.ollama.loadBalancer.servers]]\n    url = "http://10.0.0.199:11434"\n`
    const read = (t: string) => parseTraefik([`@@file ${TOML}`, ...t.split('\n')], {kind: 'traefik', configDir: '/etc/traefik/dynamic'}) as TraefikObservation
    expect(judge('ollama', read(text))).toMatchObject({finding: 'proxy_service_url_wrong', hints: [{text: `In ${TOML}:7 change url http://10.0.0.199:11434 to http://10.0.0.155:11434 (the server of service ollama, which router ollama at ${TOML}:1 sends ollama's route to)`}]})
    expect(judge('ollama', read(text.replace('10.0.0.199', '10.0.0.155').replace('ollama.phoenix', 'ollama.internal')))).toMatchObject({finding: 'proxy_rule_mismatch', hints: [{text: expect.stringContaining(`In ${TOML}:1 make router ollama's rule match`)}]})
    const missing = judge('ollama', read('[http.routers.other]\n  rule = "Host(`x`)"\n  service = "x"\n'))
    expect(missing.hints?.[0]?.text).toBe(`Add a router for it in ${TOML}: [http.routers.ollama] rule = "Host(\`ollama.phoenix.thinkheads.ai\`)", service = "ollama", and [[http.services.ollama.loadBalancer.servers]] url = "http://10.0.0.155:11434"`)
    const bad = read('[http.routers.ollama\n')
    expect(bad.problems).toEqual([expect.stringMatching(new RegExp(`^${TOML.replaceAll('.', '\\.')}:1: `))])
  })

  it('a higher priority router takes the route first: the service\'s own router is named, with the priority to give it', () => {
    const text = conf().replace('  services:', '    catchall:\n      rule: "PathPrefix(`/`)"\n      priority: 1000\n      service: embed\n  services:')
    const j = judge('ollama', observe(text))
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_rule_mismatch', hints: [{text: `In ${DYN}:3 give router ollama a priority above 1000 (priority: 1001)`}]})
  })
})

describe('the gateway in front of the proxy', () => {
  const observeNginx = (text: string, inv: Inventory = inventory): NginxObservation =>
    parseNginx(['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', '@@rc 0', '@@dump', ...text.split('\n'), '@@log'], nginxProbe(inv)) as NginxObservation

  it("the generator's location / → http://10.0.0.12:80 (Traefik) is right for a service routed through it: no hint to change it", () => {
    const obs = observeNginx(operatorsDump(OPERATORS_GATEWAY.replace('proxy_pass $upstream_service;', 'proxy_pass http://10.0.0.12:80;')))
    // One service alone on that location: before the proxy was known, this was "change 10.0.0.12:80 to 10.0.0.155:11434".
    const one = {...inventory, services: [svc('ollama')]}
    const j = judgeRoute(svc('ollama'), one, obs, '', new Map())
    expect(j).toMatchObject({status: 'pass', summary: expect.stringContaining("10.0.0.12:80 (ollama's proxy, traefik)")})
    expect(JSON.stringify(j.hints ?? [])).not.toMatch(/change/)
    // A service not routed through the proxy on the same location is still told where it should go.
    expect(judgeRoute(svc('n8n'), {...inventory, services: [svc('n8n')]}, obs, '', new Map())).toMatchObject({finding: 'upstream_mismatch'})
  })

  it('plans the proxy layer only for viaProxy services, between host and gateway; the gateway hop goes to the proxy', () => {
    const context = {inventory, deep: false, apiKeys: new Map()}
    const ollama = planService(svc('ollama'), context, LAYERS)
    expect([...new Set(ollama.map((s) => s.layer))]).toEqual(['service', 'host', 'proxy', 'gateway', 'client'])
    expect(ollama.filter((s) => s.layer === 'proxy').map((s) => [s.id, s.vantage])).toEqual(['proxy.runtime', 'proxy.tcp', 'proxy.http', 'proxy.route', 'proxy.certs', 'proxy.dns', 'proxy.dns-url'].map((id) => [id, {at: 'guest', guest: {kind: 'ct', id: 102}}]))
    expect(ollama.find((s) => s.id === 'gateway.tcp')?.probe).toEqual({kind: 'tcp', host: '10.0.0.12', port: 80})
    expect([...new Set(planService(svc('n8n'), context, LAYERS).map((s) => s.layer))]).toEqual(['service', 'host', 'gateway', 'client'])
  })

  it('the verdict: the innermost failing layer, proxy before gateway and client', () => {
    const layer = (name: LayerResult['layer'], checks: [string, JudgedCheck['status'], JudgedCheck['finding']?][]): LayerResult => {
      const judged: JudgedCheck[] = checks.map(([id, status, finding]) => ({id, status, summary: id, durationMs: 1, ...(finding ? {finding} : {})}))
      return {layer: name, status: worstStatus(judged.map((c) => c.status)), checks: judged}
    }
    const ok = [layer('service', [['service.http', 'pass']]), layer('host', [['host.tcp', 'pass']])]
    const client = layer('client', [['client.http', 'fail', 'route_missing']])
    const verdict = (proxy: LayerResult) => decideVerdict(svc('ollama'), [...ok, proxy, layer('gateway', [['gateway.tcp', 'pass']]), client], inventory)
    expect(verdict(layer('proxy', [['proxy.runtime', 'pass'], ['proxy.route', 'fail', 'proxy_router_missing']]))).toMatchObject({layer: 'proxy', cause: 'proxy_router_missing'})
    expect(verdict(layer('proxy', [['proxy.runtime', 'fail', 'proxy_down'], ['proxy.route', 'fail', 'proxy_router_missing']]))).toMatchObject({layer: 'proxy', cause: 'proxy_down'})
    expect(verdict(layer('proxy', [['proxy.ct', 'fail', 'container_stopped']]))).toMatchObject({layer: 'proxy', cause: 'proxy_ct_stopped', hints: [{command: 'pct start 102'}]})
    expect(verdict(layer('proxy', [['proxy.tcp', 'fail', 'proxy_blocked'], ['proxy.route', 'pass']]))).toMatchObject({layer: 'proxy', cause: 'proxy_blocked'})
  })
})
