import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import {kindModule} from '../../src/checks/services/registry.js'
import {judgeRoute, nginxProbe} from '../../src/checks/services/route-check.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {NginxObservation} from '../../src/model/probes.js'
import {hintsFor} from '../../src/verdict/hints.js'
import {inventoryYaml} from '../lab/inventory.js'
import {NGINX_CONF} from '../lab/nginx-config.js'
import {operatorsNginxConf} from '../lab/operators-nginx.js'
import {PVE_DIR} from '../lab/pve-firewall.js'
import {OPERATORS_SERVICES} from '../lab/topology.js'

/**
 * The operators' shape read as the gateway's nginx probe reads it (pure: the lab's generated config
 * and inventory): one `location /` to Traefik for every name. When that line misses Traefik (their
 * committed file's :8443, which no entry point has), the fix is that line, to Traefik, and no hint
 * may send nginx to a service's own address: that would take every other name off Traefik.
 */

const TRAEFIK = '198.18.0.158'
const SERVICE_ADDRESSES = /198\.18\.0\.(152|154|155|159)\b/

function judgeAll(inv: Inventory, conf: string) {
  const ok = `nginx: the configuration file ${NGINX_CONF} syntax is ok`
  const obs = parseNginx([ok, '@@rc 0', '@@dump', `# configuration file ${NGINX_CONF}:`, ...conf.split('\n'), '@@log'], nginxProbe(inv)) as NginxObservation
  const context = {inventory: inv, deep: false, apiKeys: new Map<string, string>()}
  return inv.services.map((s) => ({s, j: judgeRoute(s, inv, obs, kindModule(s.kind).client(s, context).subpath, new Map())}))
}

const proxyPassLine = (conf: string) => conf.split('\n').findIndex((l) => l.includes('proxy_pass http://')) + 1

describe("nginx's one location / to Traefik (the operators' shape)", () => {
  const inv = parseInventory(inventoryYaml('local', OPERATORS_SERVICES, undefined, 'operators'), 'lab.yaml')

  it('to Traefik: every route passes', () => {
    expect(judgeAll(inv, operatorsNginxConf()).map(({s, j}) => [s.name, j.status])).toEqual(OPERATORS_SERVICES.map((s) => [s.name, 'pass']))
  })

  it("to another port of Traefik's CT: upstream_mismatch for every route, fixed on that one line to Traefik's entry point, never at a service", () => {
    const conf = operatorsNginxConf({traefikPort: 8443})
    for (const {s, j} of judgeAll(inv, conf)) {
      expect(j, s.name).toMatchObject({status: 'warn', finding: 'upstream_mismatch'})
      expect(j.hints?.[0]?.text, s.name).toBe(`In ${NGINX_CONF}:${proxyPassLine(conf)} change ${TRAEFIK}:8443 to ${TRAEFIK}:80 (the proxy's entry point: ${[s.name, ...OPERATORS_SERVICES.map((o) => o.name).filter((n) => n !== s.name)].join(', ')} all go through it), then test and reload`)
      const general = hintsFor('upstream_mismatch', s, inv).map((h) => `${h.text} ${h.command ?? ''}`).join('\n')
      expect(general, s.name).toContain(`with ${TRAEFIK}:80 (its proxy, traefik: not ${s.name} itself)`)
      for (const h of [...(j.hints ?? []).map((x) => x.text), general]) expect(h, s.name).not.toMatch(SERVICE_ADDRESSES)
    }
  })

  it("without the WebSocket headers: n8n's route alone is websocket_not_proxied, fixed on that location, the command testing the gateway's own config (gateway.nginxConf) before the reload", () => {
    const conf = operatorsNginxConf({noWebsocket: true})
    const judged = judgeAll(inv, conf)
    expect(judged.map(({s, j}) => [s.name, j.status, j.finding])).toEqual(OPERATORS_SERVICES.map((s) => (s.name === 'n8n' ? [s.name, 'warn', 'websocket_not_proxied'] : [s.name, 'pass', undefined])))
    const n8n = judged.find(({s}) => s.name === 'n8n')!.j
    const location = conf.split('\n').findLastIndex((l) => l.trim() === 'location / {') + 1 // the TLS server's (port 80's redirects)
    expect(n8n.hints).toEqual([{text: `In ${NGINX_CONF}:${location} add: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";`, command: `pct exec 953 -- sh -c 'nginx -c ${NGINX_CONF} -t && systemctl reload nginx'`}])
    expect(n8n.hints!.map((h) => h.text).join('\n')).not.toMatch(SERVICE_ADDRESSES)
  })

  it("Traefik's general hints say the rule in Traefik's words (Host of the route's name), not nginx's server_name and location", () => {
    const ollama = inv.services.find((s) => s.name === 'ollama')!
    expect(hintsFor('proxy_router_missing', ollama, inv)[0]!.text).toBe('Add a router to a file in /etc/traefik/dynamic whose rule matches Host(`ollama.internal.phoenix.test`) and whose service\'s loadBalancer server is http://198.18.0.155:11434 (the file provider reloads it)')
    expect(hintsFor('proxy_rule_mismatch', ollama, inv)[0]!.text).toBe('Make the rule of ollama\'s router match Host(`ollama.internal.phoenix.test`), as nginx forwards the route')
    // A route by path alone (no name): the path, whatever Host the client gave.
    expect(hintsFor('proxy_rule_mismatch', {...ollama, route: {path: '/ollama/'}}, inv)[0]!.text).toBe('Make the rule of ollama\'s router match a PathPrefix of the path nginx sends for /ollama/, as nginx forwards the route')
  })

  it("the firewall hints read the .fw files where this estate keeps them (proxmox.configDir), not always /etc/pve", () => {
    const ollama = inv.services.find((s) => s.name === 'ollama')!
    const fw = `${PVE_DIR}/firewall/955.fw`
    for (const cause of ['proxy_blocked', 'network_blocked', 'ping_filtered'] as const) {
      expect(hintsFor(cause, ollama, inv).map((h) => h.command ?? '').join('\n'), cause).toContain(`cat ${fw}; pct config 955 | grep ^net`)
    }
    expect(hintsFor('gateway_blocked', ollama, inv).map((h) => h.command ?? '').join('\n')).toContain(`cat ${PVE_DIR}/firewall/958.fw; pct config 958`)
  })

  it("a route of its own that misses Traefik: the hint points it at Traefik, not at the service's address", () => {
    const web = OPERATORS_SERVICES.filter((s) => s.name === 'web')
    const alone = parseInventory(inventoryYaml('local', web, undefined, 'operators'), 'lab.yaml')
    const conf = operatorsNginxConf({traefikPort: 81})
    const j = judgeAll(alone, conf)[0]!.j
    expect(j).toMatchObject({status: 'warn', finding: 'upstream_mismatch'})
    expect(j.hints?.[0]?.text).toBe(`In ${NGINX_CONF}:${proxyPassLine(conf)} change ${TRAEFIK}:81 to ${TRAEFIK}:80, then test and reload`)
  })
})
