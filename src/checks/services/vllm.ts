import {guestLabel} from '../../io/guests/guests.js'
import type {Judgement} from '../../model/check-spec.js'
import type {ServiceDef} from '../../model/inventory.js'
import {apiAnswers, listed, parseJson} from '../expectations/api.js'
import {twoHundredWithout} from '../expectations/http.js'
import {keyDroppedByGateway} from '../expectations/route-key.js'
import type {Observation} from '../../model/probes.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {insideUrl} from './kind.js'
import {readMetric} from './prometheus.js'

/** KV cache use above this is a warning: new requests will queue or be preempted. */
const KV_CACHE_WARN = 0.9

/**
 * vLLM's OpenAI-compatible server. /health is 200 with an empty body, 503 when the engine died.
 * Through an exact API route (/v1/chat/completions) a GET reaches FastAPI, which answers 405: that
 * proves the route leads to vLLM without spending GPU time.
 */
export const vllmKind: ServiceKindModule = {
  defaultHealth: '/health',
  api: true,
  key: {header: 'Authorization', bearer: true, ownEnv: 'VLLM_API_KEY'},
  example: {name: 'vllm-embed', kind: 'vllm', task: 'embed', guest: {kind: 'ct', id: 951}, address: '10.0.0.151', port: 8000, runtime: {systemd: 'vllm-embed'}, route: {path: '/v1/embeddings'}, dim: 1024},
  exampleFor: ['kv_cache_full', 'embedding_dim_mismatch', 'inference_failed', 'service_starting'],
  // The call a client makes, with the key (plan.ts adds it): /v1/models behind a prefix route, the
  // exact route itself otherwise. vLLM checks the key before routing, so the 405 proves it passed.
  client: (s, c) => ({
    subpath: 'v1/models',
    accept: (status, body, seen) =>
      keyDroppedByGateway(status, seen, 'service.models', 'Authorization', c.apiKeys.has(s.name)) ??
      (status === 405 && body.includes('Method Not Allowed')
        ? {status: 'pass', summary: 'the route reaches vLLM (405 Method Not Allowed for GET, as FastAPI answers)'}
        : twoHundredWithout('"object":"list"', 'the route answers 200 but not vLLM\'s model list: it leads somewhere else', 'route_wrong_target')(status, body, seen)),
  }),
  extraChecks: (s, c) => [modelsCheck(s, c), metricsCheck(s, c), inferenceCheck(s, c)],
  notListening: loadingOrWrongPort,
}

/** /v1/models lists the model the inventory expects (`model:`), else the first one served. */
function modelsCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /v1/models inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.models',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/v1/models')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, (body) => {
      const served = servedModels(body)
      if (served === undefined) return {status: 'fail', summary: `${what}: not an OpenAI model list`, finding: 'api_unexpected'}
      if (s.model && !served.includes(s.model)) {
        return {status: 'fail', summary: `model ${s.model} is not served; vLLM serves: ${listed(served)}`, finding: 'model_missing', evidence: [`served models: ${listed(served)}`]}
      }
      return {status: 'pass', summary: `serves ${listed(served)}`}
    }),
  }
}

/** KV cache use and the queue, from /metrics (open without a key). */
function metricsCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /metrics inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.metrics',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/metrics')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, (body) => {
      // The current name first; gpu_cache_usage_perc was removed in late 2025 but older servers have it.
      const kv = readMetric(body, 'vllm:kv_cache_usage_perc') ?? readMetric(body, 'vllm:gpu_cache_usage_perc')
      const waiting = readMetric(body, 'vllm:num_requests_waiting') ?? 0
      const running = readMetric(body, 'vllm:num_requests_running') ?? 0
      if (kv === undefined) return {status: 'pass', summary: `${what}: no KV cache metric exposed`}
      const state = `KV cache ${(kv * 100).toFixed(0)}% used, ${running} running, ${waiting} waiting`
      if (kv >= KV_CACHE_WARN) return {status: 'warn', summary: `${state}: near full`, finding: 'kv_cache_full', evidence: [state]}
      return {status: 'pass', summary: state}
    }),
  }
}

/** One token of completion, or one embedding (its dimension checked): costs GPU time, so --deep. */
function inferenceCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const embed = s.task === 'embed'
  const path = embed ? '/v1/embeddings' : '/v1/chat/completions'
  const what = `POST ${path} inside ${guestLabel(s)}`
  const model = s.model ? {model: s.model} : {}
  const body = embed ? {...model, input: 'phoenix'} : {...model, messages: [{role: 'user', content: 'ping'}], max_tokens: 1}
  return {
    layer: 'service',
    id: 'service.inference',
    deep: true,
    needs: ['service.models'],
    probe: {kind: 'http', method: 'POST', url: insideUrl(s, path), headers: {'content-type': 'application/json'}, body: JSON.stringify(body)},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, (text, _seen, obs) => (embed ? readEmbedding(text, s.dim) : readCompletion(text, obs.latencyMs)), (status, line) =>
      status === 404 || status === 400 ? {status: 'fail', summary: `${what} answered ${status}`, finding: 'inference_failed', evidence: [line]} : undefined),
  }
}

function readCompletion(text: string, latencyMs: number): Judgement | undefined {
  const json = parseJson(text) as {choices?: unknown[]} | undefined
  if (!Array.isArray(json?.choices) || json.choices.length === 0) return {status: 'fail', summary: 'completion answered without choices', finding: 'inference_failed'}
  return {status: 'pass', summary: `one-token completion in ${latencyMs} ms`}
}

function readEmbedding(text: string, dim: number | undefined): Judgement | undefined {
  const json = parseJson(text) as {data?: {embedding?: unknown}[]} | undefined
  const vector = json?.data?.[0]?.embedding
  if (!Array.isArray(vector)) return {status: 'fail', summary: 'embedding answered without a vector', finding: 'inference_failed'}
  if (dim !== undefined && vector.length !== dim) {
    return {status: 'fail', summary: `embedding has ${vector.length} dimensions, the inventory expects ${dim}`, finding: 'embedding_dim_mismatch'}
  }
  return {status: 'pass', summary: `one embedding of ${vector.length} dimensions`}
}

/** The ids of an OpenAI model list, or undefined when the body is not one. */
function servedModels(body: string): string[] | undefined {
  const json = parseJson(body) as {data?: {id?: unknown}[] | null} | undefined
  if (!json || !('data' in json)) return undefined
  return (json.data ?? []).map((m) => String(m.id))
}

/**
 * vLLM binds its port early but listens only once the model is loaded, so a live process with a
 * closed port is loading, not down, unless its log says the server already started (on another
 * port: then it is the port setting that is wrong).
 */
function loadingOrWrongPort(runtime: Observation | undefined, port: number): Judgement | undefined {
  const up = (runtime?.kind === 'unit' && runtime.active === 'active') || (runtime?.kind === 'container' && runtime.state === 'running')
  if (!up || (runtime.kind !== 'unit' && runtime.kind !== 'container')) return undefined
  const started = sinceLastStart(runtime.logs).find((l) => l.includes('Starting vLLM server on'))
  if (started) {
    return {status: 'fail', summary: `nothing listens on port ${port}, yet the log says: ${started.trim()}`, finding: 'not_listening', evidence: [started.trim()]}
  }
  return {status: 'warn', summary: `the process is up but port ${port} is not listening yet: vLLM is loading its model`, finding: 'service_starting', evidence: runtime.logs.slice(-5)}
}

/**
 * The log lines of the current run: the journal's tail also holds the previous run's, whose
 * "Starting vLLM server on" must not be read as this run's. systemd marks each start with
 * `Started UNIT` (docker logs hold one run only).
 */
function sinceLastStart(logs: readonly string[]): readonly string[] {
  const at = logs.findLastIndex((l) => /^Started \S+/.test(l))
  return at === -1 ? logs : logs.slice(at + 1)
}
