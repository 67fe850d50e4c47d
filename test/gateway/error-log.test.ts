import {describe, expect, it} from 'vitest'

import {entriesFor, parseErrorLog} from '../../src/gateway/error-log.js'
import type {ErrorLogEntry} from '../../src/model/nginx.js'

// Lines in the format of service-apis.md §5.3, with the gateway's addresses.
const CTX = 'client: 198.18.0.10, server: api.phoenix.local'
const LOG = [
  `2026/08/21 10:00:03 [error] 29#29: *7 upstream timed out (110: Connection timed out) while reading response header from upstream, ${CTX}, request: "POST /v1/chat/completions HTTP/1.1", upstream: "http://198.18.0.150:8000/v1/chat/completions", host: "198.18.0.153"`,
  `2026/08/21 10:00:00 [error] 29#29: *1 connect() failed (111: Connection refused) while connecting to upstream, ${CTX}, request: "POST /v1/embeddings HTTP/1.1", upstream: "http://198.18.0.151:8000/v1/embeddings", host: "198.18.0.153"`,
  `2026/08/21 10:00:01 [error] 29#29: *2 connect() to 198.18.0.155:11434 failed (111: Connection refused) while connecting to upstream, ${CTX}, request: "GET /ollama/api/tags HTTP/1.1", upstream: "http://198.18.0.155:11434/api/tags", host: "api.phoenix.local"`,
  `2026/08/21 10:00:04 [error] 29#29: *9 no live upstreams while connecting to upstream, ${CTX}, request: "POST /v1/chat/completions HTTP/1.1", upstream: "http://qwen_service/v1/chat/completions", host: "198.18.0.153"`,
  `2026/08/21 10:00:02 [error] 29#29: *4 upstream prematurely closed connection while reading response header from upstream, client: 198.18.0.10, server: n8n.phoenix.local, request: "GET /rest/push?pushRef=abc HTTP/1.1", upstream: "http://198.18.0.154:5678/rest/push?pushRef=abc", host: "n8n.phoenix.local", referrer: "https://n8n.phoenix.local/"`,
  `2026/08/21 10:00:05 [error] 29#29: *11 connect() failed (113: No route to host) while connecting to upstream, ${CTX}, request: "GET /qdrant/healthz HTTP/1.1", upstream: "http://198.18.0.152:6333/healthz", host: "198.18.0.153"`,
  `2026/08/21 10:00:06 [error] 29#29: *12 upstream sent too big header while reading response header from upstream, ${CTX}, request: "GET /webui/ HTTP/1.1", upstream: "http://[fd00::156]:8080/", host: "198.18.0.153"`,
  '2026/08/21 09:59:58 [notice] 1#1: signal process started',
  '',
  'not an nginx line at all',
  // docker logs / journald put their own prefix before the line.
  `Aug 21 10:00:07 api-gateway-lxc nginx[29]: 2026/08/21 10:00:07 [error] 29#29: *13 connect() failed (111: Connection refused) while connecting to upstream, ${CTX}, request: "GET /v1/models HTTP/1.1", upstream: "http://198.18.0.150:8000/v1/models", host: "198.18.0.153"`,
]
const entries = parseErrorLog(LOG)

describe('parseErrorLog', () => {
  it('reads every nginx line and skips the rest', () => {
    expect(entries).toHaveLength(9)
  })

  it.each<[number, Partial<ErrorLogEntry>]>([
    [0, {time: '2026/08/21 10:00:03', level: 'error', kind: 'timeout', errno: 110, request: 'POST /v1/chat/completions HTTP/1.1', host: '198.18.0.153', peer: {address: '198.18.0.150', port: 8000}}],
    [1, {kind: 'refused', errno: 111, message: 'connect() failed (111: Connection refused) while connecting to upstream', upstream: 'http://198.18.0.151:8000/v1/embeddings', client: '198.18.0.10', server: 'api.phoenix.local'}],
    [2, {kind: 'refused', peer: {address: '198.18.0.155', port: 11434}}],
    [3, {kind: 'no_live_upstreams', upstream: 'http://qwen_service/v1/chat/completions', peer: {address: 'qwen_service', port: 80}}],
    [4, {kind: 'prematurely_closed', request: 'GET /rest/push?pushRef=abc HTTP/1.1', host: 'n8n.phoenix.local', server: 'n8n.phoenix.local'}],
    [5, {kind: 'other', errno: 113, peer: {address: '198.18.0.152', port: 6333}}],
    [6, {kind: 'other', message: 'upstream sent too big header while reading response header from upstream', peer: {address: 'fd00::156', port: 8080}}],
    [7, {kind: 'other', level: 'notice', message: 'signal process started'}],
    [8, {kind: 'refused', time: '2026/08/21 10:00:07', peer: {address: '198.18.0.150', port: 8000}}],
  ])('entry %i', (i, expected) => {
    expect(entries[i]).toMatchObject(expected)
  })

  it('leaves out what a line does not have', () => {
    expect(entries[7]).toEqual({time: '2026/08/21 09:59:58', level: 'notice', message: 'signal process started', kind: 'other'})
  })

  it('reads a synchronous refusal that names its peer only in the message', () => {
    const [e] = parseErrorLog(['2026/08/21 10:00:00 [error] 29#29: *1 connect() to 127.0.0.1:8000 failed (111: Connection refused) while connecting to upstream'])
    expect(e).toMatchObject({kind: 'refused', peer: {address: '127.0.0.1', port: 8000}})
    expect(e?.upstream).toBeUndefined()
  })
})

describe('entriesFor', () => {
  const kinds = (list: ErrorLogEntry[]): string[] => list.map((e) => `${e.time.slice(11)} ${e.kind}`)
  it.each<[string, string, number, string | undefined, string[]]>([
    ['vLLM chat, newest last', '198.18.0.150', 8000, undefined, ['10:00:03 timeout', '10:00:07 refused']],
    ['with its upstream name: no live upstreams too', '198.18.0.150', 8000, 'qwen_service', ['10:00:03 timeout', '10:00:04 no_live_upstreams', '10:00:07 refused']],
    ['vLLM embed: same port, other address', '198.18.0.151', 8000, undefined, ['10:00:00 refused']],
    ['Ollama (synchronous refusal)', '198.18.0.155', 11434, undefined, ['10:00:01 refused']],
    ['n8n', '198.18.0.154', 5678, undefined, ['10:00:02 prematurely_closed']],
    ['IPv6 with brackets', '[fd00::156]', 8080, undefined, ['10:00:06 other']],
    ['IPv6 without', 'fd00::156', 8080, undefined, ['10:00:06 other']],
    ['another port of the same address', '198.18.0.150', 8001, undefined, []],
  ])('%s', (_, address, port, name, expected) => {
    expect(kinds(entriesFor(entries, address, port, name))).toEqual(expected)
  })
})
