import {describe, expect, it} from 'vitest'

import {parseNginxDump} from '../../src/gateway/nginx-dump.js'
import {buildRouteTable, matchRoute, upstreamPath} from '../../src/gateway/route-table.js'
import type {GatewayRoute} from '../../src/gateway/route-table.js'

/** Routes of a single nginx.conf, which must parse cleanly. */
function routesOf(conf: string): GatewayRoute[] {
  const parsed = parseNginxDump(`# configuration file /etc/nginx/nginx.conf:\n${conf}\n`)
  expect(parsed.problems).toEqual([])
  return buildRouteTable(parsed.root)
}

const label = (r: GatewayRoute | undefined): string =>
  r ? `${r.returns?.status ?? ''} ${[r.location.modifier, r.location.path].filter(Boolean).join(' ')} ${r.returns?.target ?? ''}`.trim() : 'none'

describe('matchRoute: server selection', () => {
  const routes = routesOf(`http {
    server { listen 80; server_name ~^(?<svc>[a-z]+)\\.lab$; location / { return 200 regex; } }
    server { listen 80; server_name www.phoenix.*; location / { return 200 trailing; } }
    server { listen 80; server_name *.phoenix.local; location / { return 200 leading; } }
    server { listen 80; server_name .api.phoenix.local; location / { return 200 leading-longer; } }
    server { listen 80 default_server; server_name gw.phoenix.local; location / { return 200 exact; } }
    server { listen 80; location / { return 200 no-name; } }
    server { listen 8080; listen 198.18.0.153:8080 default_server; server_name other; location / { return 200 on-address; } }
}`)
  it.each<[string | undefined, string | undefined, number, string]>([
    ['gw.phoenix.local', undefined, 80, 'exact'],
    ['x.api.phoenix.local', undefined, 80, 'leading-longer'],
    ['api.phoenix.local', undefined, 80, 'leading-longer'],
    ['x.phoenix.local', undefined, 80, 'leading'],
    ['www.phoenix.org', undefined, 80, 'trailing'],
    ['Qdrant.lab', undefined, 80, 'regex'],
    ['nothing.else', undefined, 80, 'exact'],
    // Checked against nginx 1.22: no Host looks up "", the implicit name of a server without server_name.
    [undefined, undefined, 80, 'no-name'],
    ['nothing', '198.18.0.153', 8080, 'on-address'],
    ['other', '127.0.0.1', 8080, 'on-address'],
  ])('Host %s, local address %s, port %i: the %s server', (host, address, port, expected) => {
    const request = {port, tls: false, path: '/', ...(host ? {host} : {}), ...(address ? {address} : {})}
    expect(matchRoute(routes, request)?.returns?.target).toBe(expected)
  })
})

describe('matchRoute: locations, nested and auto-redirected', () => {
  // Each expectation was checked against nginx 1.22 serving this config on loopback.
  const routes = routesOf(`http { server {
    location / { return 200 root; }
    location /n8n/ { proxy_pass http://198.18.0.154:5678/; }
    location ~ n8n$ { return 200 regex; }
    location /a/ {
      location /a/b/ { proxy_pass http://198.18.0.1/; }
      location ~ /a/.*z$ { return 200 nested-regex; }
    }
    location ~ /a/b/z { return 200 outer-regex; }
    location /static/ { root /srv; }
  } }`)
  it.each<[string, string]>([
    ['/n8n', '301 /n8n/ /n8n/'],
    ['/n8n/rest/push', '/n8n/'],
    ['/x/n8n', '200 ~ n8n$ regex'],
    ['/a/b', '301 /a/b/ /a/b/'],
    ['/a/b/z', '200 ~ /a/.*z$ nested-regex'],
    ['/a/q/z', '200 ~ /a/.*z$ nested-regex'],
    ['/a/b/x', '/a/b/'],
    ['/a/x', '/a/'],
    ['/static', '200 / root'],
  ])('%s → %s', (path, expected) => {
    expect(label(matchRoute(routes, {port: 80, tls: false, path}))).toBe(expected)
  })

  it('names the enclosing location of a nested one', () => {
    const nested = routes.find((r) => r.location.path === '/a/b/')
    const outer = routes.find((r) => r.location.path === '/a/')
    expect(nested?.location.parent).toBe(`/etc/nginx/nginx.conf:${outer?.location.line}`)
  })
})

describe('upstreamPath: proxy_pass URIs and rewrites', () => {
  const routes = routesOf(`http { server {
    location /api/ { proxy_pass http://198.18.0.1/v2/; }
    location = /old { proxy_pass http://198.18.0.1/new; }
    location /s/ { rewrite ^/s/(.*)$ /search?q=$1? break; proxy_pass http://198.18.0.1/ignored/; }
    location /t/ { rewrite ^/t/(.*)$ /find?q=$1 break; proxy_pass http://198.18.0.1; }
    location ~ ^/re/ { proxy_pass http://198.18.0.1; }
    location /var/ { proxy_pass http://198.18.0.1$request_uri; }
  } }`)
  const byPath = (p: string): GatewayRoute => routes.find((r) => r.location.path === p)!
  it.each<[string, string, string, string]>([
    ['URI replaces the prefix', '/api/', '/api/x/y?z=1', '/v2/x/y?z=1'],
    ['URI replaces an exact location', '/old', '/old', '/new'],
    ['a rewrite beats the proxy_pass URI; a trailing ? drops the old args', '/s/', '/s/abc?page=2', '/search?q=abc'],
    ['rewrite args come first, the old ones after', '/t/', '/t/abc?page=2', '/find?q=abc&page=2'],
    ['a regex location passes the URI whole', '^/re/', '/re/a', '/re/a'],
    ['$request_uri passes the original', '/var/', '/var/a?b=1', '/var/a?b=1'],
  ])('%s', (_, location, path, expected) => {
    expect(upstreamPath(byPath(location), path)).toBe(expected)
  })
})
