import type {ServerResponse} from 'node:http'

import type {Options} from '../args.js'
import {lookup, num, readJson, send, sendJson} from '../http.js'
import type {Ctx, Routes} from '../http.js'
import {out} from '../service.js'
import type {Profile, Service} from '../service.js'
import {countTokens, generate, hexId, unixNow} from '../text.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const BUILD = 'b6500-1d2a3f4e'

/** `{"error":{code,message,type}}`, llama-server's format_error_response (6.2). */
function apiError(res: ServerResponse, code: number, message: string, type: string): void {
  sendJson(res, code, {error: {code, message, type}}, JSON_TYPE)
}

const loadingError = (res: ServerResponse) => apiError(res, 503, 'Loading model', 'unavailable_error')

/** public/loading.html: what / and *.html answer while the model loads. */
const LOADING_HTML = '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="refresh" content="5">\n</head>\n<body>\n<div id="loading">\nThe model is loading. Please wait.<br/>\nThe user interface will appear soon.\n</div>\n</body>\n</html>\n'
const INDEX_HTML = '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>llama.cpp - chat</title></head>\n<body><div id="root"></div></body>\n</html>\n'

/** /models, /v1/models and /api/tags: an OpenAI list plus the Ollama-style `models` array. */
function models(alias: string, ctx: Ctx): void {
  const details = {parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: ''}
  sendJson(ctx.res, 200, {
    models: [{name: alias, model: alias, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: ['completion'], parameters: '', details}],
    object: 'list',
    data: [{id: alias, object: 'model', created: unixNow(), owned_by: 'llamacpp', meta: {vocab_type: 2, n_vocab: 152064, n_ctx_train: 32768, n_embd: 3584, n_params: 7615616512, size: 4677120000}}],
  }, JSON_TYPE)
}

function timings(prompt: number, predicted: number) {
  return {prompt_n: prompt, prompt_ms: 42.1, prompt_per_token_ms: 42.1 / Math.max(prompt, 1), prompt_per_second: 237.5, predicted_n: predicted, predicted_ms: 310.4, predicted_per_token_ms: 310.4 / Math.max(predicted, 1), predicted_per_second: 48.3}
}

async function completion(alias: string, ctx: Ctx): Promise<void> {
  const body = await readJson(ctx.req)
  if (body.kind !== 'ok' || typeof body.value.prompt !== 'string') return apiError(ctx.res, 400, '"prompt" must be a string, an array of token ids or a list of prompts', 'invalid_request_error')
  const gen = generate(num(body.value.n_predict))
  const prompt = countTokens(body.value.prompt, 1)
  sendJson(ctx.res, 200, {
    index: 0, content: gen.text, tokens: [], id_slot: 0, stop: true, model: alias, tokens_predicted: gen.tokens, tokens_evaluated: prompt,
    generation_settings: {n_predict: num(body.value.n_predict) ?? -1, seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95}, prompt: body.value.prompt,
    has_new_line: false, truncated: false, stop_type: gen.finish === 'length' ? 'limit' : 'eos', stopping_word: '', tokens_cached: prompt + gen.tokens, timings: timings(prompt, gen.tokens),
  }, JSON_TYPE)
}

async function chat(alias: string, ctx: Ctx): Promise<void> {
  const body = await readJson(ctx.req)
  if (body.kind !== 'ok' || !Array.isArray(body.value.messages)) return apiError(ctx.res, 400, "'messages' is required", 'invalid_request_error')
  const gen = generate(num(body.value.max_tokens) ?? num(body.value.n_predict))
  const prompt = countTokens(JSON.stringify(body.value.messages), 8)
  sendJson(ctx.res, 200, {
    choices: [{finish_reason: gen.finish, index: 0, message: {role: 'assistant', content: gen.text}}],
    created: unixNow(), model: alias, system_fingerprint: BUILD, object: 'chat.completion',
    usage: {completion_tokens: gen.tokens, prompt_tokens: prompt, total_tokens: prompt + gen.tokens}, id: `chatcmpl-${hexId()}`, timings: timings(prompt, gen.tokens),
  }, JSON_TYPE)
}

function routes(opts: Options, alias: string): Routes {
  const broken = opts.fault === 'unhealthy'
  const serverError = (ctx: Ctx) => apiError(ctx.res, 500, 'llama_decode failed: the compute backend reported an error', 'server_error')
  const health = broken ? serverError : (ctx: Ctx) => sendJson(ctx.res, 200, {status: 'ok'}, JSON_TYPE)
  const list = (ctx: Ctx) => models(alias, ctx)
  return {
    '/': {GET: (ctx) => send(ctx.res, 200, INDEX_HTML, 'text/html; charset=utf-8')},
    '/health': {GET: health},
    '/v1/health': {GET: health},
    '/models': {GET: list},
    '/v1/models': {GET: list},
    '/api/tags': {GET: list},
    '/completion': {POST: broken ? serverError : (ctx) => completion(alias, ctx)},
    '/completions': {POST: broken ? serverError : (ctx) => completion(alias, ctx)},
    '/v1/chat/completions': {POST: broken ? serverError : (ctx) => chat(alias, ctx)},
  }
}

/** While loading, only the model lists answer; pages get loading.html and the API the 503 (6.2). */
function whileLoading(ctx: Ctx): boolean {
  if (['/models', '/v1/models', '/api/tags'].includes(ctx.path)) return false
  if (ctx.path === '/' || ctx.path.endsWith('.html')) send(ctx.res, 503, LOADING_HTML, 'text/html; charset=utf-8')
  else loadingError(ctx.res)
  return true
}

function create(opts: Options): Service {
  const alias = opts.models[0] ?? 'Qwen2.5-7B-Instruct-Q4_K_M.gguf'
  const file = `/models/${alias.endsWith('.gguf') ? alias : `${alias}.gguf`}`
  const table = routes(opts, alias)
  const readyAt = Date.now() + opts.startupMs
  const loading = () => opts.fault === 'starting' && (opts.startupMs === 0 || Date.now() < readyAt)
  const handle = async (ctx: Ctx) => {
    if (loading() && whileLoading(ctx)) return
    const h = lookup(table, ctx.method, ctx.path)
    // cpp-httplib finds no handler for an unregistered method either: both get the 404 body.
    if (typeof h === 'string') return apiError(ctx.res, 404, 'File Not Found', 'not_found_error')
    await h(ctx)
  }
  const loaded = ['main: model loaded', `main: server is listening on http://${opts.host}:${opts.port} - starting the main loop`, 'srv  update_slots: all slots are idle']
  const starting = opts.fault === 'starting'
  if (starting && opts.startupMs > 0) setTimeout(() => loaded.forEach(out), opts.startupMs).unref()
  return {
    handle,
    headers: {Server: 'llama.cpp'},
    boot: [`build: ${BUILD.slice(1).replace('-', ' (')}) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu`, 'system info: n_threads = 2, n_threads_batch = 2, total_threads = 2'],
    ready: [
      `main: HTTP server is listening, hostname: ${opts.host}, port: ${opts.port}, http threads: 3`,
      'main: loading model',
      `srv    load_model: loading model '${file}'`,
      `llama_model_loader: loaded meta data with 30 key-value pairs and 339 tensors from ${file} (version GGUF V3 (latest))`,
      ...(starting ? [] : loaded),
    ],
    crash: [
      `gguf_init_from_file_impl: failed to read magic`,
      `llama_model_load: error loading model: llama_model_loader: failed to load model from ${file}`,
      `llama_model_load_from_file_impl: failed to load model`,
      `srv    load_model: failed to load model, '${file}'`,
      'main: exiting due to model loading error',
    ],
    access: (req, status) => `srv  log_server_r: request: ${req.method} ${req.url} ${req.socket.remoteAddress ?? '-'} ${status}`,
  }
}

export const llamacpp: Profile = {faults: ['unhealthy', 'starting'], create}
