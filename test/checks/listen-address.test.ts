import {execFile} from 'node:child_process'
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {httpSnippet, parseHttp} from '../../src/checks/probes/http.js'
import {urlAtListenAddress} from '../../src/checks/probes/listen-address.js'
import type {HttpProbe} from '../../src/model/probes.js'
import {planService} from '../../src/checks/services/plan.js'
import {LAYERS} from '../../src/model/status.js'
import {parseInventory} from '../../src/inventory/load.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'

/**
 * In-CT probes ask where the service really listens (issue 9 item 3): a service bound only to its
 * CT's address refuses 127.0.0.1. Real servers on loopback addresses play "the CT's address", and
 * the real ss (or netstat, when ss fails) says where they listen.
 */

async function runProbe(probe: HttpProbe, env: NodeJS.ProcessEnv = process.env) {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('/bin/sh', ['-s'], {env}, (error, out) => (error ? reject(error) : resolve(out)))
    child.stdin!.end(batchScript([httpSnippet(probe, 3000)]))
  })
  return parseHttp(splitBatchOutput(stdout, 1).lines[0]!, probe)
}

const answer = (where: string) => (_req: unknown, res: {end(s: string): void}) => res.end(`hello from ${where}`)

describe('in-CT HTTP probes at the address the port listens on', () => {
  let ctOnly: TestServer
  let wildcard: TestServer
  let sixOnly: TestServer
  let noSs: string
  beforeAll(async () => {
    ctOnly = await startHttpServer(answer('the CT address'), '127.0.0.29')
    wildcard = await startHttpServer(answer('everywhere'), '0.0.0.0')
    sixOnly = await startHttpServer(answer('::1'), '::1')
    noSs = await mkdtemp(join(tmpdir(), 'phoenix-noss-'))
    await writeFile(join(noSs, 'ss'), '#!/bin/sh\nexit 1\n')
    await chmod(join(noSs, 'ss'), 0o755)
  })
  afterAll(async () => {
    await Promise.all([ctOnly.close(), wildcard.close(), sixOnly.close()])
    await rm(noSs, {recursive: true, force: true})
  })

  it('a service bound to the CT address only: 127.0.0.1 is refused, its own address answers', async () => {
    const url = `http://127.0.0.1:${ctOnly.port}/healthz`
    expect(await runProbe({kind: 'http', url})).toMatchObject({error: {code: 'refused'}})
    expect(await runProbe({kind: 'http', url, listenPort: ctOnly.port})).toMatchObject({status: 200, body: 'hello from the CT address'})
  })

  it('falls back to netstat when ss fails', async () => {
    const env = {...process.env, PATH: `${noSs}:${process.env.PATH}`}
    const url = `http://127.0.0.1:${ctOnly.port}/healthz`
    expect(await runProbe({kind: 'http', url, listenPort: ctOnly.port}, env)).toMatchObject({status: 200, body: 'hello from the CT address'})
  })

  it.each([
    ['a wildcard bind: 127.0.0.1, as before', () => wildcard, 'hello from everywhere'],
    ['::1 only', () => sixOnly, 'hello from ::1'],
  ])('%s', async (_name, server, body) => {
    const port = server().port
    expect(await runProbe({kind: 'http', url: `http://127.0.0.1:${port}/x?y=1`, listenPort: port})).toMatchObject({status: 200, body})
  })

  it('keeps the port when it is the scheme\'s default (a gateway CT\'s nginx on :80)', () => {
    expect(urlAtListenAddress('http://127.0.0.1:80/')).toBe(`"http://$_a"':80/'`)
    expect(urlAtListenAddress('http://127.0.0.1:8000/v1/models?x=1')).toBe(`"http://$_a"':8000/v1/models?x=1'`)
  })

  it('nothing listening: 127.0.0.1, refused (the service layer says not_listening from ss)', async () => {
    const port = ctOnly.port + 1
    expect(await runProbe({kind: 'http', url: `http://127.0.0.1:${port}/`, listenPort: port})).toMatchObject({error: {code: 'refused'}})
  })

  it("every in-CT request to the service's own port is planned at the listen address; outer ones are not", () => {
    const inv = parseInventory(`proxmox: { host: local }\ngateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }\nservices:\n  q: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, route: /qdrant/ }\n`, 'x.yaml')
    const specs = planService(inv.services[0]!, {inventory: inv, deep: true, apiKeys: new Map()}, LAYERS).filter((x) => x.probe.kind === 'http')
    const inCt = specs.filter((x) => x.layer === 'service').map((x) => [x.id, (x.probe as HttpProbe).listenPort])
    expect(inCt).toEqual([['service.http', 6333], ['service.ready', 6333], ['service.collections', 6333]])
    expect(specs.filter((x) => x.layer !== 'service').every((x) => (x.probe as HttpProbe).listenPort === undefined)).toBe(true)
  })
})
