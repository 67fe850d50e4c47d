import {afterAll, describe, expect, it} from 'vitest'

import type {HttpObservation} from '../../src/model/probes.js'
import {createNetIo} from '../../src/io/net-io.js'
import {measuredCheck, oneServiceYaml} from './run-phoenix.js'
import {startHostile} from './servers.js'
import type {Behaviour, HostileServer} from './servers.js'

/** The bar for the whole phoenix process, whatever a backend sends. */
const RSS_LIMIT_MB = 200

const servers: HostileServer[] = []
afterAll(async () => Promise.all(servers.map((s) => s.close())))

async function run(behaviour: Behaviour) {
  const server = await startHostile(behaviour)
  servers.push(server)
  const started = Date.now()
  const result = await measuredCheck(oneServiceYaml(server.port), ['web', '--layer', 'host', '--layer', 'client', '--timeout', '3s'])
  const web = result.report.services[0]!
  const check = (id: string) => web.layers.flatMap((l) => l.checks).find((c) => c.id === id)!
  return {...result, web, check, tookMs: Date.now() - started}
}

/**
 * Hostile answers to phoenix's own process (the host and client layers, native HTTP): memory stays
 * bounded (D1) and each broken answer is named for what it did (D17), not "nginx is stopped" or
 * "firewall". One phoenix process per case, measured by the kernel.
 */
describe('hostile answers to the native probes (real servers on loopback)', () => {
  it.each([
    ['huge', 'a 2 GiB Content-Length body'],
    ['endless', 'an endless chunked body'],
  ] as const)('reads only the start of %s (%s), within the timeout and under 200 MB', async (behaviour, _what) => {
    const {code, web, check, peakRssMb, tookMs} = await run(behaviour)
    expect(peakRssMb).toBeLessThan(RSS_LIMIT_MB)
    expect(tookMs).toBeLessThan(30_000)
    const obs = check('host.http').observed as HttpObservation
    expect(obs).toMatchObject({status: 200, truncated: true})
    expect(obs.body!.length).toBeLessThanOrEqual(256 * 1024 + 1)
    expect(web.verdict.cause).toBe('answer_oversized')
    expect(check('client.http').status).toBe('warn')
    expect(code).toBe(1)
  })

  it.each([
    ['headers', 'answer_not_http', /not HTTP.*Headers Overflow/],
    ['garbage', 'answer_not_http', /not HTTP/],
    ['tls', 'tls_mismatch', /TLS/],
    ['cut', 'answer_truncated', /closed after 3 bytes of the 100 bytes/],
    ['stall', 'answer_stalled', /still arriving at the timeout/],
    ['reset', 'connection_reset', /reset/],
  ] as const)('names %s as %s at the host and the client layer, under 200 MB', async (behaviour, cause, said) => {
    const {code, web, check, peakRssMb} = await run(behaviour)
    expect(peakRssMb).toBeLessThan(RSS_LIMIT_MB)
    expect(web.verdict.cause).toBe(cause)
    expect(check('host.tcp').status).toBe('pass')
    for (const id of ['host.http', 'client.http']) expect(check(id).summary).toMatch(said)
    // The client layer names the same thing, not gateway_down.
    expect(check('client.http').status).toBe('fail')
    expect(code).toBe(2)
  })
})

describe('TLS and plain HTTP crossed (D17)', () => {
  it('an https URL to a plain HTTP port is tls_mismatch, not a certificate problem', async () => {
    const plain = await startHostile('cut')
    servers.push(plain)
    const obs = await createNetIo().http({kind: 'http', url: `https://127.0.0.1:${plain.port}/healthz`}, 3000)
    expect(obs.error).toMatchObject({code: 'tls_mismatch', message: expect.stringMatching(/one side speaks TLS and the other plain HTTP/)})
  })
})
