import type {ServerResponse} from 'node:http'

import type {Options} from '../args.js'
import {checkHost, guardActive} from '../host-guard.js'
import {lookup, num, readJson, send, sendEmpty, sendJson, sendText, str} from '../http.js'
import type {Ctx, Routes} from '../http.js'
import {clock} from '../service.js'
import type {Profile, Service} from '../service.js'
import {countTokens, embedding, generate, inputs, sha256} from '../text.js'

const VERSION = '0.33.0'
const JSON_TYPE = 'application/json; charset=utf-8' // gin's c.JSON

/** A pulled model as /api/tags describes it, derived from its name so any --model looks plausible. */
interface Model {
  name: string
  embedOnly: boolean
  dim: number
  entry: Record<string, unknown>
}

const SIZES: Record<string, [string, number]> = {
  'llama3.2': ['3.2B', 2019393189], 'llama3.1': ['8.0B', 4920753328], mistral: ['7.2B', 4113301824],
  'qwen2.5': ['7.6B', 4683087332], 'nomic-embed-text': ['137M', 274302450], 'all-minilm': ['23M', 45960996],
}

function describe(given: string, modified: string): Model {
  const name = given.includes(':') ? given : `${given}:latest` // ParseName fills the tag
  const base = name.slice(0, name.lastIndexOf(':')).split('/').pop() ?? name
  const embedOnly = /embed|minilm|bge/.test(base)
  const [parameterSize, size] = SIZES[base] ?? ['7B', 4_400_000_000]
  const family = embedOnly ? (base.startsWith('nomic') ? 'nomic-bert' : 'bert') : base.startsWith('qwen') ? 'qwen2' : 'llama'
  const details = {parent_model: '', format: 'gguf', family, families: [family], parameter_size: parameterSize, quantization_level: embedOnly ? 'F16' : 'Q4_K_M'}
  const entry = {name, model: name, modified_at: modified, size, digest: sha256(name), details}
  return {name, embedOnly, dim: base === 'all-minilm' ? 384 : embedOnly ? 768 : 3072, entry}
}

/** Matches a request's model name the way ParseName does: a missing tag means `latest`. */
function find(models: Model[], requested: string): Model | undefined {
  const name = requested.includes(':') ? requested : `${requested}:latest`
  return models.find((m) => m.name === name)
}

function timings(promptTokens: number, evalTokens: number) {
  return {total_duration: 5043500667, load_duration: 5025959, prompt_eval_count: promptTokens, prompt_eval_duration: 325953000, eval_count: evalTokens, eval_duration: 4709213000}
}

interface State {
  models: Model[]
  /** Loaded models for /api/ps: a generate or chat loads one for the default keep-alive of 5 minutes. */
  loaded: Map<string, Date>
}

/** The shared front of /api/generate and /api/chat: body, model lookup, capability; sends errors itself. */
async function start(s: State, ctx: Ctx, capability: 'generate' | 'chat'): Promise<{body: Record<string, unknown>; model: Model} | undefined> {
  const body = await readJson(ctx.req)
  if (body.kind === 'empty') sendJson(ctx.res, 400, {error: 'missing request body'}, JSON_TYPE)
  else if (body.kind === 'invalid') sendJson(ctx.res, 400, {error: 'invalid character in request body'}, JSON_TYPE)
  else {
    const requested = str(body.value.model) ?? ''
    const model = find(s.models, requested)
    if (!model) sendJson(ctx.res, 404, {error: `model '${requested}' not found`}, JSON_TYPE)
    else if (model.embedOnly) sendJson(ctx.res, 400, {error: `"${requested}" does not support ${capability}`}, JSON_TYPE)
    else {
      s.loaded.set(model.name, new Date(Date.now() + 5 * 60_000))
      return {body: body.value, model}
    }
  }
  return undefined
}

/** Streams NDJSON by default (`stream` defaults to true); `stream:false` gives one object. */
function reply(res: ServerResponse, stream: boolean, chunks: object[], final: object): void {
  if (!stream) return sendJson(res, 200, final, JSON_TYPE)
  send(res, 200, [...chunks, final].map((c) => `${JSON.stringify(c)}\n`).join(''), 'application/x-ndjson')
}

async function generateRoute(s: State, ctx: Ctx, chat: boolean): Promise<void> {
  const req = await start(s, ctx, chat ? 'chat' : 'generate')
  if (!req) return
  const {body, model} = req
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{content?: unknown}>) : []
  const prompt = chat ? messages.map((m) => str(m?.content) ?? '').join(' ') : (str(body.prompt) ?? '')
  const head = {model: str(body.model), created_at: new Date().toISOString()}
  if (prompt === '') return reply(ctx.res, false, [], {...head, ...(chat ? {message: {role: 'assistant', content: ''}} : {response: ''}), done: true, done_reason: 'load'})
  const options = (body.options ?? {}) as Record<string, unknown>
  const gen = generate(num(options.num_predict))
  const words = gen.text.split(' ').map((w, i) => (i ? ` ${w}` : w))
  const piece = (text: string) => (chat ? {message: {role: 'assistant', content: text}} : {response: text})
  const chunks = words.map((w) => ({...head, ...piece(w), done: false}))
  const stats = {done: true, done_reason: gen.finish === 'length' ? 'length' : 'stop', ...(chat ? {} : {context: [1, 2, 3]}), ...timings(countTokens(prompt, 10), gen.tokens)}
  reply(ctx.res, body.stream !== false, chunks, {...head, ...piece(body.stream === false ? gen.text : ''), ...stats})
}

async function embed(s: State, ctx: Ctx, legacy: boolean): Promise<void> {
  const body = await readJson(ctx.req)
  if (body.kind !== 'ok') return sendJson(ctx.res, 400, {error: 'missing request body'}, JSON_TYPE)
  const requested = str(body.value.model) ?? ''
  const model = find(s.models, requested)
  if (!model) return sendJson(ctx.res, 404, {error: `model "${requested}" not found, try pulling it first`}, JSON_TYPE)
  const texts = (inputs(legacy ? body.value.prompt : body.value.input) ?? []).filter((t) => t !== '')
  if (legacy) return sendJson(ctx.res, 200, {embedding: embedding(texts[0] ?? '', model.dim)}, JSON_TYPE)
  if (texts.length === 0) return sendJson(ctx.res, 200, {model: requested, embeddings: []}, JSON_TYPE)
  const embeddings = texts.map((t) => embedding(t, model.dim))
  sendJson(ctx.res, 200, {model: requested, embeddings, total_duration: 14143917, load_duration: 1019500, prompt_eval_count: texts.reduce((n, t) => n + countTokens(t, 2), 0)}, JSON_TYPE)
}

/** The OpenAI layer's chat: its own error envelope (1.5), `fp_ollama`, non-streaming only here. */
async function openaiChat(s: State, ctx: Ctx): Promise<void> {
  const body = await readJson(ctx.req)
  const oaiError = (status: number, message: string, type: string) => sendJson(ctx.res, status, {error: {message, type, param: null, code: null}}, JSON_TYPE)
  if (body.kind !== 'ok') return oaiError(400, 'missing request body', 'invalid_request_error')
  const requested = str(body.value.model) ?? ''
  if (!find(s.models, requested)) return oaiError(404, `model '${requested}' not found`, 'not_found_error')
  const gen = generate(num(body.value.max_tokens))
  const prompt = countTokens(JSON.stringify(body.value.messages ?? ''), 10)
  sendJson(ctx.res, 200, {
    id: `chatcmpl-${Math.floor(Math.random() * 1000)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: requested, system_fingerprint: 'fp_ollama',
    choices: [{index: 0, message: {role: 'assistant', content: gen.text}, finish_reason: gen.finish}],
    usage: {prompt_tokens: prompt, completion_tokens: gen.tokens, total_tokens: prompt + gen.tokens},
  }, JSON_TYPE)
}

function ps(s: State, ctx: Ctx): void {
  const now = Date.now()
  const live = s.models.filter((m) => (s.loaded.get(m.name)?.getTime() ?? 0) > now)
  live.sort((a, b) => s.loaded.get(b.name)!.getTime() - s.loaded.get(a.name)!.getTime())
  const models = live.map((m) => {
    const {modified_at: _, ...entry} = m.entry
    return {...entry, expires_at: s.loaded.get(m.name)!.toISOString(), size_vram: entry.size, context_length: 4096}
  })
  sendJson(ctx.res, 200, {models}, JSON_TYPE)
}

function routes(s: State): Routes {
  const running = (ctx: Ctx) => sendText(ctx.res, 200, 'Ollama is running')
  const version = (ctx: Ctx) => sendJson(ctx.res, 200, {version: VERSION}, JSON_TYPE)
  const tags = (ctx: Ctx) => sendJson(ctx.res, 200, {models: s.models.map((m) => m.entry)}, JSON_TYPE)
  const owner = (name: string) => (name.includes('/') ? (name.split('/').slice(-2, -1)[0] ?? 'library') : 'library')
  const created = Math.floor(Date.now() / 1000) - 86_400
  // OpenAI's list: `data` is null, not [], when nothing is pulled (1.5, middleware test).
  const data = () => (s.models.length ? s.models.map((m) => ({id: m.name, object: 'model', created, owned_by: owner(m.name)})) : null)
  return {
    '/': {GET: running, HEAD: running},
    '/api/version': {GET: version, HEAD: version},
    '/api/tags': {GET: tags, HEAD: tags},
    '/api/ps': {GET: (ctx) => ps(s, ctx)},
    '/api/generate': {POST: (ctx) => generateRoute(s, ctx, false)},
    '/api/chat': {POST: (ctx) => generateRoute(s, ctx, true)},
    '/api/embed': {POST: (ctx) => embed(s, ctx, false)},
    '/api/embeddings': {POST: (ctx) => embed(s, ctx, true)},
    '/v1/models': {GET: (ctx) => sendJson(ctx.res, 200, {object: 'list', data: data()}, JSON_TYPE)},
    '/v1/chat/completions': {POST: (ctx) => openaiChat(s, ctx)},
  }
}

/** slog's text handler: `time=… level=INFO source=routes.go:1298 msg="…"`. */
const slog = (source: string, msg: string, attrs = '') => `time=${clock().iso} level=INFO source=${source} msg="${msg}"${attrs ? ` ${attrs}` : ''}`

/** gin's logger timestamp, `2025/05/04 - 17:37:44`. */
function ginTime(): string {
  const iso = clock().iso
  return `${iso.slice(0, 10).replaceAll('-', '/')} - ${iso.slice(11, 19)}`
}

function create(opts: Options): Service {
  const modified = new Date(Date.now() - 3 * 86_400_000).toISOString()
  const s: State = {models: opts.models.map((m) => describe(m, modified)), loaded: new Map()}
  const table = routes(s)
  const guarded = guardActive(opts.host, opts.hostGuard)
  const handle = async (ctx: Ctx) => {
    const verdict = guarded ? checkHost(ctx.req.headers.host, ctx.method) : 'next'
    if (verdict === 'forbidden') return sendEmpty(ctx.res, 403)
    if (verdict === 'options') return sendEmpty(ctx.res, 204)
    const h = lookup(table, ctx.method, ctx.path)
    if (h === 'no-route') return sendText(ctx.res, 404, '404 page not found')
    if (h === 'no-method') return sendText(ctx.res, 405, '405 method not allowed')
    await h(ctx)
  }
  return {
    handle,
    boot: [slog('routes.go:1244', 'server config', `env="map[OLLAMA_HOST:http://${opts.host}:${opts.port} OLLAMA_KEEP_ALIVE:5m0s]"`), slog('images.go:477', `total blobs: ${s.models.length * 5}`)],
    ready: [slog('routes.go:1298', `Listening on ${opts.host}:${opts.port} (version ${VERSION})`), slog('types.go:130', 'inference compute', 'id=cpu library=cpu total="15.6 GiB" available="12.1 GiB"')],
    crash: [`Error: listen tcp ${opts.host}:${opts.port}: bind: address already in use`],
    access: (req, status) => `[GIN] ${ginTime()} | ${status} |      1.2345ms | ${(req.socket.remoteAddress ?? '').padStart(15)} | ${(req.method ?? '').padEnd(7)} "${req.url}"`,
  }
}

export const ollama: Profile = {faults: [], create}
