import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, request} from 'node:http'
import type {IncomingHttpHeaders, Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {freePort, REPO, stopProcess, waitForPort} from '../helpers/processes.js'
import {call, launch, upgrade} from './emulator/client.js'
import type {Emulator} from './emulator/client.js'
import {acceptKey, handshake} from './emulator/websocket.js'
import {matches, parseRule, priorityOf} from './emulator/traefik/rule.js'

// The lab's Traefik against real loopback backends; every packet goes to 127.0.0.1.

describe('Traefik rules (pkg/muxer/http)', () => {
  const req = (host: string, path: string) => ({host, path, method: 'GET'})
  it('Host ignores the port and case, PathPrefix is a string prefix, && || ! and parentheses combine', () => {
    expect(matches(parseRule('Host(`Web.Lab`)'), req('web.lab:80', '/x'))).toBe(true)
    expect(matches(parseRule('Host(`web.lab`) && PathPrefix(`/api`)'), req('web.lab', '/apix'))).toBe(true)
    expect(matches(parseRule('Host(`web.lab`) && PathPrefix(`/api`)'), req('web.lab', '/'))).toBe(false)
    expect(matches(parseRule('Host(`a.lab`) || (Host(`b.lab`) && !PathPrefix(`/private`))'), req('b.lab', '/public'))).toBe(true)
    expect(matches(parseRule('Host(`a.lab`) || (Host(`b.lab`) && !PathPrefix(`/private`))'), req('b.lab', '/private/x'))).toBe(false)
    expect(matches(parseRule('Host(`*.lab`)'), req('x.lab', '/'))).toBe(true)
    expect(matches(parseRule('Path(`/ping`)'), req('x', '/ping/'))).toBe(false)
  })
  it('refuses what Traefik refuses, and the default priority is the rule\'s length', () => {
    expect(() => parseRule('PathPrefix(`api`)')).toThrow(/does not start with a '\/'/)
    expect(() => parseRule('Hots(`x`)')).toThrow(/error while parsing rule/)
    expect(() => parseRule('Host(`x`) &&')).toThrow(/error while parsing rule/)
    expect(priorityOf('Host(`a.lab`)', undefined)).toBe(13)
    expect(priorityOf('Host(`a.lab`)', 100)).toBe(100)
  })
})

/** A backend that says who it is and what it received. */
function backend(name: string, healthy = true): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(healthy ? 200 : 500).end(healthy ? 'ok' : 'broken')
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({name, url: req.url, host: req.headers.host, xff: req.headers['x-forwarded-for'], prefix: req.headers['x-forwarded-prefix']}))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
/**
 * A WebSocket server on node's own upgrade handling: it records the headers it got, completes the
 * handshake, says hello and echoes every byte; an upgrade of /refuse gets 403 and its body.
 */
function echoBackend(seen: IncomingHttpHeaders[]): Promise<Server> {
  const server = createServer((_req, res) => void res.writeHead(426, {'content-type': 'text/plain'}).end('upgrade required'))
  server.on('upgrade', (req, socket) => {
    seen.push(req.headers)
    if (req.url === '/refuse') return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden')
    if (!handshake(req, socket)) return
    socket.write('hello ')
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`

describe('the lab\'s Traefik emulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-'))
  const dynamic = join(dir, 'dynamic')
  let web = 0
  let api = 0
  let child: ChildProcess
  let out = ''
  let a: Server, b: Server, sick: Server, echo: Server
  let refusedPort = 0
  const echoSeen: IncomingHttpHeaders[] = []
  let n8n: Emulator

  const dynamicYaml = (extra = '') => `http:
  routers:
    app:
      rule: "Host(\`app.lab\`)"
      service: app
    app-api:
      rule: "Host(\`app.lab\`) && PathPrefix(\`/api\`)"
      service: other
    low:
      rule: "PathPrefix(\`/\`)"
      priority: 1
      service: other
    pinned:
      rule: "Host(\`pinned.lab\`) && PathPrefix(\`/a\`)"
      priority: 500
      service: app
    sick:
      rule: "Host(\`sick.lab\`)"
      service: sick
    gone:
      rule: "Host(\`gone.lab\`)"
      service: nowhere
    refused:
      rule: "Host(\`refused.lab\`)"
      service: refused
${extra}  services:
    app:
      loadBalancer:
        servers:
          - url: "${url(a)}"
    other:
      loadBalancer:
        servers:
          - url: "${url(b)}"
    sick:
      loadBalancer:
        healthCheck: {path: /health, interval: 200ms, timeout: 1s}
        servers:
          - url: "${url(sick)}"
    refused:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:${refusedPort}"
`

  const TOML = `[http.routers.toml]
  rule = "Host(\`toml.lab\`) && PathPrefix(\`/svc\`)"
  service = "app"
  middlewares = ["strip-svc", "add-v1"]

[http.middlewares.strip-svc.stripPrefix]
  prefixes = ["/svc"]
[http.middlewares.add-v1.addPrefix]
  prefix = "/v1"
`

  beforeAll(async () => {
    ;[a, b, sick, echo] = await Promise.all([backend('a'), backend('b'), backend('sick', false), echoBackend(echoSeen)])
    ;[web, api, refusedPort] = [await freePort(), await freePort(), await freePort()]
    // n8n as its docker image runs it (NODE_ENV=production): /rest/push checks the session, then the Origin.
    const n8nPort = await freePort()
    n8n = launch(REPO, ['--host', '127.0.0.1', '--port', String(n8nPort), '--profile', 'n8n'], n8nPort, {...process.env, NODE_ENV: 'production'})
    rmSync(dynamic, {recursive: true, force: true})
    mkdirSync(dynamic, {recursive: true})
    writeFileSync(join(dynamic, 'dynamic_conf.yml'), dynamicYaml())
    // The file provider reads TOML beside YAML (the decoder by extension); a TOML file that does not parse is logged and skipped.
    writeFileSync(join(dynamic, 'more.toml'), TOML)
    writeFileSync(join(dynamic, 'ws.yml'), `http:\n  routers:\n    ws: {rule: "Host(\`ws.lab\`)", service: ws}\n    n8n: {rule: "Host(\`n8n.lab\`)", service: n8n}\n  services:\n    ws: {loadBalancer: {servers: [{url: "${url(echo)}"}]}}\n    n8n: {loadBalancer: {servers: [{url: "http://127.0.0.1:${n8nPort}"}]}}\n`)
    writeFileSync(join(dynamic, 'zz-broken.toml'), '[http.routers.broken\nrule = "Host(`broken.lab`)"\n')
    writeFileSync(join(dir, 'traefik.yml'), `entryPoints:\n  web: {address: "127.0.0.1:${web}"}\n  traefik: {address: "127.0.0.1:${api}"}\napi: {insecure: true}\nping: {}\nproviders:\n  file: {directory: ${dynamic}, watch: true}\n`)
    child = spawn(process.execPath, ['--import', 'tsx', 'test/lab/emulator/traefik/main.ts', '--configfile', join(dir, 'traefik.yml')], {cwd: REPO, stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
    await Promise.all([waitForPort('127.0.0.1', web, 'traefik web'), waitForPort('127.0.0.1', api, 'traefik api'), waitForPort('127.0.0.1', n8nPort, 'emulator n8n')])
  }, 90_000)

  afterAll(async () => {
    await Promise.all([stopProcess(child), stopProcess(n8n?.child)])
    for (const s of [a, b, sick, echo]) s?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const get = (host: string, path = '/') => call(web, path, {headers: {Host: host}})

  it('routes by rule and priority to the load balancer\'s server, keeping Host and adding X-Forwarded-For', async () => {
    expect((await get('app.lab', '/x')).json()).toMatchObject({name: 'a', url: '/x', host: 'app.lab', xff: '127.0.0.1'})
    // The longer rule wins over Host alone; the catch-all priority 1 loses to both.
    expect((await get('app.lab', '/api/v1')).json()).toMatchObject({name: 'b'})
    expect((await get('else.lab', '/y')).json()).toMatchObject({name: 'b'})
    // An explicit priority beats a longer rule.
    expect((await get('pinned.lab', '/a')).json()).toMatchObject({name: 'a'})
  })

  it('reads TOML too, and applies the router\'s middlewares in order: stripPrefix then addPrefix (X-Forwarded-Prefix says what was taken)', async () => {
    expect((await get('toml.lab', '/svc/models?x=1')).json()).toMatchObject({name: 'a', url: '/v1/models?x=1', prefix: '/svc'})
    expect((await get('toml.lab', '/svc')).json()).toMatchObject({name: 'a', url: '/v1'})
    expect(out).toMatch(/ERR Error occurred during watcher callback: .*zz-broken\.toml: .*providerName=file/)
  })

  it('answers as Traefik does when it cannot: 503 no available server (health check DOWN), 502 refused', async () => {
    const down = await get('sick.lab')
    expect([down.status, down.text]).toEqual([503, 'no available server\n'])
    const refused = await get('refused.lab')
    expect([refused.status, refused.text]).toEqual([502, 'Bad Gateway'])
  })

  it('passes a WebSocket upgrade as Go\'s ReverseProxy does: the server gets Connection: Upgrade and X-Forwarded-Proto ws, no other hop-by-hop header; its 101 comes back and the sockets are piped', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ=='
    const headers = {Host: 'ws.lab', Connection: 'keep-alive, Upgrade, X-Hop', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', 'X-Hop': 'for traefik only', 'Keep-Alive': 'timeout=5', 'Proxy-Authorization': 'Basic eDp5'}
    const said = await new Promise<{status: number; accept: unknown; text: string}>((resolve, reject) => {
      const req = request({host: '127.0.0.1', port: web, path: '/socket', headers, agent: false})
      req.on('response', (res) => reject(new Error(`answered ${res.statusCode} instead of 101`)))
      req.on('upgrade', (res, socket, head) => {
        let text = head.toString()
        const done = setTimeout(() => (socket.destroy(), reject(new Error(`no echo through the pipe: ${JSON.stringify(text)}`))), 10_000)
        socket.on('data', (d: Buffer) => {
          text += d.toString()
          if (text.includes('echo:ping')) (clearTimeout(done), socket.destroy(), resolve({status: res.statusCode ?? 0, accept: res.headers['sec-websocket-accept'], text}))
        })
        socket.write('ping')
      })
      req.on('error', reject)
      req.end()
    })
    expect(said).toEqual({status: 101, accept: acceptKey(key), text: 'hello echo:ping'})
    const got = echoSeen.at(-1)!
    expect({connection: got.connection, upgrade: got.upgrade, host: got.host, proto: got['x-forwarded-proto'], xfh: got['x-forwarded-host'], xff: got['x-forwarded-for'], key: got['sec-websocket-key']})
      .toEqual({connection: 'Upgrade', upgrade: 'websocket', host: 'ws.lab', proto: 'ws', xfh: 'ws.lab', xff: '127.0.0.1', key})
    expect([got['x-hop'], got['keep-alive'], got['proxy-authorization']]).toEqual([undefined, undefined, undefined])
  })

  it('passes a refusal back: the server\'s 403 to an upgrade, n8n\'s 401 to a push without Upgrade (nginx not passing it); 502 when the server is not there', async () => {
    const wsKey = {'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}
    const refused = await upgrade(web, '/refuse', {Host: 'ws.lab', ...wsKey})
    expect([refused.status, refused.headers['content-type'], refused.headers.upgrade]).toEqual([403, 'text/plain', undefined])
    const plain = await call(web, '/rest/push?pushRef=x', {headers: {Host: 'n8n.lab'}})
    expect([plain.status, plain.text]).toEqual([401, '{"status":"error","message":"Unauthorized"}'])
    expect((await upgrade(web, '/', {Host: 'refused.lab', ...wsKey})).status).toBe(502)
  })

  it.each([
    ['the editor on the name Traefik routes', 'open', {Cookie: 'n8n-auth=lab', Origin: 'https://n8n.lab'}],
    ['a page of another origin', 'Invalid origin!', {Cookie: 'n8n-auth=lab', Origin: 'https://elsewhere.lab'}],
    ['no session', 'closed', {Origin: 'https://n8n.lab'}],
  ] as const)('n8n\'s /rest/push through Traefik from %s: 101, then %s (n8n\'s own answer, passed through)', async (_what, then, headers) => {
    const key = 'x3JJHMbDL1EzLkh9GBhXDw=='
    const r = await upgrade(web, '/rest/push?pushRef=lab', {Host: 'n8n.lab', 'Sec-WebSocket-Key': key, ...headers}, Infinity, 800)
    expect([r.status, r.headers['sec-websocket-accept']]).toEqual([101, acceptKey(key)])
    if (then === 'open') return expect(r.frames).toEqual([])
    if (then === 'closed') return expect(r.frames.map((f) => [f.opcode, f.payload.length])).toEqual([[0x8, 0]])
    expect(r.frames.map((f) => f.opcode)).toEqual([0x1, 0x8])
    expect([r.frames[0]!.payload.toString(), r.frames[1]!.payload.readUInt16BE(0)]).toEqual(['Invalid origin!', 1008])
  })

  it('serves the API: routers with status and errors, services with serverStatus, overview; /ping', async () => {
    const routers = (await call(api, '/api/http/routers')).json() as {name: string; status: string; error?: string[]; priorityStr: string; rule: string}[]
    expect(routers.map((r) => r.name)).toEqual(['app-api@file', 'app@file', 'gone@file', 'low@file', 'n8n@file', 'pinned@file', 'refused@file', 'sick@file', 'toml@file', 'ws@file'])
    expect(routers.find((r) => r.name === 'gone@file')).toMatchObject({status: 'disabled', error: ['the service "nowhere@file" does not exist']})
    expect(routers.find((r) => r.name === 'app@file')).toMatchObject({status: 'enabled', priorityStr: '0', rule: 'Host(`app.lab`)'})
    const one = await call(api, '/api/http/routers/low@file')
    expect(one.json()).toMatchObject({priority: 1, service: 'other'})
    expect((await call(api, '/api/http/routers/nope@file')).status).toBe(404)
    const services = (await call(api, '/api/http/services')).json() as {name: string; serverStatus?: Record<string, string>; usedBy: string[]}[]
    expect(services.find((s) => s.name === 'sick@file')?.serverStatus).toEqual({[url(sick)]: 'DOWN'})
    expect(services.find((s) => s.name === 'app@file')).toMatchObject({serverStatus: {[url(a)]: 'UP'}, usedBy: ['app@file', 'pinned@file', 'toml@file']})
    expect((await call(api, '/api/overview')).json()).toMatchObject({http: {routers: {total: 10, errors: 1}}})
    const ping = await call(api, '/ping')
    expect([ping.status, ping.text]).toEqual([200, 'OK'])
    // The API is not on the web entryPoint: the catch-all router answers there.
    expect((await call(web, '/api/http/routers')).json()).toMatchObject({name: 'b'})
  })

  it('reloads the file provider when a file changes (a router added, then removed)', async () => {
    const added = '    late:\n      rule: "Host(`late.lab`)"\n      priority: 1000\n      service: app\n'
    writeFileSync(join(dynamic, 'dynamic_conf.yml'), dynamicYaml(added))
    await until(async () => (await get('late.lab')).text.includes('"name":"a"'))
    writeFileSync(join(dynamic, 'dynamic_conf.yml'), dynamicYaml())
    await until(async () => (await get('late.lab')).text.includes('"name":"b"'))
    expect(out).toMatch(/Configuration loaded from 4 file/)
  })
})

async function until(test: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await test())) {
    if (Date.now() > end) throw new Error('timed out waiting for the reload')
    await new Promise((r) => setTimeout(r, 100))
  }
}
