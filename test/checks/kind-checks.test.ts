import {describe, expect, it} from 'vitest'

import type {Seen} from '../../src/model/check-spec.js'
import {gatewayTarget} from '../../src/checks/services/nginx.js'
import {planService} from '../../src/checks/services/plan.js'
import {readApiKeys} from '../../src/cli/select.js'
import type {ServiceDef} from '../../src/model/inventory.js'
import type {Observation} from '../../src/model/probes.js'
import {parseInventory} from '../../src/inventory/load.js'
import {LAYERS} from '../../src/model/status.js'

const inventory = parseInventory(
  `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }
thresholds: { slowMs: 1000 }
services:
  chat: { kind: vllm, task: chat, ctid: 950, address: 198.18.0.150, port: 8000, runtime: { systemd: vllm-chat }, route: /v1/chat/completions, model: Qwen/Qwen2.5-7B-Instruct }
  embed: { kind: vllm, task: embed, ctid: 951, address: 198.18.0.151, port: 8000, runtime: { systemd: vllm-embed }, route: /v1/embeddings, dim: 4 }
  qdrant: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, runtime: { docker: qdrant }, route: /qdrant/, collections: [docs] }
  n8n: { kind: n8n, ctid: 954, address: 198.18.0.154, port: 5678, runtime: { docker: n8n }, route: /n8n/ }
  ollama: { kind: ollama, ctid: 955, address: 198.18.0.155, port: 11434, runtime: { systemd: ollama }, route: /ollama/, model: llama3.2 }
  webui: { kind: openwebui, ctid: 956, address: 198.18.0.156, port: 8080, runtime: { docker: open-webui }, route: /webui/ }
`,
  'kinds.yaml',
)

/** Judges one check of one service with the observation given (and what was seen before it). */
function judge(service: string, id: string, obs: Observation, seen: Record<string, Observation> = {}) {
  const def = inventory.services.find((s) => s.name === service)!
  const spec = planService(def, {inventory, deep: true, apiKeys: new Map()}, LAYERS).find((s) => s.id === id)
  if (!spec) throw new Error(`no check ${id} for ${service}`)
  return spec.judge(obs, new Map(Object.entries(seen)) as Seen)
}

const http = (status: number, body = '', latencyMs = 5): Observation => ({kind: 'http', status, body, latencyMs})
const tags = (...names: string[]) => JSON.stringify({models: names.map((name) => ({name, model: name}))})
const unitUp = (logs: string[]): Observation => ({kind: 'unit', active: 'active', sub: 'running', logs})

describe('what each kind makes of what it saw', () => {
  it.each<[string, string, string, Observation, Record<string, Observation>, string, string | undefined]>([
    ['vLLM serving the model', 'chat', 'service.models', http(200, JSON.stringify({object: 'list', data: [{id: 'Qwen/Qwen2.5-7B-Instruct'}]})), {}, 'pass', undefined],
    ['vLLM serving another model', 'chat', 'service.models', http(200, JSON.stringify({object: 'list', data: [{id: 'other'}]})), {}, 'fail', 'model_missing'],
    ['vLLM behind --api-key without a key', 'chat', 'service.models', http(401, '{"error":"Unauthorized"}'), {}, 'fail', 'api_auth_failed'],
    ['vLLM KV cache near full', 'chat', 'service.metrics', http(200, 'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.97\nvllm:num_requests_waiting{engine="0",model_name="m"} 12\n'), {}, 'warn', 'kv_cache_full'],
    ['vLLM KV cache fine', 'chat', 'service.metrics', http(200, 'vllm:kv_cache_usage_perc{engine="0"} 0.12\n'), {}, 'pass', undefined],
    ['vLLM older metric name', 'chat', 'service.metrics', http(200, 'vllm:gpu_cache_usage_perc 0.95\n'), {}, 'warn', 'kv_cache_full'],
    ['embedding of the right size', 'embed', 'service.inference', http(200, JSON.stringify({data: [{embedding: [0.1, 0.2, 0.3, 0.4]}]})), {}, 'pass', undefined],
    ['embedding of another size', 'embed', 'service.inference', http(200, JSON.stringify({data: [{embedding: [0.1, 0.2]}]})), {}, 'fail', 'embedding_dim_mismatch'],
    ['one-token completion', 'chat', 'service.inference', http(200, JSON.stringify({choices: [{index: 0}]})), {}, 'pass', undefined],
    ['vLLM loading: unit up, port closed', 'chat', 'service.listen', {kind: 'listen', sockets: [], otherPorts: [22]}, {'service.runtime': unitUp(['Loading model weights took 41.2 GB'])}, 'warn', 'service_starting'],
    ['vLLM loading again after a restart (the last run\'s start line is older)', 'chat', 'service.listen', {kind: 'listen', sockets: [], otherPorts: []}, {'service.runtime': unitUp(['Starting vLLM server on http://0.0.0.0:8000', 'Stopped vllm-chat.service.', 'Started vllm-chat.service - vLLM.', 'Loading weights took 12.1 s'])}, 'warn', 'service_starting'],
    ['vLLM started on another port', 'chat', 'service.listen', {kind: 'listen', sockets: [], otherPorts: [8001]}, {'service.runtime': unitUp(['Starting vLLM server on http://0.0.0.0:8001'])}, 'fail', 'not_listening'],
    ['Qdrant shards not ready', 'qdrant', 'service.ready', http(503, 'some shards are not ready'), {}, 'fail', 'not_ready'],
    ['Qdrant without the collection', 'qdrant', 'service.collections', http(200, JSON.stringify({result: {collections: [{name: 'other'}]}, status: 'ok', time: 0})), {}, 'fail', 'collection_missing'],
    ['Qdrant key missing', 'qdrant', 'service.collections', http(401, 'Must provide an API key or an Authorization bearer token'), {}, 'fail', 'api_auth_failed'],
    ['n8n database down', 'n8n', 'service.ready', http(503, '{"status":"error"}'), {}, 'fail', 'database_not_ready'],
    ['n8n push proxied', 'n8n', 'client.websocket', {kind: 'websocket', status: 101, latencyMs: 3}, {}, 'pass', undefined],
    ['n8n push without upgrade headers', 'n8n', 'client.websocket', {kind: 'websocket', status: 401, body: '{"status":"error","message":"Unauthorized"}', latencyMs: 3}, {}, 'fail', 'websocket_not_proxied'],
    // The real n8n 2.8.4 between its readiness and its REST routes: express's 404 for the upgrade.
    ['n8n push while n8n still registers its routes', 'n8n', 'client.websocket', {kind: 'websocket', status: 404, body: '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /rest/push</pre>\n</body>\n</html>\n', latencyMs: 3}, {}, 'warn', 'service_starting'],
    ['a 404 from elsewhere is still the route', 'n8n', 'client.websocket', {kind: 'websocket', status: 404, body: '<html><center>404 Not Found</center><hr><center>nginx</center></html>', latencyMs: 3}, {}, 'fail', 'websocket_not_proxied'],
    ['n8n push origin rejected', 'n8n', 'client.websocket', {kind: 'websocket', status: 101, closeCode: 1008, closeReason: 'Invalid origin!', latencyMs: 3}, {}, 'fail', 'websocket_origin_rejected'],
    ['Ollama model pulled (default tag)', 'ollama', 'service.models', http(200, tags('llama3.2:latest')), {}, 'pass', undefined],
    ['Ollama model not pulled', 'ollama', 'service.models', http(200, tags('mistral:latest')), {}, 'fail', 'model_missing'],
    ['Ollama CLI not on the login PATH', 'ollama', 'service.cli', {kind: 'command', searchPath: '/usr/bin:/bin'}, {}, 'warn', 'cli_missing'],
    ['Ollama Host guard through the gateway', 'ollama', 'client.http', http(403, ''), {}, 'fail', 'host_header_rejected'],
    ['the gateway lists the same models', 'ollama', 'client.http', http(200, tags('llama3.2:latest')), {'service.models': http(200, tags('llama3.2:latest'))}, 'pass', undefined],
    ['the gateway leads to another Ollama', 'ollama', 'client.http', http(200, tags('phi3:latest')), {'service.models': http(200, tags('llama3.2:latest'))}, 'fail', 'route_wrong_target'],
  ])('%s', (_name, service, id, obs, seen, status, finding) => {
    const j = judge(service, id, obs, seen)
    expect(j.status).toBe(status)
    expect(j.finding).toBe(finding)
  })

  it.each([
    ['n8n', /the editor shows "Connection lost"/],
    ['webui', /socket\.io connection, which carries the chat's live events, fails/],
  ])('a WebSocket not proxied says what it breaks for %s, in its own words', (service, words) => {
    const judged = judge(service, 'client.websocket', {kind: 'websocket', status: 400, body: 'Bad Request', latencyMs: 3})
    expect(judged).toMatchObject({status: 'fail', finding: 'websocket_not_proxied'})
    expect(judged.summary).toMatch(words)
    if (service !== 'n8n') expect(judged.summary).not.toMatch(/n8n|editor/)
  })

  it('check leaves out the calls that cost GPU time unless --deep', () => {
    const chat = inventory.services[0]!
    const ids = (deep: boolean) => planService(chat, {inventory, deep, apiKeys: new Map()}, LAYERS).map((s) => s.id)
    expect(ids(true)).toContain('service.inference')
    expect(ids(false)).not.toContain('service.inference')
  })

  it('an API key goes into keyed calls as a secret header, never into the plan as plain text', () => {
    const qdrant = inventory.services.find((s) => s.name === 'qdrant')!
    const specs = planService(qdrant, {inventory, deep: false, apiKeys: new Map([['qdrant', 'k3y-value']])}, LAYERS)
    const collections = specs.find((s) => s.id === 'service.collections')!.probe
    expect(collections).toMatchObject({headers: {'api-key': 'k3y-value'}, secretHeaders: ['api-key']})
  })

  it('sends the gateway\'s key (gateway.apiKeyEnv) on client requests only, and never on the auth probes', () => {
    const guarded = parseInventory(
      `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153, apiKeyEnv: GATEWAY_KEY }
services:
  qdrant: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, route: /qdrant/, apiKeyEnv: QDRANT_KEY }
  chat: { kind: vllm, ctid: 950, address: 198.18.0.150, port: 8000, route: /v1/chat/completions, apiKeyEnv: VLLM_KEY }
`,
      'guarded.yaml',
    )
    const keys = readApiKeys(guarded, guarded.services, {GATEWAY_KEY: 'gw-key', QDRANT_KEY: 'qd-key', VLLM_KEY: 'vl-key'})
    const probeOf = (s: ServiceDef, id: string) => planService(s, {inventory: guarded, deep: false, apiKeys: keys, posture: true}, LAYERS).find((x) => x.id === id)!.probe
    expect(probeOf(guarded.services[0]!, 'client.http')).toMatchObject({headers: {'api-key': 'qd-key', Authorization: 'Bearer gw-key'}, secretHeaders: ['api-key', 'Authorization']})
    // vLLM's own key fills Authorization: the service's key wins, the gateway's is not added.
    expect(probeOf(guarded.services[1]!, 'client.http')).toMatchObject({headers: {Authorization: 'Bearer vl-key'}})
    expect(probeOf(guarded.services[0]!, 'host.http')).not.toHaveProperty('headers')
    const auth = probeOf(gatewayTarget(guarded), 'client.auth.qdrant')
    expect(auth).not.toHaveProperty('headers')
  })

  it.each([
    ['qdrant', 'service.collections', '/qdrant/collections', 'api-key'],
    ['chat', 'service.models', '/v1/chat/completions', 'Authorization'],
  ])("%s: the client makes the service's real call with its key, and names the gateway when only the route refuses it", (name, inner, path, header) => {
    const inv = parseInventory(
      `proxmox: { host: local }
gateway: { ctid: 953, address: 198.18.0.153, url: http://198.18.0.153 }
services:
  qdrant: { kind: qdrant, ctid: 952, address: 198.18.0.152, port: 6333, route: /qdrant/, apiKeyEnv: QDRANT_KEY }
  chat: { kind: vllm, ctid: 950, address: 198.18.0.150, port: 8000, route: /v1/chat/completions, apiKeyEnv: VLLM_KEY }
`,
      'keyed.yaml',
    )
    const def = inv.services.find((s) => s.name === name)!
    const specOf = (keys: Map<string, string>) => planService(def, {inventory: inv, deep: false, apiKeys: keys, posture: true}, LAYERS).find((x) => x.id === 'client.http')!
    const keyed = specOf(readApiKeys(inv, inv.services, {QDRANT_KEY: 'qd-key', VLLM_KEY: 'vl-key'}))
    expect(keyed.probe).toMatchObject({url: `http://198.18.0.153${path}`, secretHeaders: [header]})
    const refused = http(401, 'Must provide an API key or an Authorization bearer token')
    const innerOk = {[inner]: http(200, '{}')}
    expect(keyed.judge(refused, new Map(Object.entries(innerOk)))).toMatchObject({status: 'fail', finding: 'gateway_drops_key'})
    // The inner call refused too, or never made: not the gateway's doing (the inner layer says it).
    expect(keyed.judge(refused, new Map(Object.entries({[inner]: http(401)})))).toMatchObject({finding: 'client_forbidden'})
    expect(keyed.judge(refused, new Map())).toMatchObject({finding: 'client_forbidden'})
    // Its apiKeyEnv unset for the run, a 401 is not a dropped key either: the run could not check it (issue 9 item 9).
    expect(specOf(new Map()).judge(refused, new Map(Object.entries(innerOk)))).toMatchObject({status: 'unknown', finding: 'api_key_unset'})
  })
})
