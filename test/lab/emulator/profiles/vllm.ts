import {STATUS_CODES} from 'node:http'
import type {ServerResponse} from 'node:http'

import type {Options} from '../args.js'
import {bearer, lookup, num, readJson, send, sendEmpty, sendJson, str} from '../http.js'
import type {Ctx, Routes} from '../http.js'
import {Exposition} from '../prometheus.js'
import {clock, peer} from '../service.js'
import type {Profile, Service} from '../service.js'
import {countTokens, embedding, generate, hexId, inputs, unixNow} from '../text.js'

/** A release with the nested error envelope (≥ 0.10.1) and only the V1 kv_cache_usage_perc metric. */
const VERSION = '0.11.0'

/** vLLM's logger prefix: `(APIServer pid=N) INFO 08-21 10:00:00 [file.py:line] message`. */
function logLine(proc: 'APIServer' | 'EngineCore_DP0', level: string, where: string, msg: string): string {
  const {date, time} = clock()
  return `(${proc} pid=${process.pid}) ${level} ${date} ${time} [${where}] ${msg}`
}

/** `{"error":{…}}`, the ErrorResponse of vLLM ≥ 0.10.1 (service-apis.md 3.3). */
function apiError(res: ServerResponse, code: number, type: string, message: string, param: string | null = null): void {
  sendJson(res, code, {error: {message, type, param, code}})
}

interface State {
  opts: Options
  names: string[]
  created: number
  /** The engine died (--fault unhealthy): /health says 503 and anything that needs it gets 500. */
  dead: boolean
}

/** check_model: an empty name means the first served name; an unknown one is 404 NotFoundError. */
function resolveModel(s: State, res: ServerResponse, model: unknown): string | undefined {
  const name = str(model) ?? ''
  if (name === '') return s.names[0]
  if (s.names.includes(name)) return name
  apiError(res, 404, 'NotFoundError', `The model \`${name}\` does not exist.`, 'model')
  return undefined
}

/** Reads and checks the body the way the pydantic model plus check_model would; sends the error itself. */
async function request(s: State, ctx: Ctx, field: string): Promise<{body: Record<string, unknown>; model: string} | undefined> {
  const body = await readJson(ctx.req)
  const missing = (loc: string) => `[{'type': 'missing', 'loc': (${loc}), 'msg': 'Field required', 'input': None}]`
  if (body.kind === 'invalid') apiError(ctx.res, 400, 'BadRequestError', 'JSON decode error')
  else if (body.kind === 'empty') apiError(ctx.res, 400, 'BadRequestError', missing("'body',"))
  else if (body.value[field] === undefined) apiError(ctx.res, 400, 'BadRequestError', missing(`'body', '${field}'`))
  else {
    const model = resolveModel(s, ctx.res, body.value.model)
    if (model === undefined) return undefined
    // EngineDeadError is answered by a bare 500 (api_server's exception handler), before any generation.
    if (!s.dead) return {body: body.value, model}
    sendEmpty(ctx.res, 500)
  }
  return undefined
}

function usage(prompt: number, completion: number) {
  return {prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion, prompt_tokens_details: null}
}

async function chat(s: State, ctx: Ctx): Promise<void> {
  const req = await request(s, ctx, 'messages')
  if (!req) return
  const messages = Array.isArray(req.body.messages) ? req.body.messages : []
  const prompt = countTokens(messages.map((m) => str((m as {content?: unknown})?.content) ?? '').join(' '), 10)
  const gen = generate(num(req.body.max_completion_tokens) ?? num(req.body.max_tokens))
  const message = {role: 'assistant', content: gen.text, refusal: null, annotations: null, audio: null, function_call: null, reasoning_content: null}
  sendJson(ctx.res, 200, {
    id: `chatcmpl-${hexId()}`, object: 'chat.completion', created: unixNow(), model: req.model,
    choices: [{index: 0, message, logprobs: null, finish_reason: gen.finish, stop_reason: null, token_ids: null}],
    service_tier: null, system_fingerprint: null, usage: usage(prompt, gen.tokens),
    prompt_logprobs: null, prompt_token_ids: null, kv_transfer_params: null,
  })
}

async function completion(s: State, ctx: Ctx): Promise<void> {
  const req = await request(s, ctx, 'prompt')
  if (!req) return
  const gen = generate(num(req.body.max_tokens) ?? 16) // the completions API defaults max_tokens to 16
  sendJson(ctx.res, 200, {
    id: `cmpl-${hexId()}`, object: 'text_completion', created: unixNow(), model: req.model,
    choices: [{index: 0, text: gen.text, logprobs: null, finish_reason: gen.finish, stop_reason: null, token_ids: null, prompt_logprobs: null, prompt_token_ids: null}],
    service_tier: null, system_fingerprint: null, usage: usage(countTokens(inputs(req.body.prompt)?.join(' ') ?? ''), gen.tokens), kv_transfer_params: null,
  })
}

async function embeddings(s: State, ctx: Ctx): Promise<void> {
  const req = await request(s, ctx, 'input')
  if (!req) return
  const texts = inputs(req.body.input)
  if (!texts) return apiError(ctx.res, 400, 'BadRequestError', 'input must be a string or a list of strings')
  const data = texts.map((t, index) => ({index, object: 'embedding', embedding: embedding(t, s.opts.dim)}))
  const tokens = texts.reduce((n, t) => n + countTokens(t, 2), 0)
  sendJson(ctx.res, 200, {id: `embd-${hexId()}`, object: 'list', created: unixNow(), model: req.model, data, usage: usage(tokens, 0)})
}

/** The card of 3.2: one per served name, `root` the model path, the permission list of the OpenAI era. */
function models(s: State, ctx: Ctx): void {
  const maxLen = s.opts.task === 'embed' ? 8192 : 32768
  const data = s.names.map((id) => ({
    id, object: 'model', created: s.created, owned_by: 'vllm', root: s.names[0], parent: null, max_model_len: maxLen,
    permission: [{id: `modelperm-${hexId()}`, object: 'model_permission', created: s.created, allow_create_engine: false, allow_sampling: true, allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false, organization: '*', group: null, is_blocking: false}],
  }))
  sendJson(ctx.res, 200, {object: 'list', data})
}

/** V1 engine metrics (3.5), labelled model_name and engine; kv-full shows a saturated KV cache and a queue. */
function metrics(s: State, ctx: Ctx): void {
  const full = s.opts.fault === 'kv-full'
  const l = [['model_name', s.names[0] ?? ''], ['engine', '0']] as const
  const text = new Exposition('python')
    .gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', [[l, full ? 48 : 0]])
    .gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', [[l, full ? 12 : 0]])
    .gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', [[l, full ? 0.97 : 0.12]])
    .counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.', [[l, 5120]])
    .counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', [[l, 2048]])
    .counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', [[l, full ? 37 : 0]])
    .counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', [[l, 5120]])
    .counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', [[l, 9830]])
    .counter('vllm:request_success_total', 'Count of successfully processed requests.', [[[...l, ['finished_reason', 'stop']], 40], [[...l, ['finished_reason', 'length']], 2], [[...l, ['finished_reason', 'abort']], 0]])
    .histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', l, [0.02, 0.04, 0.1, 0.25, 0.5, 1, 2.5, 5], 42, full ? 130 : 3.4)
    .histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', l, [0.3, 0.5, 1, 2.5, 5, 10, 20, 40], 42, full ? 900 : 96)
    .text()
  send(ctx.res, 200, text, 'text/plain; version=0.0.4; charset=utf-8')
}

function routes(s: State): Routes {
  const health = (ctx: Ctx) => sendEmpty(ctx.res, s.dead ? 503 : 200)
  const table: Routes = {
    '/health': {GET: health},
    '/ping': {GET: health, POST: health},
    '/version': {GET: (ctx) => sendJson(ctx.res, 200, {version: VERSION})},
    '/load': {GET: (ctx) => sendJson(ctx.res, 200, {server_load: 0})},
    '/metrics': {GET: (ctx) => metrics(s, ctx), HEAD: (ctx) => metrics(s, ctx)},
    '/v1/models': {GET: (ctx) => models(s, ctx)},
  }
  // build_app registers the generate routers only for a generate task, the pooling ones only for embed.
  if (s.opts.task === 'chat') {
    table['/v1/chat/completions'] = {POST: (ctx) => chat(s, ctx)}
    table['/v1/completions'] = {POST: (ctx) => completion(s, ctx)}
  } else {
    table['/v1/embeddings'] = {POST: (ctx) => embeddings(s, ctx)}
  }
  return table
}

/**
 * What vLLM logs while it starts: `boot` at once, then `loading` (weights, torch.compile, KV cache,
 * CUDA graphs: minutes on a real GPU), then `ready` once uvicorn listens. A load that never ends
 * (--fault starting, --startup-ms 0) stops after Dynamo's line, as if stuck compiling the graph.
 */
function startLines(s: State): {boot: string[]; loading: string[]; stuck: string[]; ready: string[]} {
  const {host, port} = s.opts
  const model = s.names[0] ?? ''
  const engine = (where: string, msg: string) => logLine('EngineCore_DP0', 'INFO', where, msg)
  const shards = [0, 1, 2, 3, 4].map((n) => engine('weight_utils.py:392', `Loading safetensors checkpoint shards: ${String(n * 25).padStart(3)}% Completed | ${n}/4 [00:0${n}<00:0${4 - n}, 1.02s/it]`))
  const loading = [
    engine('gpu_model_runner.py:2634', 'Loading model from scratch...'),
    engine('cuda.py:366', 'Using Flash Attention backend on V1 engine.'),
    ...shards,
    engine('default_loader.py:267', 'Loading weights took 4.12 seconds'),
    engine('gpu_model_runner.py:2653', 'Model loading took 14.2474 GiB and 5.011 seconds'),
    engine('backends.py:548', "Using cache directory: /root/.cache/vllm/torch_compile_cache/5c1e0a7d2f/rank_0_0/backbone for vLLM's torch.compile"),
    engine('backends.py:559', 'Dynamo bytecode transform time: 6.12 s'),
    engine('monitor.py:34', 'torch.compile takes 27.45 s in total'),
    engine('kv_cache_utils.py:1087', 'GPU KV cache size: 117,616 tokens'),
    engine('gpu_model_runner.py:3480', 'Graph capturing finished in 8 secs, took 0.52 GiB'),
  ]
  return {
    boot: [
      logLine('APIServer', 'INFO', 'api_server.py:1839', `vLLM API server version ${VERSION}`),
      logLine('APIServer', 'INFO', 'utils.py:233', `non-default args: {'model_tag': '${model}', 'host': '${host}', 'port': ${port}, 'model': '${model}'}`),
      engine('gpu_model_runner.py:2602', `Starting to load model ${model}...`),
    ],
    loading,
    stuck: loading.slice(0, loading.findIndex((l) => l.includes('Dynamo')) + 1),
    ready: [
      logLine('APIServer', 'INFO', 'api_server.py:1611', `Starting vLLM server on http://${host}:${port}`),
      `(APIServer pid=${process.pid}) INFO:     Started server process [${process.pid}]`,
      `(APIServer pid=${process.pid}) INFO:     Waiting for application startup.`,
      `(APIServer pid=${process.pid}) INFO:     Application startup complete.`,
    ],
  }
}

/** The startup OOM of 3.1: the engine core's ValueError, then the API server's RuntimeError. */
function crashLines(): string[] {
  const e = (msg: string) => logLine('EngineCore_DP0', 'ERROR', 'core.py:718', msg)
  const api = (msg: string) => `(APIServer pid=${process.pid}) ${msg}`
  return [
    e('EngineCore failed to start.'),
    e('Traceback (most recent call last):'),
    e('  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_worker.py", line 182, in init_device'),
    e('ValueError: Free memory on device (5.21/23.55 GiB) on startup is less than desired GPU memory utilization (0.9, 21.2 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.'),
    api('Traceback (most recent call last):'),
    api('  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/utils.py", line 833, in wait_for_engine_startup'),
    api('RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}'),
  ]
}

function create(opts: Options): Service {
  const defaultName = opts.task === 'embed' ? 'BAAI/bge-m3' : 'Qwen/Qwen2.5-7B-Instruct'
  const s: State = {opts, names: opts.models.length ? opts.models : [defaultName], created: unixNow(), dead: opts.fault === 'unhealthy'}
  const table = routes(s)
  const handle = async (ctx: Ctx) => {
    // AuthenticationMiddleware runs before routing, on the /v1 prefix only, never on OPTIONS.
    if (opts.apiKey && ctx.path.startsWith('/v1') && ctx.method !== 'OPTIONS' && bearer(ctx.req) !== opts.apiKey) return sendJson(ctx.res, 401, {error: 'Unauthorized'})
    const h = lookup(table, ctx.method, ctx.path)
    if (h === 'no-route') return sendJson(ctx.res, 404, {detail: 'Not Found'})
    if (h === 'no-method') return sendJson(ctx.res, 405, {detail: 'Method Not Allowed'})
    await h(ctx)
  }
  const {boot, loading, stuck, ready} = startLines(s)
  const forever = opts.fault === 'starting' && opts.startupMs === 0
  return {
    handle, crash: crashLines(),
    boot: forever ? [...boot, ...stuck] : boot,
    ready: [...loading, ...ready],
    headers: {server: 'uvicorn'},
    access: (req, status) => `(APIServer pid=${process.pid}) INFO:     ${peer(req)} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${STATUS_CODES[status] ?? ''}`,
    // uvicorn opens the port only after the model loaded: connections are refused meanwhile (3.1).
    closedMs: opts.fault === 'starting' ? opts.startupMs || 'forever' : undefined,
  }
}

export const vllm: Profile = {faults: ['unhealthy', 'starting', 'kv-full'], apiKey: true, create}
