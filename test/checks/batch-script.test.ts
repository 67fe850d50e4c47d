import {execFile} from 'node:child_process'
import {mkdtemp, realpath, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {httpSnippet, parseHttp} from '../../src/checks/probes/http.js'
import {listenSnippet, parseListen} from '../../src/checks/probes/listen.js'
import {parsePing, pingSnippet} from '../../src/checks/probes/ping.js'
import {parseTcp, tcpSnippet} from '../../src/checks/probes/tcp.js'
import type {HttpProbe} from '../../src/model/probes.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'

const run = promisify(execFile)
const SECRET = 'sk-phoenix-test-secret-123'

/** Runs snippets the way a remote vantage does: one script on `sh -s`'s stdin, probes in parallel. */
async function runBatch(snippets: string[], env: NodeJS.ProcessEnv = process.env) {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('/bin/sh', ['-s'], {env, maxBuffer: 8 * 1024 * 1024}, (error, out) => (error ? reject(error) : resolve(out)))
    child.stdin!.end(batchScript(snippets))
  })
  return splitBatchOutput(stdout, snippets.length)
}

describe('batch script on a real sh, against real servers on loopback', () => {
  let ok: TestServer
  let broken: TestServer
  let closedPort: number
  beforeAll(async () => {
    ok = await startHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      if (req.url === '/big') return res.end(JSON.stringify({data: Array.from({length: 3000}, (_, i) => i)}))
      if (req.url === '/auth') return res.end(JSON.stringify({matched: req.headers.authorization === `Bearer ${SECRET}`, echo: req.headers.authorization}))
      res.end(req.headers.host === 'vhost.test' ? '{"vhost":true}' : '{"status":"ok"}\nsecond line')
    })
    broken = await startHttpServer((_req, res) => {
      res.statusCode = 503
      res.end('engine dead')
    })
    const gone = await startHttpServer(() => {})
    closedPort = gone.port
    await gone.close()
  })
  afterAll(async () => {
    await ok.close()
    await broken.close()
  })

  it('runs every probe in one script and splits the output back per probe', async () => {
    const probes: HttpProbe[] = [
      {kind: 'http', url: `${ok.url}/healthz`},
      {kind: 'http', url: `${broken.url}/health`},
      {kind: 'http', url: `http://127.0.0.1:${closedPort}/x`},
      {kind: 'http', url: `${ok.url}/`, hostHeader: 'vhost.test'},
    ]
    const {lines, complete} = await runBatch(probes.map((p) => httpSnippet(p, 2000)))
    expect(complete).toBe(true)
    const obs = probes.map((p, i) => parseHttp(lines[i]!, p))
    expect(obs[0]).toMatchObject({kind: 'http', status: 200, body: '{"status":"ok"}\nsecond line'})
    expect(obs[1]).toMatchObject({kind: 'http', status: 503, body: 'engine dead'})
    expect(obs[2]).toMatchObject({kind: 'http', error: {code: 'refused'}})
    expect(obs[3]).toMatchObject({kind: 'http', status: 200, body: '{"vhost":true}'})
  })

  it('joins a long line (an embedding, a model list) cut into pieces, intact beside parallel probes', async () => {
    const probes: HttpProbe[] = [{kind: 'http', url: `${ok.url}/big`}, {kind: 'http', url: `${ok.url}/big`}, {kind: 'http', url: `${ok.url}/healthz`}]
    const {lines} = await runBatch(probes.map((p) => httpSnippet(p, 2000)))
    const big = parseHttp(lines[0]!, probes[0]!)
    expect(big).toMatchObject({kind: 'http', status: 200})
    expect(JSON.parse((big as {body: string}).body).data).toHaveLength(3000)
    expect(JSON.parse((parseHttp(lines[1]!, probes[1]!) as {body: string}).body).data).toHaveLength(3000)
  })

  it('never tears one probe\'s piece with another\'s: four probes printing long lines at once, each line whole and its own', async () => {
    // Each piece is its own write (under PIPE_BUF, atomic on a pipe). Flushed once a line instead,
    // a long line left awk in buffer-sized writes that cut pieces, and a parallel probe's write
    // landed inside one: a body's text in another probe's line, a marker lost (seen under load).
    const letters = ['a', 'b', 'c', 'd']
    const snippets = letters.map((c) => `i=0; while [ $i -lt 5 ]; do head -c 100000 /dev/zero | tr '\\0' ${c}; echo; i=$((i+1)); done; echo "\${_m}end ${c}"`)
    for (let round = 0; round < 5; round++) {
      const {lines} = await runBatch(snippets)
      letters.forEach((c, k) => {
        expect(lines[k]!.slice(0, 5).map((l) => l.length === 100_000 && l === c.repeat(100_000)), `probe ${c}, round ${round}`).toEqual([true, true, true, true, true])
        expect(lines[k]!.slice(5)).toEqual([`@@end ${c}`])
      })
    }
  })

  it('sends a secret header through curl\'s stdin, never its argv, and masks it in what comes back', async () => {
    const key = SECRET
    const probe: HttpProbe = {kind: 'http', url: `${ok.url}/auth`, headers: {Authorization: `Bearer ${key}`}, secretHeaders: ['Authorization']}
    const snippet = httpSnippet(probe, 2000)
    expect(snippet.slice(snippet.indexOf('| curl '))).not.toContain(key)
    const {lines} = await runBatch([snippet])
    const obs = parseHttp(lines[0]!, probe) as {status: number; body: string}
    expect(obs.status).toBe(200)
    expect(JSON.parse(obs.body)).toEqual({matched: true, echo: '***'})
    expect(obs.body).not.toContain(key)
  })

  it('tcp, listen and ping snippets observe the real machine', async () => {
    const snippets = [
      tcpSnippet({kind: 'tcp', host: '127.0.0.1', port: ok.port}, 2000),
      tcpSnippet({kind: 'tcp', host: '127.0.0.1', port: closedPort}, 2000),
      listenSnippet({kind: 'listen', port: ok.port}),
      pingSnippet({kind: 'ping', host: '127.0.0.1'}, 2000),
    ]
    const {lines} = await runBatch(snippets)
    expect(parseTcp(lines[0]!)).toMatchObject({kind: 'tcp', connected: true})
    expect(parseTcp(lines[1]!)).toMatchObject({kind: 'tcp', connected: false, error: {code: 'refused'}})
    const listen = parseListen(lines[2]!, {kind: 'listen', port: ok.port})
    expect(listen).toMatchObject({kind: 'listen', sockets: [{address: '127.0.0.1', port: ok.port, process: 'node'}]})
    expect(parsePing(lines[3]!)).toMatchObject({kind: 'ping', alive: true})
  })

  it('says which tool was missing when the vantage lacks it', async () => {
    // A minimal CT: awk (every base image has one), and nothing else on PATH.
    const bin = await mkdtemp(join(tmpdir(), 'phoenix-minimal-'))
    await symlink(await realpath('/usr/bin/awk'), join(bin, 'awk'))
    const {lines} = await runBatch(
      [httpSnippet({kind: 'http', url: `${ok.url}/`}, 1000), pingSnippet({kind: 'ping', host: '127.0.0.1'}, 1000)],
      {PATH: bin},
    )
    await rm(bin, {recursive: true})
    expect(parseHttp(lines[0]!, {kind: 'http', url: ''})).toMatchObject({kind: 'unavailable', reason: 'missing_tool', tool: 'curl'})
    expect(parsePing(lines[1]!)).toMatchObject({kind: 'unavailable', tool: 'ping'})
  })

  it('passes hostile values literally: a config value never runs a command', async () => {
    const hostile = `x'; touch /tmp/phoenix-pwned; echo '$(touch /tmp/phoenix-pwned2)`
    const {lines} = await runBatch([httpSnippet({kind: 'http', url: `${ok.url}/${hostile}`, hostHeader: hostile}, 1000)])
    expect(lines[0]!.join('\n')).toContain('@@rc')
    const {stdout} = await run('sh', ['-c', 'ls /tmp/phoenix-pwned /tmp/phoenix-pwned2 2>/dev/null || true'])
    expect(stdout).toBe('')
  })
})
