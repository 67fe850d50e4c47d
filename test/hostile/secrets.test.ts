import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import type {AddressInfo, Server, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {maskDeep, redact} from '../../src/io/redact.js'
import type {HttpObservation} from '../../src/model/probes.js'
import type {Report} from '../../src/model/report.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'
import {REPO} from '../helpers/processes.js'

const KEYS = {PHR_VKEY: 'SECRET-VLLM-1234', PHR_QKEY: 'SECRET-QDRANT-5678', PHR_GKEY: 'SECRET-GATEWAY-9012'}

/** The key a request carried (Bearer or api-key), echoed back the way careless backends do. */
function keyOf(request: string): string {
  return /authorization: bearer (\S+)/i.exec(request)?.[1] ?? /api-key: (\S+)/i.exec(request)?.[1] ?? 'none'
}

async function listen(onRequest: (socket: Socket, request: string) => void): Promise<Server & {port: number}> {
  const server = createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', (data) => onRequest(socket, data.toString('latin1')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(server, {port: (server.address() as AddressInfo).port})
}

describe('no key in any output (D2)', () => {
  let dir: string
  let echo: Server & {port: number}
  let hang: Server & {port: number}
  let env: NodeJS.ProcessEnv
  let config: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-secrets-'))
    // Health paths answer 200; every other request gets a 500 that quotes the key, in the body, a
    // kept header, and a URL with credentials in it.
    echo = await listen((socket, request) => {
      const path = request.split(' ')[1] ?? '/'
      if (/^\/(health|healthz|readyz)$/.test(path)) return void socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      const key = keyOf(request)
      const body = JSON.stringify({detail: `invalid credentials ${key}`, retry: `http://admin:${key}@127.0.0.1/`})
      socket.end(`HTTP/1.1 500 X\r\nWWW-Authenticate: Bearer error="${key}"\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    })
    // The error path: a 200 whose body quotes the key, then stalls until the timeout.
    hang = await listen((socket, request) => {
      const path = request.split(' ')[1] ?? '/'
      if (path === '/healthz' || path === '/readyz') return void socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nyour key ${keyOf(request)}\n`)
    })
    config = join(dir, 'phoenix.yaml')
    writeFileSync(
      config,
      `proxmox: { host: local }
gateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${echo.port}", apiKeyEnv: PHR_GKEY }
services:
  vl: { kind: vllm, task: chat, ctid: 950, address: 127.0.0.1, port: ${echo.port}, apiKeyEnv: PHR_VKEY, route: /v1/chat/completions }
  qd: { kind: qdrant, ctid: 952, address: 127.0.0.1, port: ${hang.port}, apiKeyEnv: PHR_QKEY, route: /qdrant/ }
  web: { kind: http, ctid: 960, address: 127.0.0.1, port: ${echo.port}, route: /web/ }
`,
    )
    // pct runs the in-CT batches on this machine (the loopback rig's shim), so the curl path is real.
    // phoenix runs pct with PATH, LANG and TERM only: the rig's directory is written into a wrapper.
    mkdirSync(join(dir, 'bin'))
    writeFileSync(join(dir, 'bin', 'pct'), `#!/bin/sh\nexport PHOENIX_RIG='${dir}'\nexec '${join(REPO, 'test/helpers/rig-shims/pct')}' "$@"\n`, {mode: 0o755})
    env = {...process.env, ...KEYS, PATH: `${join(dir, 'bin')}:${join(REPO, 'test/helpers/rig-shims')}:${process.env.PATH}`, NO_COLOR: '1', DEBUG: 'phoenix'}
  })
  afterAll(() => {
    echo?.close()
    hang?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  // The gateway layer is left out: it reads this machine's own nginx, which is no part of the test.
  const inner = ['--layer', 'service', '--layer', 'host', '--layer', 'client']
  const runs: [string, string[]][] = [
    ['check, human', ['check', 'vl', 'qd', 'web', ...inner]],
    ['check --json', ['check', 'vl', 'qd', 'web', '--json', ...inner]],
    ['diag vl, human', ['diag', 'vl', ...inner]],
    ['diag vl --json', ['diag', 'vl', '--json', ...inner]],
    ['diag qd --json (curl error path)', ['diag', 'qd', '--json', ...inner]],
    ['diag vl --layer client (D2 repro)', ['diag', 'vl', '--layer', 'client']],
  ]
  it.each(runs)('%s: no key, bare or as a header value, in stdout or stderr', async (_what, args) => {
    const run = await runPhoenix([...args, '--config', config, '--timeout', '2s', '--deadline', '10s'], {env, hangGuardMs: 40_000})
    const output = run.stdout + run.stderr
    expect(run.signal).toBeNull()
    expect(output.length).toBeGreaterThan(0)
    for (const key of Object.values(KEYS)) {
      expect(output, `${key} leaked`).not.toContain(key)
      // No piece of it either (a cut in the middle of a key).
      expect(output).not.toContain(key.slice(0, 10))
    }
  })

  it('the echoes were really there, in the CT (curl) and through the gateway, and masked where they were seen', async () => {
    const run = await runPhoenix(['diag', 'vl', '--config', config, '--json', '--timeout', '2s', '--layer', 'service', '--layer', 'client'], {env, hangGuardMs: 40_000})
    const checks = (JSON.parse(run.stdout) as Report).services[0]!.layers.flatMap((l) => l.checks)
    const body = (id: string) => (checks.find((c) => c.id === id)?.observed as HttpObservation | undefined)?.body ?? ''
    expect(body('service.models')).toMatch(/invalid credentials \*\*\*/)
    expect(body('client.http')).toMatch(/invalid credentials \*\*\*/)
    expect(run.stdout).toContain('http://***@127.0.0.1/')
  })

  it('the curl error path was taken (a body cut by the timeout), and masked', async () => {
    const run = await runPhoenix(['diag', 'qd', '--config', config, '--json', '--timeout', '2s', '--layer', 'service'], {env, hangGuardMs: 40_000})
    const checks = (JSON.parse(run.stdout) as Report).services[0]!.layers.flatMap((l) => l.checks)
    const collections = checks.find((c) => c.id === 'service.collections')?.observed as HttpObservation | undefined
    expect(collections?.error, JSON.stringify(collections)).toBeDefined()
    expect(run.stdout).not.toContain(KEYS.PHR_QKEY)
  })

  it('masks every form of a key, in free text and inside a report', () => {
    const key = 'k3y/with "quotes"+='
    const text = `Bearer ${key} | ${key} | ${encodeURIComponent(key)} | ${JSON.stringify(key)} | https://u:${key}@h/`
    const masked = redact(text, [`Bearer ${key}`])
    expect(masked).not.toContain('k3y')
    const deep = maskDeep({a: [text], b: {c: text}, n: 1}, (t) => redact(t, [key]))
    expect(deep).toEqual({a: [expect.any(String)], b: {c: expect.any(String)}, n: 1})
    expect(JSON.stringify(deep)).not.toContain('k3y')
  })
})
