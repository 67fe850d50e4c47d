import {describe, expect, it} from 'vitest'

import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import type {Directive} from '../../src/gateway/nginx-dump.js'
import {dump, lineOf} from './dump-fixture.js'

// Debian 12's /etc/nginx/nginx.conf as installed (comments trimmed), with its three includes.
const DEBIAN_MAIN = `user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {
\tsendfile on;
\ttcp_nopush on;
\ttypes_hash_max_size 2048;
\t# server_tokens off;

\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;

\tssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
\tssl_prefer_server_ciphers on;
\taccess_log /var/log/nginx/access.log;
\tgzip on;

\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
`
const MIME = `types {
    text/html                                        html htm shtml;
    application/json                                 json;
}
`
const DEBIAN_DEFAULT = `server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\troot /var/www/html;
\tindex index.html index.htm index.nginx-debian.html;
\tserver_name _;
\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
}
`
// The operators' gateway before the enhancement plan (seed 002 §1): upstream blocks, a map on the
// model name, a custom log format, and `location /qdrant/` written after the server's closing brace.
const SEED_GATEWAY = `upstream embedding_service {
    server 10.0.0.151:8000;
}

upstream qwen_service {
    server 10.0.0.150:8000;
}

upstream qdrant_service {
    server 10.0.0.152:6333;
}

map $model_name $target_upstream {
    default                     qwen_service;
    "granite-embedding-english" embedding_service;
}

log_format gateway '$remote_addr [$time_local] "$request" $status model="$model_name" ua="$target_upstream"';

server {
    listen 80;
    server_name api.yourdomain.com 10.0.0.153;
    access_log /var/log/nginx/vllm_gateway.log gateway;

    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;

    location /v1/chat/completions {
        proxy_pass http://$target_upstream;
    }

    location /v1/embeddings {
        proxy_pass http://embedding_service;
    }
}

location /qdrant/ {
    rewrite ^/qdrant/?(.*)$ /$1 break;
    proxy_pass http://qdrant_service;
}
`

describe('parseNginxDump: problems as nginx -t names them', () => {
  it.each<[string, Record<string, string>, {file: string; line: number; message: string}[]]>([
    ['a block left open', {'/etc/nginx/nginx.conf': 'events {\n  worker_connections 1;\n'}, [{file: '/etc/nginx/nginx.conf', line: 3, message: 'unexpected end of file, expecting "}"'}]],
    ['a stray }', {'/etc/nginx/nginx.conf': 'events { }\n}\n'}, [{file: '/etc/nginx/nginx.conf', line: 2, message: 'unexpected "}"'}]],
    ['a missing ;', {'/etc/nginx/nginx.conf': 'worker_processes 1'}, [{file: '/etc/nginx/nginx.conf', line: 1, message: 'unexpected end of file, expecting ";" or "}"'}]],
    ['a lone ;', {'/etc/nginx/nginx.conf': 'events { }\n;'}, [{file: '/etc/nginx/nginx.conf', line: 2, message: 'unexpected ";"'}]],
    ['an unterminated quote', {'/etc/nginx/nginx.conf': 'http { add_header X "open;\n}\n'}, [{file: '/etc/nginx/nginx.conf', line: 3, message: 'unexpected end of file, expecting ";" or "}"'}, {file: '/etc/nginx/nginx.conf', line: 3, message: 'unexpected end of file, expecting "}"'}]],
    ['a location without a block', {'/etc/nginx/nginx.conf': 'http {\n server {\n  location /x;\n }\n}'}, [{file: '/etc/nginx/nginx.conf', line: 3, message: 'directive "location" has no opening "{"'}]],
    ['proxy_pass with two URLs', {'/etc/nginx/nginx.conf': 'http {\n server {\n  location / { proxy_pass http://a http://b; }\n }\n}'}, [{file: '/etc/nginx/nginx.conf', line: 3, message: 'invalid number of arguments in "proxy_pass" directive'}]],
    ['an include missing from the dump', {'/etc/nginx/nginx.conf': 'http {\n  include /etc/nginx/api_keys.conf;\n}'}, [{file: '/etc/nginx/nginx.conf', line: 2, message: 'open() "/etc/nginx/api_keys.conf" failed: the file is not in the nginx -T dump'}]],
    ['a } at the top of an included file', {'/etc/nginx/nginx.conf': 'http {\n  include conf.d/*.conf;\n}', '/etc/nginx/conf.d/a.conf': 'server { }\n}\n'}, [{file: '/etc/nginx/conf.d/a.conf', line: 2, message: 'unexpected "}"'}]],
  ])('%s', (_, files, problems) => {
    expect(parseNginxDump(dump(files)).problems).toEqual(problems)
  })

  it('names the seed gateway\'s location outside its server block, where nginx -t does', () => {
    const {problems} = parseNginxDump(dump({'/etc/nginx/nginx.conf': DEBIAN_MAIN, '/etc/nginx/mime.types': MIME, '/etc/nginx/sites-enabled/vllm_gateway': SEED_GATEWAY}))
    expect(problems).toEqual([{file: '/etc/nginx/sites-enabled/vllm_gateway', line: lineOf(SEED_GATEWAY, 'location /qdrant/'), message: '"location" directive is not allowed here'}])
  })

  it('catches the log_format that seed 002\'s recommended config puts inside its server block', () => {
    const site = 'server {\n    listen 80;\n    log_format main_ext \'$remote_addr\';\n}\n'
    const {problems} = parseNginxDump(dump({'/etc/nginx/nginx.conf': 'http {\n  include /etc/nginx/sites-enabled/*;\n}\n', '/etc/nginx/sites-enabled/vllm_gateway': site}))
    expect(problems).toEqual([{file: '/etc/nginx/sites-enabled/vllm_gateway', line: 3, message: '"log_format" directive is not allowed here'}])
  })

  it.each(['', 'garbage', '{{{', '}}}', '"', '# configuration file /x:\n"never closed', '# configuration file /x:\n{ ; } } ;;'])('never throws on %j', (text) => {
    expect(() => parseNginxDump(text)).not.toThrow()
  })
})

describe('parseNginxDump: includes resolved by the dump', () => {
  const files = {
    '/etc/nginx/nginx.conf': DEBIAN_MAIN,
    '/etc/nginx/mime.types': MIME,
    '/etc/nginx/conf.d/upstreams.conf': 'upstream qwen_service {\n    server 10.0.0.150:8000;\n}\n',
    '/etc/nginx/sites-enabled/vllm_gateway': 'server {\n    listen 80;\n    server_name api.phoenix.local;\n}\n',
    '/etc/nginx/sites-enabled/default': DEBIAN_DEFAULT,
  }
  const parsed = parseNginxDump(dump(files))
  const http = parsed.root.find((d) => d.name === 'http')
  const where = (d: Directive | undefined): string => (d ? `${d.name}@${d.file}:${d.line}` : 'none')

  it('lists the files in dump order, the main file first, and finds no problem', () => {
    expect(parsed.files).toEqual(Object.keys(files))
    expect(parsed.problems).toEqual([])
  })

  it('splices included directives in place, each keeping its own file and line', () => {
    const names = http?.block?.map((d) => d.name)
    expect(names?.slice(3, 5)).toEqual(['types', 'default_type'])
    expect(where(http?.block?.find((d) => d.name === 'types'))).toBe('types@/etc/nginx/mime.types:1')
    expect(where(http?.block?.find((d) => d.name === 'upstream'))).toBe('upstream@/etc/nginx/conf.d/upstreams.conf:1')
  })

  it('expands sites-enabled/* in sorted order, as glob(3) does', () => {
    const servers = http?.block?.filter((d) => d.name === 'server').map((d) => d.file)
    expect(servers).toEqual(['/etc/nginx/sites-enabled/default', '/etc/nginx/sites-enabled/vllm_gateway'])
  })

  it('resolves a relative include against the main file\'s directory', () => {
    const rel = parseNginxDump(dump({'/etc/nginx/nginx.conf': 'http { include mime.types; }', '/etc/nginx/mime.types': MIME}))
    expect(rel.problems).toEqual([])
    expect(rel.root[0]?.block?.[0]?.file).toBe('/etc/nginx/mime.types')
  })

  it('reads a file only once even when included twice, and stops a file including itself', () => {
    const twice = parseNginxDump(dump({'/etc/nginx/nginx.conf': 'http {\n server { include snippets/p.conf; }\n server { include snippets/p.conf; }\n}', '/etc/nginx/snippets/p.conf': 'proxy_set_header Host $host;\n'}))
    expect(twice.root[0]?.block?.map((s) => s.block?.[0]?.name)).toEqual(['proxy_set_header', 'proxy_set_header'])
    const loop = parseNginxDump(dump({'/etc/nginx/nginx.conf': 'include /etc/nginx/nginx.conf;'}))
    expect(loop.problems).toEqual([{file: '/etc/nginx/nginx.conf', line: 1, message: '"/etc/nginx/nginx.conf" includes itself'}])
  })
})

describe('parseNginxDump on other output', () => {
  it('reports output that is not nginx -T', () => {
    expect(parseNginxDump('nginx: configuration file /etc/nginx/nginx.conf test failed\n').problems[0]?.message).toMatch(/not `nginx -T` output/)
  })
})
