import {describe, expect, it} from 'vitest'

import {auditHardening} from '../../src/gateway/hardening.js'
import type {HardeningFinding} from '../../src/model/nginx.js'
import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {buildRouteTable} from '../../src/gateway/route-table.js'
import {dump, lineOf} from './dump-fixture.js'

function audit(files: Record<string, string>, apiPaths: string[]): HardeningFinding[] {
  const parsed = parseNginxDump(dump(files))
  expect(parsed.problems).toEqual([])
  return auditHardening(parsed.root, buildRouteTable(parsed.root), apiPaths)
}

const ids = (findings: HardeningFinding[]): string[] => findings.map((f) => f.id)

// Debian's nginx.conf (server_tokens commented out, as shipped) with seed 002's recommended
// gateway, its log_format moved to http where nginx accepts it.
const DEBIAN_MAIN = `user www-data;
worker_processes auto;
pid /run/nginx.pid;
events {
\tworker_connections 768;
}
http {
\tsendfile on;
\t# server_tokens off;
\tinclude /etc/nginx/mime.types;
\taccess_log /var/log/nginx/access.log;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
`
const SEED_GATEWAY = `upstream vllm_service {
    server 10.0.0.151:8000;
}
upstream qdrant_service {
    server 10.0.0.152:6333;
}
server {
    listen 80;
    server_name api.yourdomain.com;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    location /v1/ {
        proxy_pass http://vllm_service;
    }
    location /qdrant/ {
        rewrite ^/qdrant/?(.*)$ /$1 break;
        proxy_pass http://qdrant_service;
    }
}
`
const SEED = {'/etc/nginx/nginx.conf': DEBIAN_MAIN, '/etc/nginx/mime.types': 'types { text/html html; }\n', '/etc/nginx/sites-enabled/vllm_gateway': SEED_GATEWAY}

// Every practice of the plans applied: version hidden, TLS with port 80 only redirecting, the
// security headers once in http, a rate limit for the whole server, an API key on the API routes.
const HARDENED_MAIN = `user www-data;
worker_processes auto;
pid /run/nginx.pid;
events { worker_connections 768; }
http {
    server_tokens off;
    limit_req_zone $binary_remote_addr zone=gateway:10m rate=10r/s;
    map $http_authorization $api_key_valid {
        default 0;
        "Bearer s3cret" 1;
    }
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    add_header X-Frame-Options SAMEORIGIN always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "default-src 'self'" always;
    include /etc/nginx/sites-enabled/*;
}
`
const HARDENED_SITE = `upstream vllm_service {
    server 10.0.0.151:8000;
}
server {
    listen 80;
    server_name api.phoenix.local;
    return 301 https://$host$request_uri;
}
server {
    listen 443 ssl;
    server_name api.phoenix.local;
    ssl_certificate /etc/nginx/ssl/api.phoenix.local.crt;
    ssl_certificate_key /etc/nginx/ssl/api.phoenix.local.key;
    limit_req zone=gateway burst=20 nodelay;
    location /v1/ {
        if ($api_key_valid = 0) {
            return 401;
        }
        proxy_pass http://vllm_service;
    }
    location /qdrant/ {
        auth_request /auth;
        proxy_pass http://10.0.0.152:6333/;
    }
    location /n8n/ {
        proxy_pass http://10.0.0.154:5678/;
    }
}
`
const API = ['/v1/', '/qdrant/']
const hardened = (main = HARDENED_MAIN, site = HARDENED_SITE): Record<string, string> => ({'/etc/nginx/nginx.conf': main, '/etc/nginx/sites-enabled/gateway': site})

describe('auditHardening on the seed gateway', () => {
  const findings = audit(SEED, API)
  const httpLine = lineOf(DEBIAN_MAIN, 'http {')
  const find = (id: string, line?: number): HardeningFinding | undefined => findings.find((f) => f.id === id && (line === undefined || f.line === line))

  it('finds every missing practice but HSTS (no TLS server to send it)', () => {
    expect(ids(findings)).toEqual(['server_tokens', 'tls_missing', 'x_frame_options', 'x_content_type_options', 'csp', 'rate_limit', 'auth_missing', 'rate_limit', 'auth_missing'])
  })

  it('says where server_tokens off goes', () => {
    expect(find('server_tokens')).toMatchObject({file: '/etc/nginx/nginx.conf', line: httpLine, fix: `server_tokens off; in the http block of /etc/nginx/nginx.conf (line ${httpLine})`})
  })

  it.each<[string, string, number, RegExp]>([
    ['tls_missing', '/etc/nginx/sites-enabled/vllm_gateway', lineOf(SEED_GATEWAY, 'server {'), /listen 443 ssl; ssl_certificate \/etc\/nginx\/ssl\/api\.yourdomain\.com\.crt;.*return 301 https:\/\/\$host\$request_uri;/],
    ['x_frame_options', '/etc/nginx/sites-enabled/vllm_gateway', lineOf(SEED_GATEWAY, 'server {'), /^add_header X-Frame-Options SAMEORIGIN always; in the server block at \/etc\/nginx\/sites-enabled\/vllm_gateway:7$/],
    ['rate_limit', '/etc/nginx/sites-enabled/vllm_gateway', lineOf(SEED_GATEWAY, 'location /v1/'), /^limit_req zone=api burst=20 nodelay; in the location \/v1\/ at .*vllm_gateway:12; and limit_req_zone \$binary_remote_addr zone=api:10m rate=10r\/s; in the http block of \/etc\/nginx\/nginx.conf/],
    ['auth_missing', '/etc/nginx/sites-enabled/vllm_gateway', lineOf(SEED_GATEWAY, 'location /qdrant/'), /if \(\$api_key_valid = 0\) \{ return 401; \} in the location \/qdrant\//],
  ])('%s at %s:%i', (id, file, line, fix) => {
    expect(find(id, line)).toMatchObject({file, line})
    expect(find(id, line)?.fix).toMatch(fix)
  })

  it('finds the API route nginx would choose when the path is not a location of its own', () => {
    expect(audit(SEED, ['/v1/embeddings']).filter((f) => f.id === 'rate_limit').map((f) => f.line)).toEqual([lineOf(SEED_GATEWAY, 'location /v1/')])
  })
})

describe('auditHardening: each practice, and its absence on a hardened config', () => {
  it('finds nothing on the hardened config', () => {
    expect(audit(hardened(), API)).toEqual([])
  })

  it.each<[string, string, string, string[]]>([
    ['server_tokens left on', 'server_tokens off;', '', ['server_tokens']],
    ['server_tokens build', 'server_tokens off;', 'server_tokens build;', ['server_tokens']],
    ['no HSTS', 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;', '', ['hsts']],
    ['no X-Frame-Options', 'add_header X-Frame-Options SAMEORIGIN always;', '', ['x_frame_options']],
    ['no X-Content-Type-Options', 'add_header X-Content-Type-Options nosniff always;', '', ['x_content_type_options']],
    ['no CSP', `add_header Content-Security-Policy "default-src 'self'" always;`, '', ['csp']],
  ])('http block: %s', (_, from, to, expected) => {
    expect(ids(audit(hardened(HARDENED_MAIN.replace(from, to)), API))).toEqual(expected)
  })

  it.each<[string, string, string, string[]]>([
    ['port 80 serving instead of redirecting', 'return 301 https://$host$request_uri;', 'location / { proxy_pass http://10.0.0.156:8080/; }', ['tls_missing']],
    ['no rate limit', 'limit_req zone=gateway burst=20 nodelay;', '', ['rate_limit', 'rate_limit']],
    ['no API key on /v1/', 'if ($api_key_valid = 0) {\n            return 401;\n        }', '', ['auth_missing']],
    ['auth_request turned off', 'auth_request /auth;', 'auth_request off;', ['auth_missing']],
    ['server_tokens back on in a location', 'location /n8n/ {', 'location /n8n/ {\n        server_tokens on;', ['server_tokens']],
  ])('site: %s', (_, from, to, expected) => {
    expect(ids(audit(hardened(HARDENED_MAIN, HARDENED_SITE.replace(from, to)), API))).toEqual(expected)
  })

  it('uses the limit_req_zone that exists in its fix', () => {
    const site = HARDENED_SITE.replace('limit_req zone=gateway burst=20 nodelay;', '')
    const [f] = audit(hardened(HARDENED_MAIN, site), API)
    expect(f?.fix).toBe(`limit_req zone=gateway burst=20 nodelay; in the location /v1/ at /etc/nginx/sites-enabled/gateway:${lineOf(site, 'location /v1/')}`)
  })

  it('names the location whose own add_header drops the inherited security headers', () => {
    const site = HARDENED_SITE.replace('location /n8n/ {', 'location /n8n/ {\n        add_header X-Served-By n8n;')
    const findings = audit(hardened(HARDENED_MAIN, site), API)
    expect(ids(findings)).toEqual(['hsts', 'x_frame_options', 'x_content_type_options', 'csp'])
    expect(findings.map((f) => `${f.file}:${f.line}`)).toEqual(Array(4).fill(`/etc/nginx/sites-enabled/gateway:${lineOf(site, 'location /n8n/')}`))
    expect(findings[0]?.fix).toBe(`add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always; in location /n8n/ at /etc/nginx/sites-enabled/gateway:${lineOf(site, 'location /n8n/')}`)
  })

  it('asks for the header in the server and in each location that drops it, when the server has none', () => {
    const main = HARDENED_MAIN.replace('add_header X-Frame-Options SAMEORIGIN always;', '')
    const site = HARDENED_SITE.replace('location /n8n/ {', 'location /n8n/ {\n        add_header X-Served-By n8n;')
    const xfo = audit(hardened(main, site), API).filter((f) => f.id === 'x_frame_options')
    expect(xfo).toHaveLength(1)
    expect(xfo[0]?.fix).toMatch(/in the server block at \/etc\/nginx\/sites-enabled\/gateway:\d+, and in each location with add_header of its own: location \/n8n\/ \(\/etc\/nginx\/sites-enabled\/gateway:\d+\)$/)
  })
})

describe("the operators' port-80 server: ACME challenges to Traefik, everything else 301 to https", () => {
  it('is the redirect server (no tls_missing, no headers asked of it), its ACME location notwithstanding', async () => {
    const {operatorsDump} = await import('./operators-fixture.js')
    const parsed = parseNginxDump(operatorsDump())
    const findings = auditHardening(parsed.root, buildRouteTable(parsed.root), ['/'])
    expect(findings.filter((f) => f.file === '/etc/nginx/sites-enabled/gateway' && f.line === 2)).toEqual([])
  })
})
