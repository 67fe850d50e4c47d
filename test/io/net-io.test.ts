import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer as createHttpsServer} from 'node:https'
import type {Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createNetIo} from '../../src/io/net-io.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'

const io = createNetIo()
const VHOST = 'n8n.phoenix.local'

/** A private CA and a certificate for VHOST signed by it, as the operators' Step-CA makes. */
function makeCa(dir: string): {ca: string; key: string; cert: string} {
  const run = (args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'ignore'})
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=phoenix test CA'])
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', `/CN=${VHOST}`])
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:${VHOST}\\n' > ext && openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile ext`], {cwd: dir, stdio: 'ignore'})
  return {ca: join(dir, 'ca.crt'), key: readFileSync(join(dir, 'srv.key'), 'utf8'), cert: readFileSync(join(dir, 'srv.crt'), 'utf8')}
}

/** n8n's /rest/push behind a proxy that drops Upgrade: a plain GET, answered 401. */
function pushWithoutUpgrade(): Promise<TestServer> {
  return startHttpServer((_req, res) => {
    res.statusCode = 401
    res.end('{"status":"error","message":"Unauthorized"}')
  })
}

describe('the native network IO against real servers on loopback', () => {
  let dir: string
  let tls: Server
  let tlsPort: number
  let ca: string
  let plain: TestServer
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-tls-'))
    const made = makeCa(dir)
    ca = made.ca
    tls = createHttpsServer({key: made.key, cert: made.cert}, (req, res) => res.end(JSON.stringify({host: req.headers.host})))
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    tlsPort = (tls.address() as AddressInfo).port
    plain = await pushWithoutUpgrade()
  })
  afterAll(async () => {
    tls?.closeAllConnections()
    await new Promise((resolve) => tls?.close(resolve))
    await plain?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('reaches a name-routed virtual host over TLS: Host header, SNI, and the private CA', async () => {
    const obs = await io.http({kind: 'http', url: `https://127.0.0.1:${tlsPort}/healthz`, hostHeader: VHOST, servername: VHOST, caFile: ca}, 3000)
    expect(obs).toMatchObject({status: 200, body: JSON.stringify({host: VHOST})})
  })

  it.each([
    ['without the private CA', VHOST, false],
    ['for a virtual host the certificate does not name', 'other.phoenix.local', true],
  ])('fails the TLS handshake %s, as an observation', async (_name, name, withCa) => {
    const probe = {kind: 'http' as const, url: `https://127.0.0.1:${tlsPort}/healthz`, hostHeader: name, servername: name, ...(withCa ? {caFile: ca} : {})}
    const obs = await io.http(probe, 3000)
    expect(obs.status).toBeUndefined()
    expect(obs.error?.code).toBe('tls')
  })

  it('connects, is refused, and pings on loopback', async () => {
    expect(await io.tcp({kind: 'tcp', host: '127.0.0.1', port: plain.port}, 2000)).toMatchObject({connected: true})
    const closed = await startHttpServer(() => {})
    await closed.close()
    expect(await io.tcp({kind: 'tcp', host: '127.0.0.1', port: closed.port}, 2000)).toMatchObject({connected: false, error: {code: 'refused'}})
    expect(await io.ping({kind: 'ping', host: '127.0.0.1'}, 2000)).toMatchObject({alive: true})
  })

  it('reports the status a server answers instead of upgrading a WebSocket', async () => {
    const obs = await io.websocket({kind: 'websocket', url: `${plain.url}/rest/push?pushRef=x`, origin: plain.url}, 2000)
    expect(obs).toMatchObject({status: 401, body: '{"status":"error","message":"Unauthorized"}'})
  })

  it('reads the close frame a service sends right after accepting the upgrade', async () => {
    const {createServer} = await import('node:http')
    const server = createServer()
    server.on('upgrade', (req, socket) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
      const reason = Buffer.from('Invalid origin!')
      const code = req.headers.origin === 'http://good.test' ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x03, 0xf0]), reason])
      socket.end(Buffer.concat([Buffer.from([0x88, code.length]), code]))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/push`
    try {
      expect(await io.websocket({kind: 'websocket', url, origin: 'http://evil.test'}, 2000)).toMatchObject({status: 101, closeCode: 1008, closeReason: 'Invalid origin!'})
      expect(await io.websocket({kind: 'websocket', url, origin: 'http://good.test'}, 2000)).toMatchObject({status: 101, closeCode: 1005})
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
