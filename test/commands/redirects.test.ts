import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import type {AddressInfo, Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {REPO} from '../helpers/processes.js'

/**
 * Redirects through the route (hostile finding D6, issue 9 item 6): a 3xx is not "healthy". The
 * D6 repro: a "gateway" on loopback that answers every request with a 307 to a metadata address.
 * phoenix must never follow it (the 127.0.0.99 listener gets nothing), name the Location, and
 * tell the gateway's own http→https redirect from any other.
 */

/** A raw HTTP/1.1 server on a loopback address that answers every request with `answer(path)`. */
async function rawServer(host: string, answer: (path: string, port: number) => string): Promise<{server: Server; port: number; hits: () => number}> {
  let hits = 0
  let port = 0
  const server = createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', (d) => {
      hits++
      const path = /^[A-Z]+ (\S+)/.exec(d.toString())?.[1] ?? '/'
      socket.end(answer(path, port))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  port = (server.address() as AddressInfo).port
  return {server, port, hits: () => hits}
}

async function check(yaml: string, names: string[]): Promise<{code: number; report: Report}> {
  const dir = await mkdtemp(join(tmpdir(), 'phoenix-redirect-'))
  try {
    await writeFile(join(dir, 'phoenix.yaml'), yaml)
    return await new Promise((resolve) => {
      execFile(process.execPath, [join(REPO, 'bin/run.js'), 'check', ...names, '--layer', 'client', '--config', join(dir, 'phoenix.yaml'), '--json', '--timeout', '3s'], {env: {...process.env, NO_COLOR: '1'}}, (error, stdout) =>
        resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, report: JSON.parse(stdout) as Report}))
    })
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

const yaml = (port: number) => `proxmox: {host: local}
gateway: {ctid: 953, address: 127.0.0.29, url: "http://127.0.0.29:${port}"}
services:
  ol: {kind: ollama, ctid: 955, address: 127.0.0.29, port: 11434, route: /o/}
  web: {kind: http, ctid: 960, address: 127.0.0.29, port: 8080, route: /web/}
  vl: {kind: vllm, ctid: 950, address: 127.0.0.29, port: 8000, route: /v1/chat/completions}
`

describe('redirects through the route (D6)', () => {
  let metadata: Awaited<ReturnType<typeof rawServer>>
  let decoy: Awaited<ReturnType<typeof rawServer>>
  let https: Awaited<ReturnType<typeof rawServer>>
  beforeAll(async () => {
    decoy = await rawServer('127.0.0.99', () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    metadata = await rawServer('127.0.0.29', () => `HTTP/1.1 307 T\r\nLocation: http://127.0.0.99:${decoy.port}/latest/meta-data/\r\nContent-Length: 0\r\n\r\n`)
    https = await rawServer('127.0.0.29', (path) => `HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: https://127.0.0.29${path}\r\nContent-Length: 0\r\n\r\n`)
  })
  afterAll(async () => {
    for (const s of [metadata, decoy, https]) await new Promise((resolve) => s?.server.close(resolve))
  })

  it('a 307 to another address is client_redirected, with the Location; never followed; exit 2', async () => {
    const {code, report} = await check(yaml(metadata.port), ['ol', 'web', 'vl'])
    expect(report.services.map((s) => [s.name, s.status, s.verdict.layer, s.verdict.cause])).toEqual([
      ['ol', 'fail', 'client', 'client_redirected'],
      ['web', 'fail', 'client', 'client_redirected'],
      ['vl', 'fail', 'client', 'client_redirected'],
    ])
    for (const s of report.services) expect(s.verdict.evidence.join('\n')).toContain(`Location: http://127.0.0.99:${decoy.port}/latest/meta-data/`)
    expect(decoy.hits()).toBe(0)
    expect(code).toBe(2)
  })

  it('an http→https redirect of the same URL is the gateway\'s own: use the https URL in gateway.url', async () => {
    const {code, report} = await check(yaml(https.port), ['ol', 'web', 'vl'])
    for (const s of report.services) {
      expect([s.name, s.verdict.cause]).toEqual([s.name, 'gateway_https_redirect'])
      expect(s.verdict.hints.map((h) => h.text).join('\n')).toContain('use the https URL in gateway.url (https://127.0.0.29)')
      expect(s.verdict.hints.map((h) => h.text).join('\n')).not.toMatch(/WebSocket|Add .*location/)
    }
    expect(code).toBe(2)
  })
})
