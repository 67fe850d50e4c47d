/**
 * However many probes --concurrency allows, phoenix stays inside the open-file limit: under
 * `ulimit -n 256` (a tight container, an old init), 300 services with a tenth hanging and
 * --concurrency 1024 end with every verdict right and no EMFILE (src/run/lanes.ts). Before
 * the lanes had bounds of their own, 900 sockets were opened at once.
 */
import {spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {Server} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {REPO} from '../helpers/processes.js'

const SERVICES = 300
const hanging = (i: number) => i % 10 === 9

describe('the open-file limit', () => {
  const sockets = new Set<Socket>()
  let healthy: Server
  let hang: Server
  let dir: string
  const listen = async (server: Server) => {
    server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-open-files-'))
    healthy = createServer((_req, res) => res.end('{"status":"ok"}\n'))
    hang = createServer(() => {}) // accepts, reads, never answers
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    healthy?.close()
    hang?.close()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('ulimit -n 256, 300 services, --concurrency 1024: no EMFILE, every verdict right', async () => {
    const [ok, stuck] = [await listen(healthy), await listen(hang)]
    const lines = ['proxmox: {host: local}', `gateway: {ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${ok}"}`, 'services:']
    for (let i = 0; i < SERVICES; i++) lines.push(`  s${i}: {kind: http, ctid: ${1000 + i}, address: 127.0.0.1, port: ${hanging(i) ? stuck : ok}, route: /s${i}/}`)
    const config = join(dir, 'phoenix.yaml')
    await writeFile(config, `${lines.join('\n')}\n`)
    const command = `ulimit -n 256 && exec "$0" bin/run.js check --all --layer host --layer client --concurrency 1024 --timeout 2s --deadline 60s --json --config "$1"`
    const child = spawn('sh', ['-c', command, process.execPath, config], {cwd: REPO, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    await new Promise((resolve) => child.once('close', resolve))
    expect(stdout + stderr).not.toMatch(/EMFILE|too many open files/i)
    const report = JSON.parse(stdout) as Report
    const wrong = report.services.filter((s) => (hanging(Number(s.name.slice(1))) ? s.status !== 'fail' : s.status === 'fail' || s.status === 'unknown'))
    expect(wrong.map((s) => `${s.name} ${s.status} ${s.verdict.cause}`)).toEqual([])
  }, 120_000)
})
