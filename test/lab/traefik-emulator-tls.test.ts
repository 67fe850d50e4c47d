import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {Server} from 'node:http'
import {request} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hoursFromNow, Pki} from '../helpers/pki.js'
import {freePort, REPO, stopProcess, waitForPort} from '../helpers/processes.js'
import {call} from './emulator/client.js'

/**
 * The TLS side of the lab's Traefik: an entryPoint with http.tls serves TLS with the tls.certificates
 * entry that covers the SNI name (read at the handshake: a swapped file is served from the next
 * connection), and a router with tls takes no plain HTTP request. Real openssl certificates, a real
 * loopback backend; every packet goes to 127.0.0.1.
 */
describe("the lab's Traefik emulator on TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-tls-'))
  const pki = new Pki(dir)
  let web = 0
  let secure = 0
  let child: ChildProcess
  let backend: Server

  beforeAll(async () => {
    pki.ca('ca')
    pki.key('app')
    pki.issue('app', 'ca', {sans: 'DNS:app.lab', from: hoursFromNow(-1), until: hoursFromNow(23), keyOf: 'app'})
    backend = await new Promise<Server>((resolve) => {
      const s = createServer((req, res) => res.end(`backend ${req.headers.host} ${req.url}`))
      s.listen(0, '127.0.0.1', () => resolve(s))
    })
    ;[web, secure] = [await freePort(), await freePort()]
    mkdirSync(join(dir, 'dynamic'))
    writeFileSync(join(dir, 'dynamic', 'conf.yml'), `http:\n  routers:\n    app-secure:\n      rule: "Host(\`app.lab\`)"\n      service: app\n      entryPoints: [websecure]\n      tls: {}\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: "http://127.0.0.1:${(backend.address() as AddressInfo).port}"\ntls:\n  certificates:\n    - certFile: ${pki.at('app.crt')}\n      keyFile: ${pki.at('app.key')}\n`)
    writeFileSync(join(dir, 'traefik.yml'), `entryPoints:\n  web: {address: "127.0.0.1:${web}"}\n  websecure:\n    address: "127.0.0.1:${secure}"\n    http: {tls: {}}\nproviders:\n  file: {directory: ${join(dir, 'dynamic')}, watch: true}\n`)
    child = spawn(process.execPath, ['--import', 'tsx', 'test/lab/emulator/traefik/main.ts', '--configfile', join(dir, 'traefik.yml')], {cwd: REPO, stdio: 'ignore'})
    await Promise.all([waitForPort('127.0.0.1', web, 'traefik web'), waitForPort('127.0.0.1', secure, 'traefik websecure')])
  }, 90_000)

  afterAll(async () => {
    await stopProcess(child)
    backend?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const tlsGet = (servername: string) => new Promise<{body: string; notAfter: string}>((resolve, reject) => {
    const req = request({host: '127.0.0.1', port: secure, path: '/x', servername, headers: {Host: servername}, ca: pki.read('ca.crt'), agent: false}, (res) => {
      let body = ''
      const notAfter = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().valid_to
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({body, notAfter}))
    })
    req.on('error', reject).end()
  })

  it('serves the certificate that covers the SNI name, verified against the CA, and routes the tls router', async () => {
    expect((await tlsGet('app.lab')).body).toBe('backend app.lab /x')
  })

  it('a name no certificate covers: no handshake (the emulator has no default certificate)', async () => {
    await expect(tlsGet('other.lab')).rejects.toThrow()
  })

  it('a router with tls takes no plain HTTP request', async () => {
    expect((await call(web, '/x', {headers: {Host: 'app.lab'}})).status).toBe(404)
  })

  it('a renewed file is served from the next connection', async () => {
    pki.issue('app', 'ca', {sans: 'DNS:app.lab', from: hoursFromNow(-30), until: hoursFromNow(-6), keyOf: 'app'})
    await expect(tlsGet('app.lab')).rejects.toThrow(/expired/)
  })
})
