import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import {parseTraefik} from '../../src/checks/probes/traefik.js'
import {judgeRoute, nginxProbe} from '../../src/checks/services/route-check.js'
import {pathThroughTraefik} from '../../src/gateway/traefik-path.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {NginxObservation, Observation} from '../../src/model/probes.js'
import type {TraefikObservation} from '../../src/model/traefik.js'
import {operatorsDump} from '../gateway/operators-fixture.js'

/** nginx (CT 101) → Traefik (CT 102, 10.0.0.12:80) → ollama, its route a path under the gateway's name. */
const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: http://gw.internal.example }
proxy: { kind: traefik, ctid: 102, address: 10.0.0.12 }
services:
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, viaProxy: true, route: { path: /ollama/ } }
`,
  'estate.yaml',
)
const ollama = inventory.services[0]!
const DYN = '/etc/traefik/dynamic/dynamic_conf.yml'

/** The gateway's one server: `location /ollama/` to Traefik, with or without a URI in proxy_pass. */
const nginx = (pass: string): NginxObservation => {
  const conf = `server {\n    listen 80;\n    server_name gw.internal.example;\n    location /ollama/ {\n        proxy_pass ${pass};\n        proxy_set_header Host $host;\n    }\n}\n`
  return parseNginx(['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', '@@rc 0', '@@dump', ...operatorsDump(conf).split('\n'), '@@log'], nginxProbe(inventory)) as NginxObservation
}

/** Traefik's file: ollama's router on PathPrefix(/ollama) with the given middlewares. */
const traefik = (middlewares: string[], defs = ''): TraefikObservation => {
  const text = `http:\n  routers:\n    ollama:\n      rule: "Host(\`gw.internal.example\`) && PathPrefix(\`/ollama\`)"\n      service: ollama\n${middlewares.length ? `      middlewares: [${middlewares.join(', ')}]\n` : ''}  services:\n    ollama:\n      loadBalancer:\n        servers:\n          - url: "http://10.0.0.155:11434"\n  middlewares:\n    strip-ollama:\n      stripPrefix:\n        prefixes: ["/ollama"]\n${defs}`
  return parseTraefik([`@@file ${DYN}`, ...text.split('\n')], {kind: 'traefik', configDir: '/etc/traefik/dynamic'}) as TraefikObservation
}
const judge = (pass: string, obs: TraefikObservation | undefined) =>
  judgeRoute(ollama, inventory, nginx(pass), 'api/version', new Map<string, Observation>(obs ? [['proxy.route', obs]] : []))

describe('the path a service behind Traefik receives: nginx, then the router and its middlewares', () => {
  it('nginx keeps /ollama (no URI), Traefik strips it: ollama gets /api/version, healthy, and the summary says how', () => {
    const j = judge('http://10.0.0.12:80', traefik(['strip-ollama']))
    expect(j).toMatchObject({status: 'pass', summary: expect.stringContaining(`ollama gets /ollama/api/version as /api/version: nginx sends /ollama/api/version`)})
    expect(j.summary).toContain(`Traefik's router ollama (${DYN}:3) makes it /api/version (strip-ollama (${DYN}:13): stripPrefix /ollama → /api/version)`)
  })

  it('neither strips: ollama gets /ollama/api/version; the hint is the stripPrefix to add to the router at its file:line', () => {
    const j = judge('http://10.0.0.12:80', traefik([]))
    expect(j).toMatchObject({status: 'warn', finding: 'route_wrong_target', summary: expect.stringContaining('GET /ollama/api/version reaches ollama as /ollama/api/version, not /api/version')})
    expect(j.hints?.[0]?.text).toMatch(new RegExp(`^In ${DYN.replaceAll('.', '\\.')}:3 give router ollama a stripPrefix middleware that takes off /ollama`))
  })

  it('both strip: nginx\'s URI takes /ollama/ off, so the router\'s PathPrefix(/ollama) no longer matches; nothing to add here (proxy.route names the router)', () => {
    expect(judge('http://10.0.0.12:80/', traefik(['strip-ollama']))).toMatchObject({status: 'pass'})
    // A router on Host alone takes it, and an addPrefix puts a path back that ollama does not serve.
    const hostOnly = traefik(['add-v1'], '    add-v1:\n      addPrefix:\n        prefix: /v1\n')
    hostOnly.routers[0]!.rule = 'Host(`gw.internal.example`)'
    const j = judge('http://10.0.0.12:80/', hostOnly)
    expect(j).toMatchObject({status: 'warn', finding: 'route_wrong_target', summary: expect.stringContaining('reaches ollama as /v1/api/version, not /api/version')})
  })

  it('without Traefik\'s observation (the proxy was not read) the gateway check says nothing of the path, as before', () => {
    expect(judge('http://10.0.0.12:80', undefined)).toMatchObject({status: 'pass'})
  })

  it('stripPrefix as Traefik applies it: the first prefix that matches, a leading / kept, the query kept; a missing middleware is named', () => {
    const obs = traefik(['strip-ollama', 'nowhere'], '    two:\n      stripPrefix:\n        prefixes: [/a, /ab]\n')
    const through = pathThroughTraefik(obs, {host: 'gw.internal.example', path: '/ollama?x=1'})
    expect(through).toMatchObject({path: '/?x=1', missing: ['nowhere']})
    expect(pathThroughTraefik({...obs, routers: [{...obs.routers[0]!, rule: 'PathPrefix(`/`)', middlewares: ['two']}]}, {host: 'h', path: '/abc'})?.path).toBe('/bc')
  })
})
