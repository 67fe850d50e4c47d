import {describe, expect, it} from 'vitest'

import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {buildRouteTable, matchRoute, upstreamPath} from '../../src/gateway/route-table.js'
import type {GatewayRoute, RouteRequest} from '../../src/gateway/route-table.js'
import {dump, lineOf} from './dump-fixture.js'

function routesOf(files: Record<string, string>): GatewayRoute[] {
  const parsed = parseNginxDump(dump(files))
  expect(parsed.problems).toEqual([])
  return buildRouteTable(parsed.root)
}

const MAIN = `user www-data;
worker_processes auto;
pid /run/nginx.pid;
events {
\tworker_connections 768;
}
http {
\tsendfile on;
\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;
\taccess_log /var/log/nginx/access.log;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
`
const UPSTREAMS = `upstream qwen_service {
    server 10.0.0.150:8000;
}
upstream embedding_service {
    server 10.0.0.151:8000 max_fails=3 fail_timeout=10s;
}
upstream qdrant_service {
    server 10.0.0.152:6333;
}
upstream ollama_service {
    server 10.0.0.155:11434;
}
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}
`
const DEFAULT_SITE = `server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\troot /var/www/html;
\tserver_name _;
\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
}
`
// The gateway the operators' plans describe (seeds 000, 002, 003, 004), with its usual traps:
// a static-file regex that outranks prefix routes, a location whose own proxy_set_header drops the
// server's, and llama.cpp proxied without a URI (its prefix reaches llama-server).
const GATEWAY = `server {
    listen 80;
    server_name api.phoenix.local 10.0.0.153;

    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

    location = /v1/embeddings {
        proxy_pass http://embedding_service;
    }
    location ~ ^/v1/(chat/)?completions$ {
        proxy_pass http://qwen_service;
    }
    location /v1/ {
        proxy_pass http://qwen_service;
    }
    location ^~ /qdrant/ {
        rewrite ^/qdrant/?(.*)$ /$1 break;
        proxy_pass http://qdrant_service;
    }
    location ~* \\.(css|js|png)$ {
        root /var/www/static;
    }
    location /n8n/ {
        proxy_pass http://10.0.0.154:5678/;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
    location /ollama/ {
        proxy_pass http://ollama_service/;
        proxy_set_header Host localhost:11434;
    }
    location /webui/ {
        proxy_pass http://10.0.0.156:8080/;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /llamacpp/ {
        proxy_pass http://10.0.0.157:8081;
    }
}
`
const N8N_TLS = `server {
    listen 80;
    server_name n8n.phoenix.local;
    return 301 https://$host$request_uri;
}

server {
    listen 443 ssl;
    server_name n8n.phoenix.local;
    ssl_certificate /etc/nginx/ssl/n8n.phoenix.local.crt;
    ssl_certificate_key /etc/nginx/ssl/n8n.phoenix.local.key;

    location / {
        proxy_pass http://127.0.0.1:5678;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
}
`
const FILES = {
  '/etc/nginx/nginx.conf': MAIN,
  '/etc/nginx/mime.types': 'types {\n    text/html html;\n}\n',
  '/etc/nginx/conf.d/upstreams.conf': UPSTREAMS,
  '/etc/nginx/sites-enabled/default': DEFAULT_SITE,
  '/etc/nginx/sites-enabled/n8n_proxy': N8N_TLS,
  '/etc/nginx/sites-enabled/vllm_gateway': GATEWAY,
}
const routes = routesOf(FILES)
const at = (path: string, host = 'api.phoenix.local'): GatewayRoute => {
  const r = routes.find((x) => x.location.path === path && x.server.serverNames.includes(host) && !x.location.implicit)
  if (!r) throw new Error(`no route ${path} on ${host}`)
  return r
}
const describeRoute = (r: GatewayRoute | undefined): string =>
  r ? `${r.server.serverNames[0] ?? ''} ${[r.location.modifier, r.location.path].filter(Boolean).join(' ')}` : 'none'

describe('buildRouteTable', () => {
  it('has one route per location, the redirect server an implicit one, and no route from outside http', () => {
    expect(routes.map(describeRoute)).toEqual([
      '_ /', 'n8n.phoenix.local /', 'n8n.phoenix.local /',
      'api.phoenix.local = /v1/embeddings', 'api.phoenix.local ~ ^/v1/(chat/)?completions$', 'api.phoenix.local /v1/',
      'api.phoenix.local ^~ /qdrant/', 'api.phoenix.local ~* \\.(css|js|png)$', 'api.phoenix.local /n8n/',
      'api.phoenix.local /ollama/', 'api.phoenix.local /webui/', 'api.phoenix.local /llamacpp/',
    ])
    expect(routes[1]?.location.implicit).toBe(true)
    expect(routes[1]?.returns).toMatchObject({status: 301, target: 'https://$host$request_uri'})
  })

  it('reads listens and TLS', () => {
    expect(routes[0]?.server).toMatchObject({listen: ['80 default_server', '[::]:80 default_server'], tls: false})
    expect(routes[2]?.server).toMatchObject({listen: ['443 ssl'], listens: [{address: '*', port: 443, ssl: true, defaultServer: false}], tls: true})
  })

  it.each<[string, string, string | undefined, string, number, string, number]>([
    ['/v1/embeddings', 'api.phoenix.local', 'embedding_service', '10.0.0.151', 8000, '/etc/nginx/conf.d/upstreams.conf', lineOf(UPSTREAMS, '10.0.0.151')],
    ['/v1/', 'api.phoenix.local', 'qwen_service', '10.0.0.150', 8000, '/etc/nginx/conf.d/upstreams.conf', lineOf(UPSTREAMS, '10.0.0.150')],
    ['/ollama/', 'api.phoenix.local', 'ollama_service', '10.0.0.155', 11434, '/etc/nginx/conf.d/upstreams.conf', lineOf(UPSTREAMS, '10.0.0.155')],
    ['/n8n/', 'api.phoenix.local', undefined, '10.0.0.154', 5678, '/etc/nginx/sites-enabled/vllm_gateway', lineOf(GATEWAY, '10.0.0.154')],
    ['/', 'n8n.phoenix.local', undefined, '127.0.0.1', 5678, '/etc/nginx/sites-enabled/n8n_proxy', lineOf(N8N_TLS, '127.0.0.1')],
  ])('%s on %s goes to upstream %s: %s:%i at %s:%i', (path, host, upstream, address, port, file, line) => {
    const pass = at(path, host).proxyPass
    expect(pass?.upstream).toBe(upstream)
    expect(pass?.servers).toMatchObject([{address, port, file, line}])
  })

  it('keeps an upstream server\'s parameters and the proxy_pass as written', () => {
    expect(at('/v1/embeddings').proxyPass).toMatchObject({url: 'http://embedding_service', servers: [{params: ['max_fails=3', 'fail_timeout=10s']}]})
    expect(at('/v1/embeddings').proxyPass?.uriPart).toBeUndefined()
    expect(at('/n8n/').proxyPass?.uriPart).toBe('/')
  })

  it.each<[string, string, string | undefined, string[], string | undefined, number | undefined]>([
    ['inherits the server\'s list', '/v1/', 'server', ['host', 'x-real-ip', 'x-forwarded-for'], '$host', lineOf(GATEWAY, 'Host $host')],
    ['its own list drops the server\'s (no X-Real-IP)', '/n8n/', 'location', ['host', 'upgrade', 'connection'], '$host', lineOf(GATEWAY, '        proxy_set_header Host $host')],
    ['Ollama gets the Host it accepts', '/ollama/', 'location', ['host'], 'localhost:11434', lineOf(GATEWAY, 'localhost:11434')],
    ['no Host of its own: nginx sends $proxy_host', '/webui/', 'location', ['upgrade', 'connection'], undefined, undefined],
  ])('proxy_set_header: %s', (_, path, from, names, host, line) => {
    const r = at(path)
    expect(r.headersFrom).toBe(from)
    expect(Object.keys(r.headers)).toEqual(names)
    expect(r.headers['host']?.value).toBe(host)
    expect(r.headers['host']?.line).toBe(line)
  })

  it('inherits proxy_set_header from the http block when server and location set none', () => {
    const main = 'http {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    server {\n        location / { proxy_pass http://10.0.0.1; }\n    }\n}\n'
    const [r] = routesOf({'/etc/nginx/nginx.conf': main})
    expect(r?.headersFrom).toBe('http')
    expect(r?.headers).toEqual({'x-forwarded-proto': {value: '$scheme', file: '/etc/nginx/nginx.conf', line: 2}})
  })

  it.each<[string, string, boolean]>([
    ['/n8n/', 'api.phoenix.local', true],
    ['/webui/', 'api.phoenix.local', true],
    ['/', 'n8n.phoenix.local', true],
    ['/v1/', 'api.phoenix.local', false],
    ['/ollama/', 'api.phoenix.local', false],
  ])('websocket on %s (%s): %s', (path, host, ws) => {
    expect(at(path, host).websocket).toBe(ws)
  })

  it('reads a rewrite with its flag and place', () => {
    expect(at('/qdrant/').rewrites).toEqual([{from: '^/qdrant/?(.*)$', to: '/$1', flag: 'break', file: '/etc/nginx/sites-enabled/vllm_gateway', line: lineOf(GATEWAY, 'rewrite')}])
  })
})

describe('matchRoute', () => {
  const api = (path: string): RouteRequest => ({host: 'api.phoenix.local', port: 80, tls: false, path})
  it.each<[string, RouteRequest, string]>([
    ['exact route', api('/v1/embeddings'), 'api.phoenix.local = /v1/embeddings'],
    ['regex beats the /v1/ prefix', api('/v1/chat/completions'), 'api.phoenix.local ~ ^/v1/(chat/)?completions$'],
    ['regex, second form', api('/v1/completions'), 'api.phoenix.local ~ ^/v1/(chat/)?completions$'],
    ['longest prefix when no regex matches', api('/v1/models'), 'api.phoenix.local /v1/'],
    ['^~ stops the regex search', api('/qdrant/dashboard/app.js'), 'api.phoenix.local ^~ /qdrant/'],
    ['the static regex steals n8n\'s assets from its prefix', api('/n8n/assets/index.js'), 'api.phoenix.local ~* \\.(css|js|png)$'],
    ['case-insensitive regex', api('/webui/logo.PNG'), 'api.phoenix.local ~* \\.(css|js|png)$'],
    ['query string ignored', api('/n8n/rest/push?pushRef=a.js'), 'api.phoenix.local /n8n/'],
    ['by address in Host, with its port', {host: '10.0.0.153:80', port: 80, tls: false, path: '/ollama/api/tags'}, 'api.phoenix.local /ollama/'],
    ['unknown host: default_server', {host: 'other.example', port: 80, tls: false, path: '/v1/models'}, '_ /'],
    ['no Host: default_server', {port: 80, tls: false, path: '/'}, '_ /'],
    ['TLS virtual host', {host: 'n8n.phoenix.local', port: 443, tls: true, path: '/rest/push'}, 'n8n.phoenix.local /'],
    ['host case and trailing dot', {host: 'N8N.Phoenix.Local.', port: 443, tls: true, path: '/'}, 'n8n.phoenix.local /'],
    ['plain HTTP to the TLS name: the redirect server', {host: 'n8n.phoenix.local', port: 80, tls: false, path: '/'}, 'n8n.phoenix.local /'],
    ['plain HTTP to an ssl-only port', {host: 'n8n.phoenix.local', port: 443, tls: false, path: '/'}, 'none'],
    ['no server on the port', {host: 'api.phoenix.local', port: 8080, tls: false, path: '/'}, 'none'],
  ])('%s', (_, request, expected) => {
    expect(describeRoute(matchRoute(routes, request))).toBe(expected)
  })

  it('picks the redirect, not the TLS server, for plain HTTP', () => {
    expect(matchRoute(routes, {host: 'n8n.phoenix.local', port: 80, tls: false, path: '/'})?.returns?.status).toBe(301)
  })

  it('answers /n8n with the 301 to /n8n/ that nginx sends for a proxied prefix', () => {
    const r = matchRoute(routes, api('/n8n'))
    expect(describeRoute(r)).toBe('api.phoenix.local /n8n/')
    expect(r?.returns).toMatchObject({status: 301, target: '/n8n/', line: lineOf(GATEWAY, 'location /n8n/')})
    expect(at('/n8n/').returns).toBeUndefined()
  })
})

describe('upstreamPath on the gateway', () => {
  it.each<[string, GatewayRoute, string, string]>([
    ['trailing slash strips the prefix (n8n)', at('/n8n/'), '/n8n/rest/push?pushRef=abc', '/rest/push?pushRef=abc'],
    ['proxy_pass without a URI keeps the path (n8n over TLS)', at('/', 'n8n.phoenix.local'), '/rest/push', '/rest/push'],
    ['proxy_pass without a URI keeps the prefix (llama.cpp sees /llamacpp/)', at('/llamacpp/'), '/llamacpp/health', '/llamacpp/health'],
    ['the upstream\'s slash strips /ollama/', at('/ollama/'), '/ollama/api/tags', '/api/tags'],
    ['rewrite … break strips /qdrant/', at('/qdrant/'), '/qdrant/collections', '/collections'],
    ['rewrite of the bare prefix', at('/qdrant/'), '/qdrant/', '/'],
    ['exact route, no URI', at('/v1/embeddings'), '/v1/embeddings', '/v1/embeddings'],
  ])('%s', (_, route, path, expected) => {
    expect(upstreamPath(route, path)).toBe(expected)
  })
})
