import {join} from 'node:path'

import {addressOf, ctById, GATEWAY_CTID, GATEWAY_SERVER_NAME, PROXY_CTID, serviceByName, SERVICES, STATE, TLS_HOST} from './topology.js'
import type {LabService} from './topology.js'
import {nameOf} from './names.js'

/**
 * The gateway CT's nginx.conf, generated: the operators' gateway (seeds 000 and 002) as data.
 * A fault changes a route's variation and regenerates, so adding a gateway fault is a new field
 * here and a line in the fault table, never a hand-edited config.
 */

/** How one service's routes differ from the healthy gateway. */
export interface RouteVariation {
  /** No location for the service at all (route-missing). */
  omit?: boolean
  /** The upstream points at this port instead of the service's (upstream-wrong-port). */
  upstreamPort?: number
  /** The upstream points at this address instead of the service's (upstream-wrong-address). */
  upstreamAddress?: string
  /** The location passes no Upgrade/Connection headers (websocket-headers-missing). */
  noWebsocket?: boolean
  /** The location forwards the client's Host, not the one the service accepts (ollama-host-header). */
  publicHost?: boolean
  /** The location sets no Host: nginx sends the upstream's name, not the browser's host (websocket-origin-host). */
  noHost?: boolean
  /** proxy_pass without a URI and no rewrite: the location's prefix reaches the service (rewrite-wrong). */
  keepPrefix?: boolean
  /** The locations proxy to this other service's upstream (route-wrong-upstream: chat sent to the embeddings CT). */
  proxyTo?: string
  /**
   * The locations proxy through a variable, as the operators' gateway does (`proxy_pass $upstream_service;`):
   * `proxy_pass http://$lab_backend;` with a `map $uri $lab_backend` entry per route naming the upstream.
   * With proxyTo, the map entry names the other upstream (the location's line stays as it is).
   * Only for services whose proxy_pass has no URI (vLLM): with variables, a URI would replace the whole path.
   */
  viaMap?: boolean
  /** The location blanks the header the service's key travels in (gateway-blanks-key): `proxy_set_header api-key "";`. */
  blankKey?: boolean
}

export type RouteVariations = Readonly<Record<string, RouteVariation>>

/** How the gateway as a whole differs from the healthy one. */
export interface GatewayVariation {
  /** A misspelt directive in the port-80 server block (config-syntax-error): `nginx -t` fails there. */
  typo?: boolean
  /** `server_tokens on;` in the http block instead of the baseline's `off` (server-tokens-on). */
  serverTokensOn?: boolean
  /** The port-80 server redirects every request to https (`return 301 https://$host$request_uri;`), as the operators' gateway does. */
  httpsRedirect?: boolean
  /** The operators' shape: location / sends to Traefik on this port instead of its :80 entry point (their committed file's :8443, which no entry point has). */
  traefikPort?: number
  /** The operators' shape: location / without the Upgrade/Connection headers n8n's push needs (n8n-websocket-headers). */
  noWebsocket?: boolean
}

/** The misspelt directive of `typo` (proxy_read_timeout with a letter missing), as operators make them. */
export const TYPO_DIRECTIVE = 'proxy_read_timout'

/** Where the gateway's nginx keeps its files: its own prefix, inside the lab's state. */
export const NGINX_PREFIX = join(STATE, `ct${GATEWAY_CTID}`, 'nginx')
export const NGINX_CONF = join(NGINX_PREFIX, 'nginx.conf')
export const NGINX_ERROR_LOG = join(NGINX_PREFIX, 'logs', 'error.log')
/** Debian's nginx package. */
export const NGINX_BIN = '/usr/sbin/nginx'
export const TLS_DIR = join(STATE, 'tls')

/** Upstream names as the operators' plans spell them (qwen_service, embedding_service, ...). */
const UPSTREAM: Readonly<Record<string, string>> = {
  'vllm-chat': 'qwen_service',
  'vllm-embed': 'embedding_service',
  qdrant: 'qdrant_service',
  n8n: 'n8n_service',
  ollama: 'ollama_service',
  'open-webui': 'open_webui_service',
  llamacpp: 'llamacpp_service',
}

const COMMON_HEADERS = [
  'proxy_set_header Host $host;',
  'proxy_set_header X-Real-IP $remote_addr;',
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
]

// A location with any proxy_set_header of its own inherits none from the server: the common
// headers are repeated wherever a location adds one (the classic nginx inheritance trap).
const WEBSOCKET = ['proxy_http_version 1.1;', 'proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;']

function upstreamName(s: LabService): string {
  return UPSTREAM[s.name] ?? `${s.name.replace(/\W/g, '_')}_service`
}

/** The body of one location, by kind: how the plans proxy each service. */
function healthyBody(s: LabService, route: string): string[] {
  const u = upstreamName(s)
  // Behind Traefik: everything to it, the client's Host kept (the server's proxy_set_header Host $host), as the operators' generator writes it.
  if (s.viaProxy) return [`proxy_pass http://${TRAEFIK_UPSTREAM};`]
  switch (s.kind) {
    case 'vllm':
      return [`proxy_pass http://${u};`]
    case 'qdrant':
      return [`rewrite ^${route}?(.*)$ /$1 break;`, `proxy_pass http://${u};`]
    case 'n8n':
      return [`proxy_pass http://${u}/;`, ...COMMON_HEADERS, ...WEBSOCKET]
    case 'ollama':
      // Ollama rejects foreign Host headers unless OLLAMA_ORIGINS allows them (Ollama's FAQ).
      return [`proxy_pass http://${u}/;`, ...COMMON_HEADERS.filter((h) => !h.includes(' Host ')), `proxy_set_header Host localhost:${s.port};`]
    case 'openwebui':
      // Open WebUI's docs: socket.io (/ws/socket.io/) needs the upgrade; streamed answers need no buffering.
      return [`proxy_pass http://${u}/;`, ...COMMON_HEADERS, ...WEBSOCKET, 'proxy_buffering off;']
    case 'llamacpp':
    case 'http':
      return [`proxy_pass http://${u}/;`]
  }
}

/** The location's body with a fault's variation applied, line by line. */
function locationBody(s: LabService, route: string, v: RouteVariation = {}): string[] {
  const blank = v.blankKey ? [`proxy_set_header ${s.kind === 'qdrant' ? 'api-key' : 'Authorization'} "";`] : []
  return [...blank, ...healthyBody(s, route)].flatMap((line) => {
    if (v.keepPrefix && line.startsWith('rewrite ')) return []
    if (v.keepPrefix && line.startsWith('proxy_pass ')) return [line.replace(/\/;$/, ';')]
    if (v.viaMap && line.startsWith('proxy_pass ')) return [`proxy_pass http://$${MAP_VARIABLE};`]
    if (v.proxyTo && line.startsWith('proxy_pass ')) return [line.replace(upstreamName(s), upstreamName(serviceByName(v.proxyTo)))]
    if (v.noWebsocket && /^proxy_set_header (Upgrade|Connection) /.test(line)) return []
    if (v.publicHost && line.startsWith('proxy_set_header Host ')) return ['proxy_set_header Host $host;']
    if (v.noHost && line.startsWith('proxy_set_header Host ')) return []
    return [line]
  })
}

/** The upstream of the lab's Traefik (CT 958, its `web` entryPoint). */
const TRAEFIK_UPSTREAM = 'traefik_service'

/** The variable of the map the viaMap routes go through. */
const MAP_VARIABLE = 'lab_backend'

/** `map $uri $lab_backend { ~^ROUTE UPSTREAM; … }` for every route of the services that go through it. */
function routeMap(variations: RouteVariations): string {
  const entries = SERVICES.filter((s) => variations[s.name]?.viaMap && !variations[s.name]?.omit).flatMap((s) => {
    const to = upstreamName(variations[s.name]?.proxyTo ? serviceByName(variations[s.name]!.proxyTo!) : s)
    return s.routes.map((r) => `~^${r} ${to};`)
  })
  return entries.length === 0 ? '' : `\n${block(`map $uri $${MAP_VARIABLE}`, entries, '    ')}\n`
}

function block(head: string, body: readonly string[], indent: string): string {
  return [`${indent}${head} {`, ...body.map((l) => `${indent}    ${l}`), `${indent}}`].join('\n')
}

/** nginx.conf for the gateway CT, with the given route and gateway variations, routing these services (a real lab's: labServices()). */
export function nginxConf(variations: RouteVariations = {}, gateway: GatewayVariation = {}, services: readonly LabService[] = SERVICES): string {
  const gw = ctById(GATEWAY_CTID).address
  const p = NGINX_PREFIX
  const server = (s: LabService) => `${variations[s.name]?.upstreamAddress ?? addressOf(s)}:${variations[s.name]?.upstreamPort ?? s.port}`
  const upstreams = services.filter((s) => !s.viaProxy).map((s) => block(`upstream ${upstreamName(s)}`, [`server ${server(s)};`], '    '))
  if (services.some((s) => s.viaProxy)) upstreams.push(block(`upstream ${TRAEFIK_UPSTREAM}`, [`server ${ctById(PROXY_CTID).address}:80;`], '    '))
  const locationsOf = (s: LabService) => (variations[s.name]?.omit ? [] : s.routes.map((r) => block(`location ${r}`, locationBody(s, r, variations[s.name]), '        ')))
  const locations = services.filter((s) => !nameOf(s)).flatMap(locationsOf)
  // A service reached by its name (dns.ts) has a server of its own, as the operators' name-based hosts do.
  const named = services.filter((s) => nameOf(s)).map((s) => `
    server {
        listen 80;
        server_name ${nameOf(s)};
        proxy_connect_timeout 2s;
${gateway.httpsRedirect ? '        return 301 https://$host$request_uri;\n' : ''}${COMMON_HEADERS.map((h) => `        ${h}`).join('\n')}
${locationsOf(s).join('\n')}
    }`)
  const n8n = services.find((s) => s.kind === 'n8n')
  return `# Gateway CT ${GATEWAY_CTID} (api-gateway-lxc), generated by test/lab/nginx-config.ts.
# Mirrors the operators' plan (seeds 000, 002): upstream blocks, path routes, a TLS virtual host.
worker_processes 1;
pid ${p}/nginx.pid;
error_log ${NGINX_ERROR_LOG} info;
events { worker_connections 512; }
http {
    server_tokens ${gateway.serverTokensOn ? 'on' : 'off'};
    log_format main_ext '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                        '"$http_user_agent" rt=$request_time ua="$upstream_addr" us="$upstream_status"';
    access_log ${p}/logs/access.log main_ext;
    client_body_temp_path ${p}/tmp/client_body;
    proxy_temp_path ${p}/tmp/proxy;
    fastcgi_temp_path ${p}/tmp/fastcgi;
    uwsgi_temp_path ${p}/tmp/uwsgi;
    scgi_temp_path ${p}/tmp/scgi;

    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
${routeMap(variations)}
${upstreams.join('\n')}

    server {
        listen 80;
        server_name ${GATEWAY_SERVER_NAME} ${gw};
        proxy_connect_timeout 2s;
${gateway.typo ? `        ${TYPO_DIRECTIVE} 60s;\n` : ''}${gateway.httpsRedirect ? '        return 301 https://$host$request_uri;\n' : ''}${COMMON_HEADERS.map((h) => `        ${h}`).join('\n')}

${locations.join('\n')}
    }
${named.join('\n')}
${n8n ? `
    server {
        listen 443 ssl;
        server_name ${TLS_HOST};
        ssl_certificate ${TLS_DIR}/${TLS_HOST}.crt;
        ssl_certificate_key ${TLS_DIR}/${TLS_HOST}.key;
        proxy_connect_timeout 2s;
${block('location /', [`proxy_pass http://${upstreamName(n8n)};`, ...COMMON_HEADERS, ...WEBSOCKET], '        ')}
    }
` : ''}}
`
}
