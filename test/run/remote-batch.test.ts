import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CheckSpec} from '../../src/model/check-spec.js'
import {runRemoteBatch} from '../../src/run/remote-batch.js'
import {createLocalShell} from '../../src/io/local-shell.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'

describe('one remote batch', () => {
  let server: TestServer
  let requests = 0
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      requests++
      res.end('{"status":"ok"}')
    })
  })
  afterAll(() => server.close())

  it('runs a probe that several checks share once, and gives each check its observation', async () => {
    const spec = (service: string): CheckSpec => ({
      service, id: 'host.http', layer: 'host', vantage: {at: 'host'},
      probe: {kind: 'http', url: `${server.url}/healthz`}, judge: () => ({status: 'pass', summary: ''}),
    })
    const specs = [spec('a'), spec('b'), spec('c')]
    const shell = createLocalShell()
    const outcome = await runRemoteBatch(specs, {at: 'host'}, shell, 3000, AbortSignal.timeout(10_000))
    expect(requests).toBe(1)
    expect(outcome.observations).toHaveLength(3)
    for (const obs of outcome.observations) expect(obs).toMatchObject({kind: 'http', status: 200, body: '{"status":"ok"}'})
  })
})
