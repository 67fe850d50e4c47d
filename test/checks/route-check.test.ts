import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import type {NginxObservation, Observation} from '../../src/model/probes.js'
import {gatewayTarget} from '../../src/checks/services/nginx.js'
import {planService} from '../../src/checks/services/plan.js'
import {judgeRoute, nginxProbe} from '../../src/checks/services/route-check.js'
import {LAYERS} from '../../src/model/status.js'
import {parseInventory} from '../../src/inventory/load.js'

const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }
services:
  n8n: { kind: n8n, ctid: 954, address: 198.18.0.154, port: 5678, runtime: { docker: n8n }, route: /n8n/ }
  embed: { kind: vllm, task: embed, ctid: 951, address: 198.18.0.151, port: 8000, route: /v1/embeddings }
`,
  'routes.yaml',
)
const [n8n, embed] = inventory.services as [NonNullable<(typeof inventory.services)[0]>, NonNullable<(typeof inventory.services)[0]>]

/** What the nginx probe prints for a config: `nginx -t` passing, then the dump, then no log. */
function observe(conf: string, test = 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful', rc = 0): NinxObs {
  const lines = [...test.split('\n'), `@@rc ${rc}`, '@@dump', '# configuration file /etc/nginx/nginx.conf:', ...conf.split('\n'), '@@log']
  return parseNginx(lines, nginxProbe(inventory)) as NinxObs
}
type NinxObs = NginxObservation

const server = (locations: string) => `events {}
http {
  upstream n8n_backend { server 198.18.0.154:5678; }
  upstream embed_backend { server 198.18.0.151:8000; }
  server {
    listen 80;
    server_name gateway.phoenix.local;
${locations}
  }
}`
const WS = 'proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";'
const GOOD_N8N = `    location /n8n/ { proxy_pass http://n8n_backend/; ${WS} }`
const GOOD_EMBED = `    location = /v1/embeddings { proxy_pass http://embed_backend; }`

describe('a service\'s route read from nginx\'s loaded config', () => {
  it.each<[string, string, 'n8n' | 'embed', string, string | undefined, RegExp]>([
    ['matches', server(`${GOOD_N8N}\n${GOOD_EMBED}`), 'n8n', 'pass', undefined, /location \/n8n\/ \(\/etc\/nginx\/nginx.conf:8\) → upstream n8n_backend 198.18.0.154:5678/],
    ['exact API route matches', server(`${GOOD_N8N}\n${GOOD_EMBED}`), 'embed', 'pass', undefined, /198.18.0.151:8000/],
    ['route missing', server(GOOD_EMBED), 'n8n', 'warn', 'route_missing', /no route for \/n8n\/healthz: no server block or location matches it/],
    ['upstream on the wrong port, named with its line', server(GOOD_N8N.replace('n8n_backend', 'n8n_wrong')).replace('upstream embed_backend', 'upstream n8n_wrong { server 198.18.0.154:5679; }\n  upstream embed_backend'), 'n8n', 'warn', 'upstream_mismatch', /port 5679, but n8n is on port 5678/],
    ['WebSocket headers missing', server(`    location /n8n/ { proxy_pass http://n8n_backend/; }`), 'n8n', 'warn', 'websocket_not_proxied', /no Upgrade\/Connection headers/],
    ['prefix kept: proxy_pass without the trailing slash', server(`    location /n8n/ { proxy_pass http://n8n_backend; ${WS} }`), 'n8n', 'warn', 'route_wrong_target', /reaches n8n as \/n8n\/healthz, not \/healthz/],
  ])('%s', (_name, conf, which, status, finding, summary) => {
    const j = judgeRoute(which === 'n8n' ? n8n : embed, inventory, observe(conf), which === 'n8n' ? 'healthz' : 'health', new Map<string, Observation>())
    expect(j.status).toBe(status)
    expect(j.finding).toBe(finding)
    expect(j.summary).toMatch(summary)
  })

  it('names the file and line to change, and what the CT really listens on', () => {
    const conf = server(`    location /n8n/ { proxy_pass http://198.18.0.154:5679/; ${WS} }`)
    const listen: Observation = {kind: 'listen', sockets: [{address: '0.0.0.0', port: 5678, line: 'LISTEN 0 511 0.0.0.0:5678 0.0.0.0:*'}], otherPorts: []}
    const j = judgeRoute(n8n, inventory, observe(conf), 'healthz', new Map([['service.listen', listen]]))
    expect(j.evidence?.[0]).toBe('/etc/nginx/nginx.conf:8: server 198.18.0.154:5679; CT 954 listens on 0.0.0.0:5678')
    expect(j.hints?.[0]?.text).toBe('In /etc/nginx/nginx.conf:8 change 198.18.0.154:5679 to 198.18.0.154:5678, then test and reload')
  })

  it('skips when nginx -t fails, and the config test keeps the [emerg] line with its file and line', () => {
    const obs = observe('', 'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/sites-enabled/gw.conf:12\nnginx: configuration file /etc/nginx/nginx.conf test failed', 1)
    expect(obs.test).toMatchObject({ok: false, messages: [{level: 'emerg', file: '/etc/nginx/sites-enabled/gw.conf', line: 12}]})
    expect(judgeRoute(n8n, inventory, obs, 'healthz', new Map()).status).toBe('skip')
  })

  it.each([
    [200, 'warn'],
    [401, 'pass'],
  ])('an API route the config guards must refuse a request without credentials: %i is %s', (status, expected) => {
    const obs = observe(server(`${GOOD_N8N}\n    location = /v1/embeddings { auth_basic "api"; auth_basic_user_file /etc/nginx/htpasswd; proxy_pass http://embed_backend; }`))
    const spec = planService(gatewayTarget(inventory), {inventory, deep: false, apiKeys: new Map(), posture: true}, LAYERS).find((x) => x.id === 'client.auth.embed')!
    const j = spec.judge({kind: 'http', status, latencyMs: 3, body: ''}, new Map([['service.config', obs]]))
    expect(j.status).toBe(expected)
    if (expected === 'warn') expect(j.summary).toContain('/etc/nginx/nginx.conf:9')
  })
})
