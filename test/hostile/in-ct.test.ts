import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {HttpObservation} from '../../src/model/probes.js'
import type {ServiceReport} from '../../src/model/report.js'
import {REPO} from '../helpers/processes.js'
import {measuredCheck} from './run-phoenix.js'
import {startHostile} from './servers.js'
import type {Behaviour, HostileServer} from './servers.js'

/**
 * The same hostile backends seen from inside the CTs: the loopback rig's pct shim runs each batch
 * on this machine, so the real batch script, curl, head and awk do the work (D1, D7, D8, D17).
 */
describe('hostile answers to the in-CT probes (the batch script, through the loopback rig pct)', () => {
  const servers = new Map<string, HostileServer>()
  let rig: string
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    rig = await mkdtemp(join(tmpdir(), 'phoenix-hostile-rig-'))
    // phoenix runs pct with PATH, LANG and TERM only: the rig's directory is written into a wrapper.
    await mkdir(join(rig, 'bin'))
    await writeFile(join(rig, 'bin', 'pct'), `#!/bin/sh\nexport PHOENIX_RIG='${rig}'\nexec '${join(REPO, 'test/helpers/rig-shims/pct')}' "$@"\n`, {mode: 0o755})
    env = {...process.env, PATH: `${join(rig, 'bin')}:${join(REPO, 'test/helpers/rig-shims')}:${process.env.PATH}`}
    const names: [string, Behaviour][] = [['spoof', 'forge'], ['big1', 'big'], ['big2', 'big'], ['huge', 'huge'], ['endless', 'endless'], ['cut', 'cut'], ['reset', 'reset'], ['headers', 'headers'], ['stall', 'stall']]
    for (const [name, behaviour] of names) servers.set(name, await startHostile(behaviour))
  })
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()))
    await rm(rig, {recursive: true, force: true})
  })

  /** Every service in one CT (one batch), so one hostile body is measured against its neighbours. */
  function yaml(names: string[], ctid = 102): string {
    const lines = names.map((n, i) => `  ${n}: {kind: http, ctid: ${ctid}, address: 127.0.0.1, port: ${servers.get(n)!.port}, health: /p${i}}`)
    return ['proxmox: {host: local}', `gateway: {ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${servers.get(names[0]!)!.port}"}`, 'services:', ...lines, ''].join('\n')
  }
  const service = (services: ServiceReport[], name: string) => services.find((s) => s.name === name)!
  const check = (s: ServiceReport, id: string) => s.layers.flatMap((l) => l.checks).find((c) => c.id === id)!

  it('a body holding the batch markers is just body: a 500 stays a 500 in the CT and at the gateway (D7)', async () => {
    const {report} = await measuredCheck(yaml(['spoof'], 101), ['spoof', '--layer', 'service', '--layer', 'host', '--layer', 'gateway', '--timeout', '3s'], env)
    const spoof = service(report.services, 'spoof')
    expect(check(spoof, 'service.http')).toMatchObject({status: 'fail'})
    expect((check(spoof, 'service.http').observed as HttpObservation).status).toBe(500)
    expect(check(spoof, 'gateway.http')).toMatchObject({status: 'fail'})
    expect(spoof.verdict).toMatchObject({layer: 'service', cause: 'api_unhealthy'})
  })

  it('2 GiB, endless and 1.5 MB bodies in one CT: each read to 256 KiB, every marker kept, under 200 MB (D1, D8)', async () => {
    const names = ['big1', 'big2', 'huge', 'endless']
    const {report, peakRssMb} = await measuredCheck(yaml(names), [...names, '--layer', 'service', '--layer', 'gateway', '--timeout', '3s'], env)
    expect(peakRssMb).toBeLessThan(200)
    for (const name of names) {
      const s = service(report.services, name)
      for (const id of ['service.http', 'gateway.http']) {
        const obs = check(s, id).observed as HttpObservation
        expect(obs, `${name} ${id}`).toMatchObject({status: 200, truncated: true})
        expect(obs.body!.length).toBeLessThanOrEqual(256 * 1024 + 1)
      }
      expect(s.verdict.cause).toBe('answer_oversized')
      // One `ss` snippet serves the CT's four services; each reads it for its own port.
      expect(check(s, 'service.listen').summary).toContain(`:${servers.get(name)!.port}`)
      expect(s.verdict.summary.length).toBeLessThan(400)
    }
  })

  it.each([
    ['cut', 'answer_truncated'],
    ['reset', 'connection_reset'],
    ['headers', 'answer_not_http'],
    ['stall', 'answer_stalled'],
  ])('names %s inside the CT as %s (D17)', async (name, cause) => {
    const {report} = await measuredCheck(yaml([name]), [name, '--layer', 'service', '--timeout', '2s'], env)
    expect(service(report.services, name).verdict).toMatchObject({layer: 'service', cause})
  })
})
