import {describe, expect, it} from 'vitest'

import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {buildRouteTable, matchRoute, passFor, upstreamPath} from '../../src/gateway/route-table.js'
import type {GatewayRoute, RouteRequest} from '../../src/gateway/route-table.js'
import {formatRoutes} from '../../src/output/routes-table.js'
import {dump, lineOf} from './dump-fixture.js'
import {ACME_SNIPPET, OPERATORS_GATEWAY, operatorsDump} from './operators-fixture.js'

/**
 * nginx as the operators write it (SirHeads/Testing-ideas, etc/nginx at 0385ea2): their nginx.conf
 * including sites-enabled/*, the committed gateway (`map $host $upstream_service` then
 * `proxy_pass $upstream_service;`), and the shapes their plans used (`map $model_name $target_upstream`
 * with upstream names as values, snippets included in a server).
 */
function routesOf(text: string): GatewayRoute[] {
  const parsed = parseNginxDump(text)
  expect(parsed.problems).toEqual([])
  return buildRouteTable(parsed.root)
}

const https = (host: string, path = '/'): RouteRequest => ({host, port: 443, tls: true, path})
const GW = '/etc/nginx/sites-enabled/gateway'

describe("the operators' committed gateway: proxy_pass $upstream_service through map $host", () => {
  const routes = routesOf(operatorsDump())
  const request = https('ollama.phoenix.thinkheads.ai', '/api/tags')
  const route = matchRoute(routes, request)!

  it('reads every value the map can give, where each is written', () => {
    expect(route.location).toMatchObject({path: '/', file: GW})
    expect(route.proxyPass).toMatchObject({url: '$upstream_service', file: GW, line: lineOf(OPERATORS_GATEWAY, 'proxy_pass $upstream_service')})
    expect(route.proxyPass?.dynamic?.candidates).toEqual([expect.objectContaining({
      url: 'https://traefik.internal.thinkheads.ai:8443', file: GW, line: lineOf(OPERATORS_GATEWAY, 'default https://traefik'),
      when: [{variable: '$upstream_service', map: '$upstream_service', key: 'default'}],
    })])
  })

  it('every host gets the default: the target is that entry, named by its own line', () => {
    const pass = passFor(route, request)!
    expect(pass.chosen?.line).toBe(lineOf(OPERATORS_GATEWAY, 'default https://traefik'))
    expect(pass.servers).toEqual([{address: 'traefik.internal.thinkheads.ai', port: 8443, file: GW, line: lineOf(OPERATORS_GATEWAY, 'default https://traefik')}])
    // With a variable in proxy_pass and no URI, the request's URI goes as sent.
    expect(upstreamPath({...route, proxyPass: pass}, '/api/tags?x=1')).toBe('/api/tags?x=1')
  })

  it('the port-80 server: ACME to Traefik, everything else 301 to https', () => {
    expect(matchRoute(routes, {host: 'ollama.internal.thinkheads.ai', port: 80, tls: false, path: '/api/tags'})?.returns).toMatchObject({status: 301, target: 'https://$host$request_uri'})
    expect(matchRoute(routes, {host: 'x.internal.thinkheads.ai', port: 80, tls: false, path: '/.well-known/acme-challenge/t'})?.proxyPass?.servers).toMatchObject([{address: '10.0.0.12', port: 80}])
  })
})

describe('map keys in nginx\'s order: exact, *.x / .x (longest), x.* (longest), regex in order, default', () => {
  const conf = `http {
    upstream vllm_pool { server 10.0.0.141:8000; }
    map $host $backend {
        hostnames;
        default                          http://10.0.0.12:80;
        ollama.internal.example.com      http://10.0.0.155:11434;
        *.llm.internal.example.com       http://vllm_pool;
        .internal.example.com            http://10.0.0.13:8080;
        n8n.*                            http://10.0.0.154:5678;
        ~^(?<svc>webui|chat)\\.           http://10.0.0.156:8080;
        ~*^QDRANT                        http://10.0.0.102:6333;
    }
    server {
        listen 443 ssl;
        server_name .internal.example.com n8n.example.org ~^(webui|chat|qdrant)\\. _;
        location / { proxy_pass $backend; }
    }
}`
  const routes = routesOf(dump({'/etc/nginx/nginx.conf': conf}))
  it.each<[string, string, string]>([
    ['ollama.internal.example.com', '10.0.0.155:11434', 'ollama.internal'],
    ['OLLAMA.internal.example.com.', '10.0.0.155:11434', 'ollama.internal'],
    ['a.llm.internal.example.com', '10.0.0.141:8000', '*.llm'],
    ['internal.example.com', '10.0.0.13:8080', '  .internal.example.com'],
    ['other.internal.example.com', '10.0.0.13:8080', '  .internal.example.com'],
    ['n8n.example.org', '10.0.0.154:5678', 'n8n.*'],
    ['chat.example.org', '10.0.0.156:8080', '~^(?<svc>'],
    ['qdrant.example.org', '10.0.0.102:6333', '~*^QDRANT'],
    ['nothing.example.net', '10.0.0.12:80', 'default '],
  ])('Host %s goes to %s, by the entry %s', (host, target, entry) => {
    const route = matchRoute(routes, https(host))!
    const pass = passFor(route, https(host))!
    expect(pass.servers.map((x) => `${x.address}:${x.port}`)).toEqual([target])
    expect(pass.chosen?.line).toBe(lineOf(conf, entry))
  })
})

describe('values phoenix cannot pin to one request: shown as candidates, never guessed', () => {
  // The operators' plans: the model name (from the body, via njs) picks an upstream block.
  const conf = `http {
    upstream qwen_service { server 10.0.0.142:8000; }
    upstream embedding_service { server 10.0.0.141:8000; }
    map $http_x_model $target_upstream {
        default embedding_service;
        "qwen-1.5-7b-chat" qwen_service;
    }
    map $host $nothing { example.com http://10.0.0.1; }
    server {
        listen 80;
        location /v1/ { proxy_pass http://$target_upstream; }
        location /none/ { proxy_pass $nothing; }
        location /unknown/ { proxy_pass http://$undefined_somewhere; }
    }
}`
  const routes = routesOf(dump({'/etc/nginx/nginx.conf': conf}))
  const plain = (path: string): RouteRequest => ({host: 'gw', port: 80, tls: false, path})

  it('a map on a request header: both upstreams are candidates, no servers chosen', () => {
    const route = matchRoute(routes, plain('/v1/chat/completions'))!
    expect(route.proxyPass?.dynamic?.candidates.map((c) => [c.upstream, c.line])).toEqual([['qwen_service', lineOf(conf, '"qwen-1.5')], ['embedding_service', lineOf(conf, 'default embedding_service')]])
    expect(passFor(route, plain('/v1/chat/completions'))).toMatchObject({servers: []})
  })

  it('a map without default for a host it has no entry for: the empty value (nginx answers 500)', () => {
    const route = matchRoute(routes, plain('/none/x'))!
    const implicit = route.proxyPass?.dynamic?.candidates.find((c) => c.url === '')
    expect(implicit).toMatchObject({unresolved: 'the value is empty: nginx answers 500', servers: []})
    expect(passFor(route, plain('/none/x'))?.chosen).toEqual(implicit)
  })

  it('a variable nobody defines: one candidate, decided per request, no servers, no throw', () => {
    const route = matchRoute(routes, plain('/unknown/x'))!
    expect(route.proxyPass).toMatchObject({url: 'http://$undefined_somewhere', servers: []})
    expect(route.proxyPass?.dynamic?.candidates).toMatchObject([{url: 'http://$undefined_somewhere', when: [], unresolved: 'http://$undefined_somewhere is decided per request'}])
    expect(passFor(route, plain('/unknown/x'))?.servers).toEqual([])
  })

  it("captures: a regex server_name's and a regex map entry's named groups fill the target", () => {
    const conf = `http {
    map $host $backend_host { ~^(?<name>[a-z]+)\\. $name.svc; default nowhere; }
    server {
        listen 80;
        server_name ~^(?<svc>[a-z]+)\\.internal\\.example\\.com$;
        location / { proxy_pass http://$svc.lan:8000; }
        location /p/ { proxy_pass http://$backend_host:7000; }
    }
}`
    const r = routesOf(dump({'/etc/nginx/nginx.conf': conf}))
    const request = {host: 'ollama.internal.example.com', port: 80, tls: false, path: '/api/tags'}
    expect(passFor(matchRoute(r, request)!, request)?.servers).toMatchObject([{address: 'ollama.lan', port: 8000}])
    const p = {...request, path: '/p/x'}
    expect(passFor(matchRoute(r, p)!, p)?.servers).toMatchObject([{address: 'ollama.svc', port: 7000, line: lineOf(conf, 'map $host')}])
  })
})

describe('set $var and include, with file and line of the file that holds them', () => {
  const main = `http {
    include /etc/nginx/conf.d/*.conf;
    server {
        listen 80;
        server_name gw.example.com;
        set $backend http://10.0.0.1:1;
        include /etc/nginx/snippets/acme_challenge.conf;
        location /ollama/ {
            set $backend http://10.0.0.155:11434/;
            include /etc/nginx/snippets/proxy-headers.conf;
            proxy_pass $backend;
        }
        location /n8n/ { proxy_pass $n8n_target; }
        location /server-level/ { proxy_pass $backend; }
    }
}`
  const maps = `map $uri $n8n_target {\n    default http://10.0.0.154:5678;\n}\n`
  const headers = 'proxy_set_header Host localhost:11434;\nproxy_set_header X-Real-IP $remote_addr;\n'
  const routes = routesOf(dump({
    '/etc/nginx/nginx.conf': main, '/etc/nginx/conf.d/maps.conf': maps,
    '/etc/nginx/snippets/acme_challenge.conf': ACME_SNIPPET, '/etc/nginx/snippets/proxy-headers.conf': headers,
  }))
  const plain = (path: string): RouteRequest => ({host: 'gw.example.com', port: 80, tls: false, path})

  it('the location\'s set wins over the server\'s; the target is named at the set line; its URI replaces the request\'s whole', () => {
    const route = matchRoute(routes, plain('/ollama/api/tags'))!
    const pass = passFor(route, plain('/ollama/api/tags'))!
    expect(pass.servers).toEqual([{address: '10.0.0.155', port: 11434, file: '/etc/nginx/nginx.conf', line: lineOf(main, '10.0.0.155')}])
    expect(upstreamPath({...route, proxyPass: pass}, '/ollama/api/tags')).toBe('/')
    expect(route.headers['host']).toEqual({value: 'localhost:11434', file: '/etc/nginx/snippets/proxy-headers.conf', line: 1})
  })

  it('a server-level set reaches the locations without one', () => {
    const route = matchRoute(routes, plain('/server-level/x'))!
    expect(passFor(route, plain('/server-level/x'))?.servers).toMatchObject([{address: '10.0.0.1', port: 1, line: lineOf(main, '10.0.0.1:1')}])
  })

  it('a map from an included file: its entry is named in that file', () => {
    const route = matchRoute(routes, plain('/n8n/x'))!
    expect(passFor(route, plain('/n8n/x'))?.chosen).toMatchObject({file: '/etc/nginx/conf.d/maps.conf', line: 2})
  })

  it('a location from a snippet included in the server: file and line are the snippet\'s', () => {
    const route = matchRoute(routes, plain('/.well-known/acme-challenge/t'))!
    expect(route.location).toMatchObject({file: '/etc/nginx/snippets/acme_challenge.conf', line: 1})
    expect(route.proxyPass).toMatchObject({file: '/etc/nginx/snippets/acme_challenge.conf', line: lineOf(ACME_SNIPPET, 'proxy_pass'), servers: [{address: '10.0.0.12', port: 80}]})
  })
})

describe('redirects that depend on the request: one server for :80 and :443, a server-level rewrite', () => {
  const conf = `http {
    server {
        listen 80;
        listen 443 ssl;
        server_name gw.example.com;
        if ($scheme = http) { return 308 https://$host$request_uri; }
        location / { proxy_pass http://10.0.0.155:11434; }
    }
    server {
        listen 80;
        server_name old.example.com;
        rewrite ^/(.*)$ https://gw.example.com/$1 permanent;
        location / { proxy_pass http://10.0.0.1:1; }
    }
    server {
        listen 80;
        server_name mixed.example.com;
        rewrite ^/legacy/ https://gw.example.com/ redirect;
        location / { proxy_pass http://10.0.0.1:1; }
    }
}`
  const routes = routesOf(dump({'/etc/nginx/nginx.conf': conf}))
  it.each<[string, boolean, string, string]>([
    ['gw.example.com', false, '/api/tags', '308 https://$host$request_uri'],
    ['gw.example.com', true, '/api/tags', 'proxy'],
    ['old.example.com', false, '/x', '301 https://gw.example.com/$1'],
    ['mixed.example.com', false, '/legacy/a', '302 https://gw.example.com/'],
    ['mixed.example.com', false, '/api', 'proxy'],
  ])('%s (tls %s) %s: %s', (host, tls, path, expected) => {
    const r = matchRoute(routes, {host, port: tls ? 443 : 80, tls, path})!
    expect(r.returns ? `${r.returns.status} ${r.returns.target}` : 'proxy').toBe(expected)
  })
})

describe('phoenix gateway routes on the operators\' gateway', () => {
  it('the variable target says it is dynamic, with the servers its values reach', () => {
    const routes = routesOf(operatorsDump())
    const report = {schemaVersion: 1 as const, gateway: {ctid: 101, url: 'https://nginx.phoenix.thinkheads.ai'}, test: {ok: true, messages: []}, routes: routes.map((route) => ({route})), unrouted: []}
    const row = formatRoutes(report, false).split('\n').find((l) => l.includes('$upstream_service'))
    expect(row).toMatch(/^\*\.phoenix\.thinkheads\.ai:443s,443s\s+\/\s+\$upstream_service \(dynamic: 1 value\)\s+traefik\.internal\.thinkheads\.ai:8443\s/)
  })
})

describe('include inside a map block (entries kept in their own file)', () => {
  it('the entry a host gets is named in the included file', () => {
    const main = 'http {\n    map $host $backend {\n        default http://10.0.0.12:80;\n        include /etc/nginx/maps/hosts.map;\n    }\n    server { listen 80; location / { proxy_pass $backend; } }\n}'
    const hosts = 'ollama.example.com http://10.0.0.155:11434;\nn8n.example.com http://10.0.0.154:5678;\n'
    const routes = routesOf(dump({'/etc/nginx/nginx.conf': main, '/etc/nginx/maps/hosts.map': hosts}))
    const request = {host: 'n8n.example.com', port: 80, tls: false, path: '/'}
    expect(passFor(matchRoute(routes, request)!, request)?.servers).toEqual([{address: '10.0.0.154', port: 5678, file: '/etc/nginx/maps/hosts.map', line: 2}])
  })
})
