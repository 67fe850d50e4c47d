import type {HttpObservation} from '../../model/probes.js'
import type {ServiceKind} from '../../model/inventory.js'

/** A harmless GET (no key, no body, no GPU time): how a fingerprint asks. */
export type Get = (url: string) => Promise<HttpObservation>

/** What a listening port turned out to be, and how phoenix knows: each value with its reason. */
export interface Recognised {
  kind: Exclude<ServiceKind, 'nginx'>
  how: string
  model?: {value: string; how: string}
  /** Other models it serves, when there are several (the comment lists them). */
  models?: string[]
  /** It refused a request without a key: the env var a user is asked to fill. */
  apiKeyEnv?: {value: string; how: string}
  task?: {value: 'chat' | 'embed'; how: string}
}

/** The names a kind's process, unit or container goes by. */
const NAME_HINTS: [Exclude<ServiceKind, 'nginx'>, RegExp][] = [
  ['vllm', /vllm/i],
  ['ollama', /ollama/i],
  ['qdrant', /qdrant/i],
  ['n8n', /n8n/i],
  ['openwebui', /open-?webui/i],
  ['llamacpp', /llama[-_.]?(cpp|server)/i],
]

/** The kind a name suggests (a unit, a container, a process, an argv). */
export function kindFromName(name: string): Exclude<ServiceKind, 'nginx'> | undefined {
  return NAME_HINTS.find(([, re]) => re.test(name))?.[0]
}

/** The key variable each kind's own docs name (never the key: the user exports it). */
const KEY_ENV: Partial<Record<ServiceKind, string>> = {vllm: 'VLLM_API_KEY', qdrant: 'QDRANT_API_KEY'}

const json = (obs: HttpObservation): any => {
  try {
    return obs.status === 200 && obs.body ? JSON.parse(obs.body) : undefined
  } catch {
    return undefined
  }
}

/**
 * Asks a port what it is, with GETs any of these servers answers without a key, and reads the
 * answers: Qdrant's and Ollama's banners, Open WebUI's public config, the owner of /v1/models,
 * vLLM's /version, n8n's public settings. `hint` is the kind a name suggested, for ties.
 */
export async function fingerprint(base: string, get: Get, hint?: ServiceKind, argv: readonly string[] = []): Promise<Recognised | undefined> {
  const [root, config, models, version, settings] = await Promise.all(['/', '/api/config', '/v1/models', '/version', '/rest/settings'].map((p) => get(base + p)))
  const rootText = root!.status === 200 ? (root!.body ?? '') : ''
  if (rootText.includes('qdrant - vector search engine')) return qdrant(base, get)
  if (rootText.includes('Ollama is running')) return ollama(base, get)
  if (json(config!)?.name === 'Open WebUI') return {kind: 'openwebui', how: 'GET /api/config answered name "Open WebUI"'}
  const owner = json(models!)?.data?.[0]?.owned_by
  const firstModel = json(models!)?.data?.[0]?.id
  if (owner === 'llamacpp') return {kind: 'llamacpp', how: 'GET /v1/models: owned_by llamacpp', ...(firstModel ? {model: {value: String(firstModel), how: 'GET /v1/models'}} : {})}
  if (owner === 'vllm') return vllm({how: 'GET /v1/models: owned_by vllm', model: {value: String(firstModel), how: 'GET /v1/models'}}, argv)
  const hasVersion = typeof json(version!)?.version === 'string'
  if (hasVersion && models!.status === 401) {
    return vllm({how: 'GET /version answered, /v1/models wants a key', apiKeyEnv: {value: KEY_ENV.vllm!, how: 'GET /v1/models answered 401 without a key'}}, argv)
  }
  if (json(settings!)?.data !== undefined && hint === 'n8n') return {kind: 'n8n', how: 'GET /rest/settings answered n8n\'s public settings'}
  if (hint === 'n8n' && (await get(`${base}/healthz`)).status === 200) return {kind: 'n8n', how: 'GET /healthz answered 200'}
  return undefined
}

async function qdrant(base: string, get: Get): Promise<Recognised> {
  const r: Recognised = {kind: 'qdrant', how: 'GET / answered "qdrant - vector search engine"'}
  const collections = await get(`${base}/collections`)
  if (collections.status === 401 || collections.status === 403) r.apiKeyEnv = {value: KEY_ENV.qdrant!, how: `GET /collections answered ${collections.status} without a key`}
  return r
}

async function ollama(base: string, get: Get): Promise<Recognised> {
  const r: Recognised = {kind: 'ollama', how: 'GET / answered "Ollama is running"'}
  const names = ((json(await get(`${base}/api/tags`))?.models ?? []) as {name?: unknown}[]).map((m) => String(m.name)).filter(Boolean)
  if (names.length === 1) r.model = {value: names[0]!, how: 'the only model in GET /api/tags'}
  else if (names.length > 1) r.models = names
  return r
}

/** vLLM: the model and task from its command line where /v1/models could not say. */
function vllm(found: Omit<Recognised, 'kind'>, argv: readonly string[]): Recognised {
  const r: Recognised = {kind: 'vllm', ...found}
  const model = argValue(argv, '--served-model-name') ?? argValue(argv, '--model') ?? (argv.includes('serve') ? argv[argv.indexOf('serve') + 1] : undefined)
  if ((!r.model || r.model.value === 'undefined') && model) r.model = {value: model, how: 'its command line'}
  if (r.model?.value === 'undefined') delete r.model
  const task = argValue(argv, '--task') ?? argValue(argv, '--runner')
  if (task && /embed|pooling/.test(task)) r.task = {value: 'embed', how: `its command line (${task === 'pooling' ? '--runner' : '--task'} ${task})`}
  else if (task) r.task = {value: 'chat', how: `its command line (--task ${task})`}
  return r
}

/** `--flag value` or `--flag=value` of an argv. */
export function argValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1]
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1)
  }
  return undefined
}
