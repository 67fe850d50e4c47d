import {createHash} from 'node:crypto'
import {connect} from 'node:net'
import {hostname} from 'node:os'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {freePort, REPO, stopProcess, waitForPort} from '../helpers/processes.js'
import {call, launch, until, upgrade} from './emulator/client.js'
import type {Emulator} from './emulator/client.js'

// Every check here sends traffic to 127.0.0.1 only; facts are from /work/shared/reference/service-apis.md.

const KEY_ENV = 'EMULATOR_TEST_API_KEY'
const KEY = 'emu-test-key-7c41d'
const ENV = {...process.env, [KEY_ENV]: KEY}
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
const WS_ACCEPT = createHash('sha1').update(`${WS_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')

/** Every long-running emulator the tests use, started together so the file stays fast. */
const FLEET = {
  vllm: ['--profile', 'vllm', '--api-key-env', KEY_ENV],
  vllmEmbed: ['--profile', 'vllm', '--task', 'embed', '--dim', '8', '--model', 'e5-small'],
  vllmDead: ['--profile', 'vllm', '--fault', 'unhealthy'],
  vllmKvFull: ['--profile', 'vllm', '--fault', 'kv-full'],
  vllmLoading: ['--profile', 'vllm', '--fault', 'starting'],
  vllmLoads: ['--profile', 'vllm', '--fault', 'starting', '--startup-ms', '1000'],
  ollama: ['--profile', 'ollama', '--model', 'llama3.2:latest', '--model', 'nomic-embed-text'],
  ollamaEmpty: ['--profile', 'ollama'],
  // Bound to every address, where real Ollama accepts any Host; --host-guard checks it anyway.
  // Only 127.0.0.1 is ever connected to.
  ollamaOpen: ['--profile', 'ollama', '--host', '0.0.0.0'],
  ollamaGuarded: ['--profile', 'ollama', '--host', '0.0.0.0', '--host-guard'],
  qdrant: ['--profile', 'qdrant', '--api-key-env', KEY_ENV, '--collection', 'docs'],
  qdrantNotReady: ['--profile', 'qdrant', '--fault', 'not-ready'],
  n8n: ['--profile', 'n8n'],
  n8nDbDown: ['--profile', 'n8n', '--fault', 'db-down'],
  n8nStarting: ['--profile', 'n8n', '--fault', 'starting'],
  webui: ['--profile', 'openwebui'],
  webuiDead: ['--profile', 'openwebui', '--fault', 'unhealthy'],
  webuiNotReady: ['--profile', 'openwebui', '--fault', 'not-ready'],
  llamacpp: ['--profile', 'llamacpp', '--model', 'qwen-7b'],
  llamacppLoading: ['--profile', 'llamacpp', '--fault', 'starting'],
  llamacppDead: ['--profile', 'llamacpp', '--fault', 'unhealthy'],
  http: ['--profile', 'http'],
  httpDead: ['--profile', 'http', '--fault', 'unhealthy'],
  hang: ['--profile', 'http', '--fault', 'hang'],
  slow: ['--profile', 'http', '--fault', 'slow', '--slow-ms', '600'],
} satisfies Record<string, string[]>
type Name = keyof typeof FLEET

/** Emulators whose port stays closed on purpose. */
const NEVER_LISTENS = new Set<Name>(['vllmLoading'])

const running = new Map<string, Emulator>()
const emu = (name: Name): Emulator => running.get(name)!
const port = (name: Name): number => emu(name).port

async function start(name: string, args: readonly string[], listens = true): Promise<Emulator> {
  const p = await freePort()
  const e = launch(REPO, ['--host', '127.0.0.1', '--port', String(p), ...args], p, ENV)
  running.set(name, e)
  if (listens) await waitForPort('127.0.0.1', p, `emulator ${name}`)
  return e
}

function refused(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({host: '127.0.0.1', port: p}, () => (s.destroy(), resolve(false)))
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
  })
}

beforeAll(async () => {
  await Promise.all(Object.entries(FLEET).map(([name, args]) => start(name, args, !NEVER_LISTENS.has(name as Name))))
})

afterAll(async () => {
  await Promise.all([...running.values()].map((e) => stopProcess(e.child)))
})

describe('vllm profile', () => {
  const auth = {Authorization: `Bearer ${KEY}`}

  it.each([
    ['/health', 200, ''],
    ['/ping', 200, ''],
    ['/version', 200, '{"version":"0.11.0"}'],
    ['/load', 200, '{"server_load":0}'],
    ['/v1/models', 401, '{"error":"Unauthorized"}'],
    ['/v1/nothing', 401, '{"error":"Unauthorized"}'],
    ['/nothing', 404, '{"detail":"Not Found"}'],
  ])('GET %s without a key gives %i %s', async (path, status, body) => {
    const r = await call(port('vllm'), path)
    expect([r.status, r.text]).toEqual([status, body])
  })

  it.each([
    [`Bearer ${KEY}`, 200],
    [`bearer ${KEY}`, 200],
    ['Bearer wrong', 401],
    [KEY, 401],
  ])('Authorization %j on /v1/models gives %i', async (authorization, status) => {
    expect((await call(port('vllm'), '/v1/models', {headers: {Authorization: authorization}})).status).toBe(status)
  })

  it('lists the served model with the card of 3.2', async () => {
    const card = (await call(port('vllm'), '/v1/models', {headers: auth})).json()
    expect(card.object).toBe('list')
    expect(card.data).toHaveLength(1)
    expect(card.data[0]).toMatchObject({id: 'Qwen/Qwen2.5-7B-Instruct', object: 'model', owned_by: 'vllm', root: 'Qwen/Qwen2.5-7B-Instruct', parent: null, max_model_len: 32768})
    expect(card.data[0].permission[0].object).toBe('model_permission')
  })

  it('answers a one-token chat with the vLLM-specific fields', async () => {
    const body = {model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{role: 'user', content: 'ping'}], max_tokens: 1}
    const r = await call(port('vllm'), '/v1/chat/completions', {method: 'POST', headers: auth, body})
    const chat = r.json()
    expect(r.status).toBe(200)
    expect(chat).toMatchObject({object: 'chat.completion', model: 'Qwen/Qwen2.5-7B-Instruct', usage: {completion_tokens: 1}, kv_transfer_params: null})
    expect(chat.choices[0]).toMatchObject({index: 0, message: {role: 'assistant'}, finish_reason: 'length', stop_reason: null})
    const text = await call(port('vllm'), '/v1/completions', {method: 'POST', headers: auth, body: {prompt: 'hi', max_tokens: 2}})
    expect(text.json()).toMatchObject({object: 'text_completion', usage: {completion_tokens: 2}})
  })

  it('rejects an unknown model with the nested NotFoundError, and GET on a POST route with 405', async () => {
    const r = await call(port('vllm'), '/v1/chat/completions', {method: 'POST', headers: auth, body: {model: 'x', messages: []}})
    expect([r.status, r.json()]).toEqual([404, {error: {message: 'The model `x` does not exist.', type: 'NotFoundError', param: 'model', code: 404}}])
    const g = await call(port('vllm'), '/v1/chat/completions', {headers: auth})
    expect([g.status, g.text]).toEqual([405, '{"detail":"Method Not Allowed"}'])
  })

  it('an embed model embeds with --dim floats and has no chat route', async () => {
    const r = await call(port('vllmEmbed'), '/v1/embeddings', {method: 'POST', body: {model: 'e5-small', input: ['a', 'b']}})
    expect(r.json()).toMatchObject({object: 'list', model: 'e5-small', usage: {completion_tokens: 0}})
    expect(r.json().data.map((d: {embedding: number[]}) => d.embedding.length)).toEqual([8, 8])
    const chat = await call(port('vllmEmbed'), '/v1/chat/completions', {method: 'POST', body: {messages: [{role: 'user', content: 'hi'}]}})
    expect([chat.status, chat.text]).toEqual([404, '{"detail":"Not Found"}'])
    expect((await call(port('vllmEmbed'), '/v1/models')).json().data[0]).toMatchObject({id: 'e5-small', max_model_len: 8192})
  })

  it.each([
    ['vllm', '0.12', '0'],
    ['vllmKvFull', '0.97', '12.0'],
  ] as const)('%s /metrics shows kv_cache_usage_perc %s and %s waiting', async (name, kv, waiting) => {
    const r = await call(port(name), '/metrics')
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const labels = '{model_name="Qwen/Qwen2.5-7B-Instruct",engine="0"}'
    expect(r.text).toContain(`vllm:kv_cache_usage_perc${labels} ${kv}`)
    expect(r.text).toMatch(new RegExp(`vllm:num_requests_waiting\\{[^}]+\\} ${waiting}(\\.0)?\\n`))
  })

  it('a dead engine answers /health 503 with no body and fails generation with 500', async () => {
    const h = await call(port('vllmDead'), '/health')
    expect([h.status, h.text]).toEqual([503, ''])
    const chat = await call(port('vllmDead'), '/v1/chat/completions', {method: 'POST', body: {messages: [{role: 'user', content: 'hi'}]}})
    expect(chat.status).toBe(500)
  })

  it('refuses connections while loading, then serves once loaded', async () => {
    await until(() => emu('vllmLoading').stdout().includes('Starting to load model'), 'the loading log line')
    expect(await refused(port('vllmLoading'))).toBe(true)
    // A load that never ends logs its progress up to torch.compile, never the server's start.
    expect(emu('vllmLoading').stdout()).toContain('Loading safetensors checkpoint shards: 100% Completed | 4/4')
    expect(emu('vllmLoading').stdout().trimEnd().split('\n').at(-1)).toContain('Dynamo bytecode transform time')
    expect(emu('vllmLoading').stdout()).not.toContain('Starting vLLM server on')
    await until(() => emu('vllmLoads').stdout().includes('Application startup complete.'), 'the end of loading')
    expect((await call(port('vllmLoads'), '/health')).status).toBe(200)
  })

  it('logs the startup and access lines, never the API key', async () => {
    const e = emu('vllm')
    expect(e.stdout()).toContain(`Starting vLLM server on http://127.0.0.1:${e.port}`)
    expect(e.stdout()).toContain('Application startup complete.')
    expect(e.stdout()).toMatch(/"GET \/health HTTP\/1\.1" 200 OK/)
    expect(e.stdout() + e.stderr()).not.toContain(KEY)
  })
})

describe('ollama profile', () => {
  it.each([
    ['GET', '/', 200, 'Ollama is running', 'text/plain; charset=utf-8'],
    ['HEAD', '/', 200, '', 'text/plain; charset=utf-8'],
    ['GET', '/api/version', 200, '{"version":"0.33.0"}', 'application/json; charset=utf-8'],
    ['GET', '/nothing', 404, '404 page not found', 'text/plain; charset=utf-8'],
  ])('%s %s gives %i %j', async (method, path, status, body, type) => {
    const r = await call(port('ollama'), path, {method})
    expect([r.status, r.text, r.headers['content-type']]).toEqual([status, body, type])
  })

  it('lists the --model models with realistic fields', async () => {
    const {models} = (await call(port('ollama'), '/api/tags')).json()
    expect(models.map((m: {name: string}) => m.name)).toEqual(['llama3.2:latest', 'nomic-embed-text:latest'])
    expect(models[0]).toMatchObject({model: 'llama3.2:latest', details: {format: 'gguf', family: 'llama', parameter_size: '3.2B'}})
    expect(models[0].digest).toMatch(/^[0-9a-f]{64}$/)
    expect((await call(port('ollama'), '/v1/models')).json().data[0]).toMatchObject({id: 'llama3.2:latest', object: 'model', owned_by: 'library'})
  })

  it.each([
    ['/api/tags', '{"models":[]}'],
    ['/api/ps', '{"models":[]}'],
    ['/v1/models', '{"object":"list","data":null}'],
  ])('with no models %s is %s', async (path, body) => {
    expect((await call(port('ollamaEmpty'), path)).text).toBe(body)
  })

  it('generates, chats and embeds; unknown models are 404', async () => {
    const gen = await call(port('ollama'), '/api/generate', {method: 'POST', body: {model: 'llama3.2', prompt: 'hi', stream: false}})
    expect(gen.json()).toMatchObject({model: 'llama3.2', done: true, done_reason: 'stop'})
    const chat = await call(port('ollama'), '/api/chat', {method: 'POST', body: {model: 'foo', messages: [{role: 'user', content: 'x'}], stream: false}})
    expect([chat.status, chat.text]).toEqual([404, `{"error":"model 'foo' not found"}`])
    const gen404 = await call(port('ollama'), '/api/generate', {method: 'POST', body: {model: 'foo', prompt: 'x'}})
    expect(gen404.json()).toEqual({error: "model 'foo' not found"})
    const emb = await call(port('ollama'), '/api/embed', {method: 'POST', body: {model: 'nomic-embed-text', input: 'x'}})
    expect(emb.json().embeddings[0].length).toBeGreaterThan(0)
    expect((await call(port('ollama'), '/api/ps')).json().models[0].name).toBe('llama3.2:latest')
  })

  it.each([
    ['localhost:11434', 200],
    ['127.0.0.1:11434', 200],
    ['[::1]:11434', 200],
    ['10.0.0.155:11434', 200],
    ['ollama.internal', 200],
    ['box.local:11434', 200],
    ['app.localhost', 200],
    [hostname(), 200],
    ['example.com', 403],
    ['ollama.example.com:443', 403],
    ['8.8.8.8', 403],
  ])('bound to loopback, Host %s gets %i', async (host, status) => {
    const r = await call(port('ollama'), '/api/version', {headers: {Host: host}})
    expect(r.status).toBe(status)
    if (status === 403) expect(r.text).toBe('')
  })

  it.each([
    ['ollamaOpen', 'example.com', 200],
    ['ollamaGuarded', 'example.com', 403],
    ['ollamaGuarded', '198.18.0.153', 403],
    ['ollamaGuarded', 'localhost:11434', 200],
  ] as const)('on 0.0.0.0, %s answers Host %s with %i', async (name, host, status) => {
    expect((await call(port(name), '/api/tags', {headers: {Host: host}})).status).toBe(status)
  })

  it('logs the listening line', () => {
    expect(emu('ollama').stdout()).toContain(`Listening on 127.0.0.1:${port('ollama')} (version 0.33.0)`)
  })
})

describe('qdrant profile', () => {
  const MISSING = 'Must provide an API key or an Authorization bearer token'
  it.each([
    ['/healthz', 200, 'healthz check passed'],
    ['/livez', 200, 'healthz check passed'],
    ['/readyz', 200, 'all shards are ready'],
    ['/collections', 401, MISSING],
    ['/metrics', 401, MISSING],
    ['/telemetry', 401, MISSING],
  ])('GET %s without a key gives %i %j in plain text', async (path, status, body) => {
    const r = await call(port('qdrant'), path)
    expect([r.status, r.text, r.headers['content-type']]).toEqual([status, body, 'text/plain; charset=utf-8'])
  })

  it('GET / is open and names the version', async () => {
    expect((await call(port('qdrant'), '/')).json()).toMatchObject({title: 'qdrant - vector search engine', version: '1.19.0'})
  })

  it.each([
    [{'api-key': KEY}, 200],
    [{Authorization: `Bearer ${KEY}`}, 200],
    [{'api-key': 'wrong'}, 401],
  ])('credential %j on /collections gives %i', async (headers, status) => {
    const r = await call(port('qdrant'), '/collections', {headers})
    expect(r.status).toBe(status)
    if (status === 401) expect(r.text).toBe('Invalid API key or JWT')
    else expect(r.json()).toMatchObject({result: {collections: [{name: 'docs'}]}, status: 'ok', time: expect.any(Number)})
  })

  it('collections: info, the 404 envelope, and metrics with the key', async () => {
    const headers = {'api-key': KEY}
    expect((await call(port('qdrant'), '/collections/docs', {headers})).json().result.status).toBe('green')
    const missing = await call(port('qdrant'), '/collections/nope', {headers})
    expect([missing.status, missing.json().status]).toEqual([404, {error: 'Not found: Collection `nope` doesn\'t exist!'}])
    const metrics = await call(port('qdrant'), '/metrics', {headers})
    expect(metrics.text).toContain('app_info{name="qdrant",version="1.19.0"} 1\n')
    expect(metrics.text).toContain('collections_total 1\n')
  })

  it('not-ready: /readyz 503 "some shards are not ready" while /healthz stays 200', async () => {
    const r = await call(port('qdrantNotReady'), '/readyz')
    expect([r.status, r.text, r.headers['content-length']]).toEqual([503, 'some shards are not ready', '25'])
    expect((await call(port('qdrantNotReady'), '/healthz')).status).toBe(200)
    expect((await call(port('qdrantNotReady'), '/collections')).text).toMatch(/^\{"result":\{"collections":\[\]\},"status":"ok","time":/)
    expect(emu('qdrant').stdout()).toContain(`Qdrant HTTP listening on ${port('qdrant')}`)
  })
})

describe('n8n profile', () => {
  const ORIGIN_MISMATCH = 'Origin header does NOT match the expected origin.'
  it.each([
    ['n8n', '/healthz', 200, '{"status":"ok"}'],
    ['n8n', '/healthz/readiness', 200, '{"status":"ok"}'],
    ['n8n', '/rest/push', 401, '{"status":"error","message":"Unauthorized"}'],
    ['n8nDbDown', '/healthz', 200, '{"status":"ok"}'],
    ['n8nDbDown', '/healthz/readiness', 503, '{"status":"error"}'],
    ['n8nDbDown', '/', 503, '{"code":503,"message":"Database is not ready!"}'],
    ['n8nDbDown', '/rest/settings', 503, '{"code":503,"message":"Database is not ready!"}'],
    ['n8nStarting', '/healthz', 200, '{"status":"ok"}'],
    ['n8nStarting', '/healthz/readiness', 503, '{"status":"error"}'],
    ['n8nStarting', '/', 200, 'n8n is starting up. Please wait'],
  ] as const)('%s GET %s gives %i %s', async (name, path, status, body) => {
    const r = await call(port(name), path)
    expect([r.status, r.text]).toEqual([status, body])
  })

  // What the real n8n 2.8.4 answered (test/lab/README.md, the real n8n): the editor only to a GET
  // that accepts HTML, express's case-insensitive routes, the public API's key check.
  it.each([
    ['/signin', {}, 404, 'Cannot GET /signin'],
    ['/signin', {Accept: 'application/json'}, 404, 'Cannot GET /signin'],
    ['/signin', {Accept: '*/*'}, 200, '<title>n8n.io - Workflow Automation</title>'],
    ['/HEALTHZ/', {}, 200, '{"status":"ok"}'],
    ['/healthz/readiness/', {}, 200, '{"status":"ok"}'],
    ['/api/v1/workflows', {Accept: '*/*'}, 401, `{"message":"'X-N8N-API-KEY' header required"}`],
    ['/api/v1/workflows', {'X-N8N-API-KEY': 'wrong'}, 401, '{"message":"unauthorized"}'],
  ] as const)('GET %s with %j gives %i, as the real n8n', async (path, headers, status, body) => {
    const r = await call(port('n8n'), path, {headers})
    expect(r.status).toBe(status)
    expect(r.text).toContain(body)
  })

  it('leaves an upgrade on another path than /rest/push unanswered and open, as the real n8n', async () => {
    const s = connect({host: '127.0.0.1', port: port('n8n')})
    let got = ''
    let closed = false
    s.on('data', (d: Buffer) => (got += d.toString()))
    s.on('close', () => (closed = true))
    s.write(`GET /n8n/rest/push HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n\r\n`)
    await new Promise((r) => setTimeout(r, 800))
    s.destroy()
    expect({got, closed}).toEqual({got: '', closed: false})
  })

  it('serves the editor on UI paths, public settings, and no /metrics', async () => {
    for (const path of ['/', '/workflow/42']) {
      const r = await call(port('n8n'), path, {headers: {Accept: 'text/html,application/xhtml+xml'}})
      expect([r.status, r.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8'])
      expect(r.text).toContain('<title>n8n.io - Workflow Automation</title>')
      expect(r.text).toContain("We're sorry but the n8n Editor-UI doesn't work properly without JavaScript enabled.")
    }
    expect((await call(port('n8n'), '/rest/settings')).json().data.settingsMode).toBe('public')
    expect((await call(port('n8n'), '/metrics')).status).toBe(404)
  })

  /** n8n 2.8 as its docker image runs it (NODE_ENV=production): the Origin is checked, after the session. */
  let production: Emulator
  beforeAll(async () => {
    const p = await freePort()
    production = launch(REPO, ['--host', '127.0.0.1', '--port', String(p), '--profile', 'n8n'], p, {...ENV, NODE_ENV: 'production'})
    await waitForPort('127.0.0.1', p, 'emulator n8n (production)')
  })
  afterAll(async () => stopProcess(production?.child))
  const SESSION = {Cookie: 'n8n-auth=lab-session'}

  it.each([
    ['production', 'a same-origin editor', 'open', (p: number) => ({...SESSION, Origin: `http://127.0.0.1:${p}`})],
    ['production', 'a proxy passing X-Forwarded-Host/Proto', 'open', () => ({...SESSION, Origin: 'https://n8n.example.com', 'X-Forwarded-Host': 'n8n.example.com', 'X-Forwarded-Proto': 'https'})],
    ['production', 'a proxy that rewrote Host', 'Invalid origin!', () => ({...SESSION, Origin: 'https://n8n.example.com'})],
    ['production', 'a proxy that rewrote Host, without a session', 'no code', () => ({Origin: 'https://n8n.example.com'})],
    ['development', 'a proxy that rewrote Host', 'open', () => ({...SESSION, Origin: 'https://n8n.example.com'})],
  ] as const)('/rest/push (%s) from %s: 101, then %s', async (mode, _what, then, headers) => {
    const target = mode === 'production' ? production.port : port('n8n')
    const r = await upgrade(target, '/rest/push?pushRef=abc', {'Sec-WebSocket-Key': WS_KEY, ...headers(target)}, Infinity, 800)
    expect([r.status, r.headers['sec-websocket-accept']]).toEqual([101, WS_ACCEPT])
    const close = r.frames.find((f) => f.opcode === 0x8)
    if (then === 'open') return expect(r.frames).toEqual([]) // the editor's push stays open
    if (then === 'no code') return expect(close!.payload.length).toBe(0) // ws.close(): the auth middleware's 401
    // A text frame first, then close 1008 with no reason: a client reading only one frame sees no close.
    expect(r.frames.map((f) => f.opcode)).toEqual([0x1, 0x8])
    expect(r.frames[0]!.payload.toString()).toBe('Invalid origin!')
    expect(close!.payload.readUInt16BE(0)).toBe(1008)
    await until(() => production.stdout().includes(ORIGIN_MISMATCH), 'the origin warning')
  })

  it('logs that it is ready', async () => {
    await until(() => emu('n8n').stdout().includes(`n8n ready on 127.0.0.1, port ${port('n8n')}`), 'the ready line')
  })
})

describe('openwebui profile', () => {
  it.each([
    ['webui', '/health', 200, '{"status":true}'],
    ['webui', '/ready', 200, '{"status":true}'],
    ['webui', '/health/db', 200, '{"status":true}'],
    ['webuiDead', '/health', 500, 'Internal Server Error'],
    ['webuiNotReady', '/health', 200, '{"status":true}'],
    ['webuiNotReady', '/ready', 503, '{"detail":"Database not ready"}'],
  ] as const)('%s GET %s gives %i %s', async (name, path, status, body) => {
    const r = await call(port(name), path)
    expect([r.status, r.text]).toEqual([status, body])
  })

  it('reports its version and upgrades Socket.IO to a WebSocket', async () => {
    expect((await call(port('webui'), '/api/version')).json().version).toMatch(/^\d+\.\d+\.\d+$/)
    const r = await upgrade(port('webui'), '/ws/socket.io/?EIO=4&transport=websocket', {'Sec-WebSocket-Key': WS_KEY}, 1)
    expect([r.status, r.headers['sec-websocket-accept']]).toEqual([101, WS_ACCEPT])
    expect(r.frames[0]?.payload.toString()).toMatch(/^0\{"sid":/)
  })
})

describe('llamacpp profile', () => {
  const LOADING = '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}'
  it.each([
    ['llamacpp', 'GET', '/health', 200, '{"status":"ok"}'],
    ['llamacpp', 'GET', '/v1/health', 200, '{"status":"ok"}'],
    ['llamacpp', 'GET', '/nothing', 404, '{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}'],
    ['llamacppLoading', 'GET', '/health', 503, LOADING],
    ['llamacppLoading', 'POST', '/completion', 503, LOADING],
  ] as const)('%s %s %s gives %i %s', async (name, method, path, status, body) => {
    const r = await call(port(name), path, {method, body: method === 'POST' ? {prompt: 'x'} : undefined})
    expect([r.status, r.text]).toEqual([status, body])
  })

  it('lists its alias (also while loading) and completes', async () => {
    expect((await call(port('llamacpp'), '/v1/models')).json().data[0]).toMatchObject({id: 'qwen-7b', owned_by: 'llamacpp'})
    for (const path of ['/v1/models', '/models']) expect((await call(port('llamacppLoading'), path)).status).toBe(200)
    expect((await call(port('llamacppLoading'), '/')).status).toBe(503)
    const r = await call(port('llamacpp'), '/completion', {method: 'POST', body: {prompt: 'hi', n_predict: 1}})
    expect(r.json()).toMatchObject({model: 'qwen-7b', tokens_predicted: 1, stop: true})
  })

  it('unhealthy: /health 500 with a JSON error', async () => {
    const r = await call(port('llamacppDead'), '/health')
    expect([r.status, r.json().error.code, r.json().error.type]).toEqual([500, 500, 'server_error'])
  })
})

describe('http profile and the faults every profile shares', () => {
  it.each([
    ['http', '/healthz', 200, '{"status":"ok"}'],
    ['http', '/other', 404, '404 page not found\n'],
    ['httpDead', '/healthz', 503, '{"status":"error"}'],
  ] as const)('%s GET %s gives %i', async (name, path, status, body) => {
    const r = await call(port(name), path)
    expect([r.status, r.text]).toEqual([status, body])
  })

  it('hang: accepts the connection but never answers', async () => {
    expect(await refused(port('hang'))).toBe(false)
    await expect(call(port('hang'), '/healthz', {timeoutMs: 700})).rejects.toThrow(/no answer/)
  })

  it('slow: answers, but only after --slow-ms', async () => {
    const t = Date.now()
    expect((await call(port('slow'), '/healthz')).status).toBe(200)
    expect(Date.now() - t).toBeGreaterThanOrEqual(550)
  })

  it.each([
    ['vllm', 'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}'],
    ['ollama', 'bind: address already in use'],
    ['qdrant', 'Panic occurred in file'],
    ['n8n', "is already in use. Do you have another instance of n8n running already?"],
    ['openwebui', 'Application startup failed. Exiting.'],
    ['llamacpp', 'main: exiting due to model loading error'],
    ['http', 'address already in use'],
  ])('crash: %s writes its fatal lines to stderr and exits 1 without listening', async (profile, line) => {
    const e = await start(`crash-${profile}`, ['--profile', profile, '--fault', 'crash'], false)
    expect(await e.exited).toBe(1)
    expect(e.stderr()).toContain(line)
    if (profile === 'vllm') expect(e.stderr()).toContain('ValueError: Free memory on device')
    expect(await refused(e.port)).toBe(true)
  })

  it.each([
    [['--port', '1', '--profile', 'qdrant', '--fault', 'kv-full'], 'not supported by --profile qdrant'],
    [['--port', '1', '--profile', 'nginx'], '--profile must be one of'],
    [['--port', '1', '--profile', 'vllm', '--api-key-env', 'EMULATOR_TEST_UNSET_VAR'], 'unset or empty'],
    [['--port', '1', '--profile', 'ollama', '--api-key-env', KEY_ENV], 'not supported by --profile ollama'],
    [['--port', '1', '--profile', 'qdrant', '--host-guard'], '--host-guard is not supported by --profile qdrant'],
    [['--profile', 'http'], '--port is required'],
  ])('usage error %j exits 2', async (args, message) => {
    const e = launch(REPO, args, 0, ENV)
    running.set(`usage ${args.join(' ')}`, e)
    expect(await e.exited).toBe(2)
    expect(e.stderr()).toContain(message)
  })

  it('SIGTERM closes open keep-alive and WebSocket connections and exits 0', async () => {
    const e = await start('sigterm', ['--profile', 'openwebui'])
    const idle = connect({host: '127.0.0.1', port: e.port})
    const idleClosed = new Promise((resolve) => idle.once('close', resolve))
    idle.on('error', () => {}).resume() // read the answer, so the server's FIN surfaces as 'close'
    idle.write('GET /health HTTP/1.1\r\nHost: webui\r\n\r\n') // HTTP/1.1 stays open after the answer
    const ws = upgrade(e.port, '/ws/socket.io/?EIO=4&transport=websocket', {'Sec-WebSocket-Key': WS_KEY}, Infinity, 30_000)
    await until(() => e.stdout().includes('GET /health') && e.stdout().includes(' 101'), 'both connections')
    await stopProcess(e.child)
    expect(await e.exited).toBe(0)
    expect((await ws).status).toBe(101)
    await idleClosed
  })
})
