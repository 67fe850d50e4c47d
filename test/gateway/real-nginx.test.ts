import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseConfigTest} from '../../src/gateway/config-test.js'
import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {buildRouteTable, matchRoute, upstreamPath} from '../../src/gateway/route-table.js'

/**
 * The parser against the real thing: Debian's nginx reads a temp config with `-T` (it parses and
 * prints, it never listens) and `-t`, and phoenix must read what it printed and agree with it.
 */
const NGINX = '/usr/sbin/nginx'

let dir = ''
const at = (rel: string): string => join(dir, rel)

function mainConf(): string {
  return `pid ${at('nginx.pid')};
events { worker_connections 16; }
http {
    client_body_temp_path ${at('tmp')};
    proxy_temp_path ${at('tmp')};
    include mime.types;
    include ${at('conf.d')}/*.conf;
    include ${at('sites-enabled')}/*;
}
`
}
const UPSTREAMS = 'upstream qwen_service {\n    server 10.0.0.150:8000;\n}\nmap $http_upgrade $connection_upgrade {\n    default upgrade;\n    \'\' close;\n}\n'
const GATEWAY = `server {
    listen 127.0.0.1:8953;
    server_name api.phoenix.local;
    proxy_set_header Host $host;

    location ~ ^/v1/(chat/)?completions$ {
        proxy_pass http://qwen_service;
    }
    location /n8n/ {
        proxy_pass http://10.0.0.154:5678/;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
    location /qdrant/ {
        rewrite ^/qdrant/?(.*)$ /$1 break;
        proxy_pass http://10.0.0.152:6333;
    }
}
`
const MISPLACED = `${GATEWAY}
location /ollama/ {
    proxy_pass http://10.0.0.155:11434/;
}
`

async function write(files: Record<string, string>): Promise<void> {
  await rm(at('sites-enabled'), {recursive: true, force: true})
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(at(rel)), {recursive: true})
    await writeFile(at(rel), text)
  }
}

function nginx(flag: '-T' | '-t'): {stdout: string; stderr: string; status: number} {
  const r = spawnSync(NGINX, [flag, '-p', `${dir}/`, '-c', at('nginx.conf'), '-e', 'stderr'], {encoding: 'utf8', timeout: 15_000})
  return {stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1}
}

describe.skipIf(!existsSync(NGINX))('against Debian\'s nginx', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-nginx-'))
    await mkdir(at('tmp'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('reads the files, routes and lines of real `nginx -T` output', async () => {
    await write({'nginx.conf': mainConf(), 'mime.types': 'types {\n    text/html html;\n}\n', 'conf.d/upstreams.conf': UPSTREAMS, 'sites-enabled/gateway': GATEWAY})
    const run = nginx('-T')
    expect(parseConfigTest(run.stderr, run.status)).toMatchObject({ok: true, messages: [], mainFile: at('nginx.conf')})
    const parsed = parseNginxDump(run.stdout)
    expect(parsed.problems).toEqual([])
    expect(parsed.files).toEqual([at('nginx.conf'), at('mime.types'), at('conf.d/upstreams.conf'), at('sites-enabled/gateway')])
    const routes = buildRouteTable(parsed.root)
    const request = {host: 'api.phoenix.local', port: 8953, tls: false, address: '127.0.0.1'}
    const n8n = matchRoute(routes, {...request, path: '/n8n/rest/push'})
    expect(n8n).toMatchObject({location: {path: '/n8n/', file: at('sites-enabled/gateway'), line: 9}, websocket: true})
    expect(n8n?.proxyPass?.servers).toMatchObject([{address: '10.0.0.154', port: 5678, line: 10}])
    expect(n8n && upstreamPath(n8n, '/n8n/rest/push')).toBe('/rest/push')
    const chat = matchRoute(routes, {...request, path: '/v1/chat/completions'})
    expect(chat?.proxyPass?.servers).toMatchObject([{address: '10.0.0.150', port: 8000, file: at('conf.d/upstreams.conf'), line: 2}])
    expect(chat?.headers['host']).toMatchObject({value: '$host', line: 4})
  })

  it('names a location outside its server where `nginx -t` does', async () => {
    const files = {'nginx.conf': mainConf(), 'mime.types': 'types {\n    text/html html;\n}\n', 'conf.d/upstreams.conf': UPSTREAMS, 'sites-enabled/gateway': MISPLACED}
    await write(files)
    const run = nginx('-t')
    const test = parseConfigTest(run.stderr, run.status)
    expect(test.ok).toBe(false)
    const emerg = test.messages.filter((m) => m.level === 'emerg')
    expect(emerg).toEqual([{level: 'emerg', text: '"location" directive is not allowed here', file: at('sites-enabled/gateway'), line: 20}])
    // nginx -T prints nothing for a config that fails: read the same files in its format.
    const dump = Object.entries(files).map(([rel, text]) => `# configuration file ${at(rel)}:\n${text}\n`).join('')
    expect(parseNginxDump(dump).problems).toEqual([{file: emerg[0]?.file, line: emerg[0]?.line, message: emerg[0]?.text}])
  })
})
