import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import {judgeRoute, nginxProbe} from '../../src/checks/services/route-check.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {NginxObservation} from '../../src/model/probes.js'
import {lineOf} from '../gateway/dump-fixture.js'
import {OPERATORS_GATEWAY, operatorsDump} from '../gateway/operators-fixture.js'

/** Inventory routes by name, behind the operators' https gateway (one virtual host per service). */
const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: https://nginx.phoenix.thinkheads.ai }
services:
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, route: { host: ollama.phoenix.thinkheads.ai, path: / } }
  n8n: { kind: n8n, ctid: 954, address: 10.0.0.154, port: 5678, runtime: { docker: n8n }, route: { host: n8n.phoenix.thinkheads.ai, path: / } }
  embed: { kind: vllm, task: embed, ctid: 801, address: 10.0.0.141, port: 8000, route: { host: embed.phoenix.thinkheads.ai, path: / } }
`,
  'estate.yaml',
)
const GW = '/etc/nginx/sites-enabled/gateway'

function observe(text: string, inv: Inventory = inventory): NginxObservation {
  const lines = ['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', '@@rc 0', '@@dump', ...text.split('\n'), '@@log']
  return parseNginx(lines, nginxProbe(inv)) as NginxObservation
}

const judge = (name: string, obs: NginxObservation, inv: Inventory = inventory) => judgeRoute(inv.services.find((s) => s.name === name)!, inv, obs, '', new Map())

/** The operators' gateway with a map of one entry per host (the shape their generator gave nginx before Traefik). */
function perHost(entries: string, fallback = 'https://traefik.internal.thinkheads.ai:8443'): string {
  return OPERATORS_GATEWAY.replace(/map \$host \$upstream_service \{[^}]*\}/, `map $host $upstream_service {\n    default ${fallback};\n${entries}}`)
}

describe('judgeRoute on a variable proxy_pass', () => {
  it("regression: the operators' committed gateway (map $host, proxy_pass $upstream_service) no longer throws a TypeError reading servers[0]", () => {
    const obs = observe(operatorsDump())
    for (const s of inventory.services) {
      const j = judge(s.name, obs)
      // Every host gets the map's default (Traefik): one shared entry, the route decided there.
      expect(j.status, s.name).toBe('pass')
      expect(j.summary).toMatch(new RegExp(`map \\$host \\$upstream_service default \\(${GW}:${lineOf(OPERATORS_GATEWAY, 'default https://traefik')}\\) is shared by ${s.name}, `))
      expect(j.hints?.[0]?.text ?? '').not.toMatch(/\bchange\b/)
    }
  })

  it("the same file with one service in the inventory: no crash, the map's default line is what is named", () => {
    const one = parseInventory(`proxmox: { host: local }\ngateway: { ctid: 101, address: 10.0.0.153, url: https://nginx.phoenix.thinkheads.ai }\nservices:\n  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, route: { host: ollama.phoenix.thinkheads.ai, path: / } }\n`, 'one.yaml')
    const j = judge('ollama', observe(operatorsDump(), one), one)
    expect(j.evidence?.[0]).toBe(`${GW}:${lineOf(OPERATORS_GATEWAY, 'default https://traefik')}: map $host $upstream_service default → https://traefik.internal.thinkheads.ai:8443`)
  })

  it('each host its own entry, all right: pass, naming the entry (n8n: their location passes no WebSocket headers)', () => {
    const gw = perHost('    ollama.phoenix.thinkheads.ai http://10.0.0.155:11434;\n    n8n.phoenix.thinkheads.ai http://10.0.0.154:5678;\n    embed.phoenix.thinkheads.ai http://10.0.0.141:8000;\n')
    const obs = observe(operatorsDump(gw))
    for (const name of ['ollama', 'embed']) expect(judge(name, obs), name).toMatchObject({status: 'pass', via: name === 'ollama' ? '10.0.0.155:11434' : '10.0.0.141:8000'})
    expect(judge('n8n', obs)).toMatchObject({status: 'warn', finding: 'websocket_not_proxied'})
  })

  it("an entry sending n8n to Ollama: route_wrong_upstream, fixed on n8n's entry, never on the shared proxy_pass", () => {
    const gw = perHost('    ollama.phoenix.thinkheads.ai http://10.0.0.155:11434;\n    n8n.phoenix.thinkheads.ai http://10.0.0.155:11434;\n    embed.phoenix.thinkheads.ai http://10.0.0.141:8000;\n')
    const obs = observe(operatorsDump(gw))
    const j = judge('n8n', obs)
    const entry = lineOf(gw, 'n8n.phoenix.thinkheads.ai http')
    expect(j).toMatchObject({status: 'warn', finding: 'route_wrong_upstream'})
    expect(j.summary).toMatch(`map $host $upstream_service entry n8n.phoenix.thinkheads.ai (${GW}:${entry}) sends / to ollama's address 10.0.0.155:11434`)
    expect(j.hints?.[0]?.text).toMatch(`In ${GW}:${entry} change 10.0.0.155:11434 to 10.0.0.154:5678`)
    expect(judge('ollama', obs).status).toBe('pass')
  })

  it("a default that is Ollama's and that n8n falls into too: an entry of n8n's own, the default left alone", () => {
    const gw = perHost('    embed.phoenix.thinkheads.ai http://10.0.0.141:8000;\n', 'http://10.0.0.155:11434')
    const obs = observe(operatorsDump(gw))
    const j = judge('n8n', obs)
    expect(judge('ollama', obs).status).toBe('pass')
    expect(j).toMatchObject({status: 'warn', finding: 'route_wrong_upstream'})
    expect(j.hints?.[0]?.text).toMatch(new RegExp(`^Add to the map at ${GW}:\\d+ an entry of n8n's own: n8n\\.phoenix\\.thinkheads\\.ai http://10\\.0\\.0\\.154:5678; leave map \\$host \\$upstream_service default \\(${GW}:\\d+\\) as it is \\(ollama get it too\\)`))
  })

  it('an entry of its own pointing at a dead address: upstream_mismatch on that entry', () => {
    const gw = perHost('    n8n.phoenix.thinkheads.ai http://10.0.0.199:5678;\n')
    const j = judge('n8n', observe(operatorsDump(gw)))
    expect(j).toMatchObject({status: 'warn', finding: 'upstream_mismatch'})
    expect(j.hints?.[0]?.text).toMatch(`In ${GW}:${lineOf(gw, 'n8n.phoenix.thinkheads.ai http')} change 10.0.0.199:5678 to 10.0.0.154:5678 (map $host $upstream_service entry n8n.phoenix.thinkheads.ai: only n8n's requests get it)`)
  })

  it('a target only a request header decides: skip with the candidates, not a fault of the service', () => {
    const gw = OPERATORS_GATEWAY.replace('map $host $upstream_service {', 'map $http_x_model $upstream_service {\n    "qwen" http://10.0.0.142:8000;')
    const j = judge('ollama', observe(operatorsDump(gw)))
    expect(j.status).toBe('skip')
    expect(j.finding).toBeUndefined()
    expect(j.summary).toMatch(/proxy_pass \$upstream_service \(\S+:\d+\) is dynamic: it can go to 2 targets/)
    expect(j.evidence).toEqual([expect.stringMatching(/map \$http_x_model \$upstream_service entry qwen → http:\/\/10\.0\.0\.142:8000$/), expect.stringMatching(/default → https:\/\/traefik/)])
  })

  it('a map without a default and no entry for the host: skip, the empty value shown', () => {
    const gw = OPERATORS_GATEWAY.replace(/default https:\/\/traefik[^;]*;/, 'other.example.com http://10.0.0.1:1;')
    const j = judge('ollama', observe(operatorsDump(gw)))
    expect(j).toMatchObject({status: 'skip'})
    expect(j.summary).toMatch(/the value is empty: nginx answers 500/)
  })
})
