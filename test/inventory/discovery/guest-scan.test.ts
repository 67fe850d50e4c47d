import {describe, expect, it} from 'vitest'

import {parseScan, SCAN_SCRIPT} from '../../../src/inventory/discovery/guest-scan.js'
import {readGatewayConfig, routeTo} from '../../../src/run/discovery/gateway-routes.js'
import {dump} from '../../gateway/dump-fixture.js'

const M = '@@phoenix-scan:'

describe('the guest scan', () => {
  it('is one script that ends by itself (pct exec ID -- sh -s, over SSH too)', () => {
    expect(SCAN_SCRIPT.trim().split('\n').at(-1)).toBe('exit 0')
  })

  it('reads ss and netstat sockets, running units only, docker ps, addresses and the argv of each listener', () => {
    const scan = parseScan([
      `${M}listen`,
      'LISTEN 0      4096         0.0.0.0:11434      0.0.0.0:*    users:(("ollama",pid=231,fd=3))',
      'LISTEN 0      128        127.0.0.1:25         0.0.0.0:*    users:(("master",pid=180,fd=13))',
      'LISTEN 0      4096            [::]:8000          [::]:*    users:(("python3",pid=412,fd=20))',
      'tcp        0      0 0.0.0.0:5678            0.0.0.0:*               LISTEN      77/node',
      `${M}cmdline`,
      '412 /opt/vllm/bin/python3 /opt/vllm/bin/vllm serve Qwen/Qwen2.5-7B-Instruct-AWQ --port 8000 --api-key s3cret ',
      `${M}units`,
      'cron.service      loaded active running Regular background program processing daemon',
      'ollama.service    loaded active running Ollama Service',
      '● vllm.service    loaded failed failed  vLLM',
      `${M}docker`,
      'CONTAINER ID   IMAGE                       COMMAND                  CREATED       STATUS       PORTS                                       NAMES',
      'a1b2c3d4e5f6   qdrant/qdrant:v1.12.4       "./entrypoint.sh"        2 weeks ago   Up 3 days    0.0.0.0:6333-6334->6333-6334/tcp            qdrant_service-qdrant-1',
      `${M}addr`,
      '10.0.0.155 fd00::155 ',
      `${M}nginx`,
      '',
    ].join('\n'))
    expect(scan.sockets).toEqual([
      {address: '0.0.0.0', port: 11434, process: 'ollama', pid: 231},
      {address: '127.0.0.1', port: 25, process: 'master', pid: 180},
      {address: '::', port: 8000, process: 'python3', pid: 412},
      {address: '0.0.0.0', port: 5678, process: 'node', pid: 77},
    ])
    expect(scan.cmdlines.get(412)).toContain('serve')
    expect(scan.units).toEqual(['cron', 'ollama'])
    expect(scan.containers).toEqual([{name: 'qdrant_service-qdrant-1', image: 'qdrant/qdrant:v1.12.4'}])
    expect(scan.addresses).toEqual(['10.0.0.155'])
    expect(scan.nginxDump).toBeUndefined()
  })
})

describe("the gateway's routes for a draft", () => {
  const conf = [
    'error_log /var/log/nginx/gw-error.log warn;',
    'http {',
    '  upstream ollama_service { server 10.0.0.155:11434; }',
    '  server {',
    '    listen 80 default_server;',
    '    server_name _;',
    '    location /ollama/ { proxy_pass http://ollama_service/; }',
    '    location = /v1/embeddings { proxy_pass http://10.0.0.141:8000; }',
    '    location /v1/embeddings/ { proxy_pass http://10.0.0.141:8000; }',
    '  }',
    '  server {',
    '    listen 80;',
    '    server_name n8n.internal.example;',
    '    location / { proxy_pass http://10.0.0.154:5678; }',
    '  }',
    '}',
  ].join('\n')
  const config = readGatewayConfig(dump({'/etc/nginx/nginx.conf': conf}), '10.0.0.153')

  it('takes the URL, the error log and the route that proxies to each service, by upstream block or URL', () => {
    expect(config).toMatchObject({url: 'http://10.0.0.153', tls: false, errorLog: '/var/log/nginx/gw-error.log'})
    expect(config.nginxConf).toBeUndefined()
    expect(routeTo(config, ['10.0.0.155'], 11434)).toMatchObject({path: '/ollama/', how: expect.stringContaining('/etc/nginx/nginx.conf:7')})
    // An exact-match location is not a prefix a service lives under: the prefix one is.
    expect(routeTo(config, ['10.0.0.141'], 8000)?.path).toBe('/v1/embeddings/')
    // On a server chosen by name, the route carries its host.
    expect(routeTo(config, ['10.0.0.154'], 5678)).toMatchObject({path: '/', host: 'n8n.internal.example'})
    expect(routeTo(config, ['10.0.0.150'], 8000)).toBeUndefined()
  })
})
