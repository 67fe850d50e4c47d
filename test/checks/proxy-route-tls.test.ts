import {describe, expect, it} from 'vitest'

import {parseTraefik} from '../../src/checks/probes/traefik.js'
import {judgeProxyRoute} from '../../src/checks/services/proxy-route.js'
import {pathThroughTraefik} from '../../src/gateway/traefik-path.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {TraefikObservation} from '../../src/model/traefik.js'

/**
 * A router with `tls` beside the plain one (websecure next to web, as Traefik's docs set them up):
 * Traefik gives a router with tls only the TLS connections of its entryPoints, and nginx's hop to
 * Traefik is plain HTTP (proxy.port, its `web` entryPoint), so the tls router never takes the
 * route nginx forwards; it must not stand in for a plain router that is missing or wrong.
 */
const inventory = parseInventory(`proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: https://nginx.internal.example }
proxy: { kind: traefik, ctid: 102, address: 10.0.0.12 }
services:
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, viaProxy: true, route: { host: ollama.internal.example, path: / } }
`, 'estate.yaml')
const DYN = '/etc/traefik/dynamic/dynamic_conf.yml'
const HOST = 'Host(`ollama.internal.example`)'

/** The tls router first in the file (it would win a tie), then the plain one unless left out. */
const conf = (plain?: string) => `http:
  routers:
    ollama-secure:
      rule: "${HOST}"
      service: ollama
      entryPoints: [websecure]
      tls: {}
${plain === undefined ? '' : `    ollama:\n      rule: "${plain}"\n      service: ollama\n      entryPoints: [web]\n`}  services:
    ollama:
      loadBalancer:
        servers:
          - url: "http://10.0.0.155:11434"
`
const observe = (text: string) => parseTraefik([`@@file ${DYN}`, ...text.split('\n')], {kind: 'traefik', configDir: '/etc/traefik/dynamic'}) as TraefikObservation
const judge = (text: string) => judgeProxyRoute(inventory.services[0]!, inventory, observe(text), '', new Map())

describe("a router with tls does not take nginx's plain HTTP request", () => {
  it('both routers: the plain one is the route', () => {
    expect(judge(conf(HOST))).toMatchObject({status: 'pass', summary: expect.stringMatching(/^router ollama \(.*:8\) /)})
    expect(pathThroughTraefik(observe(conf(HOST)), {host: 'ollama.internal.example', path: '/api/tags'})?.router.name).toBe('ollama')
  })

  it('the plain router missing: router missing, though the tls one matches (before: pass through the tls router)', () => {
    const j = judge(conf())
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_router_missing'})
    expect(j.evidence?.join('\n')).toContain('router ollama-secure (/etc/traefik/dynamic/dynamic_conf.yml:3): Host(`ollama.internal.example`) (priority 31) → ollama: http://10.0.0.155:11434 [tls: TLS connections only]')
    expect(pathThroughTraefik(observe(conf()), {host: 'ollama.internal.example', path: '/'})).toBeUndefined()
  })

  it("the plain router's rule wrong: rule mismatch naming it, not the tls router", () => {
    const j = judge(conf('Host(`www.internal.example`)'))
    expect(j).toMatchObject({status: 'fail', finding: 'proxy_rule_mismatch', hints: [{text: `In ${DYN}:8 make router ollama's rule match Host ollama.internal.example, path /: e.g. ${HOST}`}]})
  })
})
