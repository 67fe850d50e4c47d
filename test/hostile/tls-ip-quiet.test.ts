import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:https'
import type {Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'

/** A private CA, and a certificate for the IP 127.0.0.1 signed by it (a gateway addressed by IP). */
function makeIpCert(dir: string): {ca: string; key: string; cert: string} {
  const run = (args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'ignore'})
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=phoenix test CA'])
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1'])
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n')
  run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext'])
  return {ca: join(dir, 'ca.crt'), key: readFileSync(join(dir, 'srv.key'), 'utf8'), cert: readFileSync(join(dir, 'srv.crt'), 'utf8')}
}

describe('a healthy run against an https gateway addressed by IP is silent on stderr (DEP0123)', () => {
  let dir: string
  let server: Server
  let config: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-tls-ip-'))
    const {ca, key, cert} = makeIpCert(dir)
    // n8n's health answer for every request, and a real 101 for a WebSocket upgrade.
    server = createServer({key, cert}, (_req, res) => res.end('{"status":"ok"}'))
    server.on('upgrade', (req, socket) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
      socket.on('error', () => {})
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    config = join(dir, 'phoenix.yaml')
    writeFileSync(
      config,
      `proxmox: { host: local }
gateway: { ctid: 953, address: 127.0.0.1, url: "https://127.0.0.1:${port}", ca: ${ca} }
services:
  n8n: { kind: n8n, ctid: 954, address: 127.0.0.1, port: 5678, route: /n8n/ }
  byip: { kind: http, ctid: 960, address: 127.0.0.1, port: 8080, route: { host: 127.0.0.1, path: /web/ } }
`,
    )
  })
  afterAll(() => {
    server?.closeAllConnections()
    server?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it.each([['--json'], ['human']])('check --layer client (%s): every check runs, nothing on stderr', async (mode) => {
    const run = await runPhoenix(['check', 'n8n', 'byip', '--layer', 'client', '--config', config, ...(mode === '--json' ? ['--json'] : [])], {env: {...process.env, NO_COLOR: '1'}})
    expect(run.stderr).toBe('')
    if (mode === '--json') {
      const report = JSON.parse(run.stdout) as Report
      const ids = report.services.flatMap((s) => s.layers.flatMap((l) => l.checks.map((c) => `${s.name} ${c.id} ${c.status}`)))
      expect(ids).toContain('n8n client.http pass')
      expect(ids).toContain('byip client.http pass')
      expect(ids.some((id) => /n8n client\.websocket/.test(id)), ids.join('\n')).toBe(true)
    }
  })
})
