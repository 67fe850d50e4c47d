import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {judgeNames} from '../../src/gateway/cert-pki.js'
import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {readCertSection} from '../../src/gateway/pem-read.js'
import {buildRouteTable} from '../../src/gateway/route-table.js'
import {tlsServers} from '../../src/gateway/tls-servers.js'
import {namesLandingOn} from '../../src/checks/services/nginx-certs.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {NginxObservation} from '../../src/model/probes.js'
import {hoursFromNow, Pki} from '../helpers/pki.js'
import {operatorsDump} from '../gateway/operators-fixture.js'

/**
 * The operators' estate: their TLS server serves *.phoenix.thinkheads.ai with a step-ca certificate
 * whose manifest lists only nginx.internal and portainer.internal (etc/certificate-manifest.json);
 * every other name routed to it fails TLS at the gateway.
 */
describe('the names a certificate must cover, on the operators\' gateway', () => {
  let pki: Pki
  beforeAll(() => {
    pki = new Pki(mkdtempSync(join(tmpdir(), 'phoenix-names-')))
    pki.ca('ThinkHeads Internal CA')
    pki.issue('gw', 'ThinkHeads Internal CA', {sans: 'DNS:nginx.internal.thinkheads.ai,DNS:portainer.internal.thinkheads.ai', from: hoursFromNow(-1), until: hoursFromNow(23)})
  })
  afterAll(() => rmSync(pki.dir, {recursive: true, force: true}))

  it('its server_name wildcard and the https routes\' hosts that land on that server are each named when missing', () => {
    const root = parseNginxDump(operatorsDump()).root
    const cert = '/etc/step-ca/ssl/phoenix.thinkheads.ai.crt'
    const obs = {routes: buildRouteTable(root), tlsServers: tlsServers(root), ...readCertSection([`@@pem ${cert}`, ...pki.read('gw.crt').split('\n')], new Date())} as unknown as NginxObservation
    expect(obs.tlsServers!.map((s) => [s.serverNames, s.port, s.pairs.map((p) => [p.cert, p.key])])).toEqual([[['*.phoenix.thinkheads.ai'], 443, [[cert, '/etc/step-ca/ssl/phoenix.thinkheads.ai.key']]]])
    const inv = parseInventory(`proxmox: { host: local }
gateway: { ctid: 101, address: 10.0.0.153, url: https://nginx.internal.thinkheads.ai }
services:
  portainer: { kind: http, vmid: 1001, address: 10.0.0.111, port: 9443, route: { host: portainer.internal.thinkheads.ai, path: / } }
  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, route: { host: ollama.internal.thinkheads.ai, path: / } }
`, 'phoenix.yaml')
    const landing = namesLandingOn(obs.tlsServers![0]!, obs, inv)
    expect(landing).toEqual(['nginx.internal.thinkheads.ai', 'portainer.internal.thinkheads.ai', 'ollama.internal.thinkheads.ai'])
    const judged = judgeNames(obs.certificates, obs.tlsServers!, (s) => namesLandingOn(s, obs, inv), () => [])
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_name_mismatch', summary: `certificate ${cert} does not cover *.phoenix.thinkheads.ai, ollama.internal.thinkheads.ai, served by the server at /etc/nginx/sites-enabled/gateway:29: clients asking for those names refuse it`})
    // Over plain http, no route host lands on a TLS server: only the server_names count.
    const plain = {...inv, gateway: {...inv.gateway, url: 'http://10.0.0.153'}}
    expect(namesLandingOn(obs.tlsServers![0]!, obs, plain)).toEqual([])
  })
})
