import {afterAll, describe, expect, it} from 'vitest'

import type {WebSocketObservation} from '../../src/model/probes.js'
import {createNetIo} from '../../src/io/net-io.js'
import {measuredCheck} from './run-phoenix.js'
import {startHostile} from './servers.js'
import type {Behaviour, HostileServer} from './servers.js'

const servers: HostileServer[] = []
afterAll(async () => Promise.all(servers.map((s) => s.close())))

async function server(behaviour: Behaviour): Promise<HostileServer> {
  const s = await startHostile(behaviour)
  servers.push(s)
  return s
}

/** An n8n behind the "gateway" (the hostile server itself), checked at the client layer only. */
function n8nYaml(port: number): string {
  return ['proxmox: {host: local}', `gateway: {ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${port}"}`, `services: {n8n: {kind: n8n, ctid: 954, address: 127.0.0.1, port: ${port}, route: /n8n/}}`, ''].join('\n')
}

/** WebSocket upgrades against hostile backends: every frame after the 101 is read, bounded (issue 9 item 7, D1). */
describe('WebSocket probes against hostile backends on loopback', () => {
  it('reads past the first frame: a text "Invalid origin!" then close 1008 is the rejection it is', async () => {
    const s = await server('ws-origin')
    const obs = await createNetIo().websocket({kind: 'websocket', url: `${s.url}/n8n/rest/push`, origin: s.url}, 3000)
    expect(obs).toMatchObject({status: 101, messages: ['Invalid origin!'], closeCode: 1008})
    const {report, code} = await measuredCheck(n8nYaml(s.port), ['n8n', '--layer', 'client', '--timeout', '3s'])
    const n8n = report.services[0]!
    expect(n8n.verdict).toMatchObject({layer: 'client', cause: 'websocket_origin_rejected'})
    expect(n8n.verdict.evidence.join('\n')).toMatch(/text frame: "Invalid origin!"[\s\S]*close 1008/)
    expect(code).toBe(2)
  })

  it.each([
    ['ws-flood', 'endless frames after the 101'],
    ['ws-refused', 'a refusal with a 2 GiB body'],
  ] as const)('stays bounded against %s (%s): under 200 MB, within the timeout', async (behaviour, _what) => {
    const s = await server(behaviour)
    const {report, peakRssMb} = await measuredCheck(n8nYaml(s.port), ['n8n', '--layer', 'client', '--timeout', '3s'])
    expect(peakRssMb).toBeLessThan(200)
    const ws = report.services[0]!.layers.flatMap((l) => l.checks).find((c) => c.id === 'client.websocket')!
    const obs = ws.observed as WebSocketObservation
    if (behaviour === 'ws-flood') expect(obs).toMatchObject({status: 101, truncated: true})
    else expect(obs).toMatchObject({status: 400, truncated: true})
    expect(JSON.stringify(obs).length).toBeLessThan(64 * 1024)
  })
})
