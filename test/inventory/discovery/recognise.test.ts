import type {IncomingMessage, ServerResponse} from 'node:http'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fingerprint} from '../../../src/inventory/discovery/recognise.js'
import {createNetIo} from '../../../src/io/net-io.js'
import {startHttpServer} from '../../helpers/http-server.js'
import type {TestServer} from '../../helpers/http-server.js'

/** Each server answers its own public paths as the real one does, and 404 (or 401) elsewhere. */
type Routes = Record<string, [number, unknown]>
const SERVERS: Record<string, Routes> = {
  qdrant: {'/': [200, {title: 'qdrant - vector search engine', version: '1.12.4'}], '/collections': [401, 'Must provide an API key or an Authorization bearer token']},
  ollama: {'/': [200, 'Ollama is running'], '/api/tags': [200, {models: [{name: 'llama3.2:latest'}]}], '/api/version': [200, {version: '0.5.7'}]},
  ollamaMany: {'/': [200, 'Ollama is running'], '/api/tags': [200, {models: [{name: 'llama3.2:latest'}, {name: 'qwen2.5:7b'}]}]},
  openwebui: {'/api/config': [200, {status: true, name: 'Open WebUI', version: '0.6.5'}], '/api/version': [200, {version: '0.6.5'}]},
  vllmKeyed: {'/version': [200, {version: '0.8.5'}], '/v1/models': [401, {error: 'Unauthorized'}]},
  vllmOpen: {'/version': [200, {version: '0.8.5'}], '/v1/models': [200, {object: 'list', data: [{id: 'BAAI/bge-m3', owned_by: 'vllm'}]}]},
  llamacpp: {'/health': [200, {status: 'ok'}], '/v1/models': [200, {object: 'list', data: [{id: 'qwen2.5-7b-q4_k_m.gguf', owned_by: 'llamacpp'}]}]},
  n8n: {'/healthz': [200, {status: 'ok'}], '/rest/settings': [200, {data: {settingsMode: 'public'}}]},
  other: {'/healthz': [200, 'ok']},
}

describe('recognising a port by what it answers without a key', () => {
  const servers = new Map<string, TestServer>()
  const net = createNetIo()
  const get = (url: string) => net.http({kind: 'http', url}, 3000)
  beforeAll(async () => {
    for (const [name, routes] of Object.entries(SERVERS)) {
      servers.set(name, await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
        const [status, body] = routes[new URL(req.url ?? '/', 'http://x').pathname] ?? [404, 'Not Found']
        res.writeHead(status, {'content-type': typeof body === 'string' ? 'text/plain' : 'application/json'})
        res.end(typeof body === 'string' ? body : JSON.stringify(body))
      }))
    }
  })
  afterAll(async () => {
    for (const s of servers.values()) await s.close()
  })
  const at = (name: string) => servers.get(name)!.url

  it('Qdrant by its banner; a 401 on /collections asks for its key variable', async () => {
    expect(await fingerprint(at('qdrant'), get)).toMatchObject({kind: 'qdrant', apiKeyEnv: {value: 'QDRANT_API_KEY', how: 'GET /collections answered 401 without a key'}})
  })

  it('Ollama by its banner, with its model when it has exactly one', async () => {
    expect(await fingerprint(at('ollama'), get)).toMatchObject({kind: 'ollama', model: {value: 'llama3.2:latest', how: 'the only model in GET /api/tags'}})
    const many = await fingerprint(at('ollamaMany'), get)
    expect(many).toMatchObject({kind: 'ollama', models: ['llama3.2:latest', 'qwen2.5:7b']})
    expect(many?.model).toBeUndefined()
  })

  it('Open WebUI by its public config (not by /api/version, which Ollama has too)', async () => {
    expect(await fingerprint(at('openwebui'), get)).toMatchObject({kind: 'openwebui'})
  })

  it('vLLM with a key: /version answers, /v1/models wants the key; model and task from its command line, never its key', async () => {
    const argv = ['/opt/vllm/bin/python3', '/opt/vllm/bin/vllm', 'serve', 'Qwen/Qwen2.5-7B-Instruct-AWQ', '--port', '8000', '--api-key', 's3cret-key']
    const r = await fingerprint(at('vllmKeyed'), get, undefined, argv)
    expect(r).toMatchObject({kind: 'vllm', model: {value: 'Qwen/Qwen2.5-7B-Instruct-AWQ', how: 'its command line'}, apiKeyEnv: {value: 'VLLM_API_KEY'}})
    expect(JSON.stringify(r)).not.toContain('s3cret')
    const embed = await fingerprint(at('vllmKeyed'), get, undefined, ['vllm', 'serve', 'x', '--served-model-name', 'granite', '--task=embed'])
    expect(embed).toMatchObject({model: {value: 'granite'}, task: {value: 'embed'}})
  })

  it('vLLM and llama.cpp without a key by the owner of /v1/models, with its model', async () => {
    expect(await fingerprint(at('vllmOpen'), get)).toMatchObject({kind: 'vllm', model: {value: 'BAAI/bge-m3', how: 'GET /v1/models'}})
    expect(await fingerprint(at('llamacpp'), get)).toMatchObject({kind: 'llamacpp', model: {value: 'qwen2.5-7b-q4_k_m.gguf'}})
  })

  it('n8n only where a name says n8n too; anything else is not guessed', async () => {
    expect(await fingerprint(at('n8n'), get, 'n8n')).toMatchObject({kind: 'n8n'})
    expect(await fingerprint(at('n8n'), get)).toBeUndefined()
    expect(await fingerprint(at('other'), get)).toBeUndefined()
  })

  it('a port that is not HTTP at all is not guessed', async () => {
    expect(await fingerprint('http://127.0.0.1:9', get)).toBeUndefined()
  })
})
