import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

import type {Options} from '../args.js'
import {send, sendJson} from '../http.js'
import type {Ctx} from '../http.js'
import {out} from '../service.js'
import type {Profile, Service} from '../service.js'
import {handshake, sendClose, sendTextFrame} from '../websocket.js'

const VERSION = '2.41.3'
const JSON_TYPE = 'application/json; charset=utf-8' // express res.json / res.send(object)
const HTML_TYPE = 'text/html; charset=utf-8' // express res.send(string)

/** Paths the SPA fallback never answers with index.html (4.3), so unknown ones get express's 404. */
const NON_UI = /^\/(favicon\.ico|assets|static|types|\.well-known|healthz|metrics|e2e|rest|webhook|webhook-test|webhook-waiting|form|mcp|api)(\/|$)/

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** The editor's index.html with the injected config tags start.js writes (4.3). */
const INDEX = `<!DOCTYPE html>
<html lang="en">
	<head>
		<meta charset="utf-8" />
		<meta name="viewport" content="width=device-width,initial-scale=1.0" />
		<link rel="icon" href="/favicon.ico" />
		<meta name="n8n:config:rest-endpoint" content="${b64('rest')}">
		<meta name="n8n:config:sentry" content="${b64(JSON.stringify({dsn: '', environment: 'production', release: `n8n@${VERSION}`}))}">
		<title>n8n.io - Workflow Automation</title>
		<script type="module" crossorigin src="/assets/index-Bq5x1kQe.js"></script>
	</head>
	<body>
		<noscript><strong>We're sorry but the n8n Editor-UI doesn't work properly without JavaScript enabled. Please enable it to continue.</strong></noscript>
		<div id="app"></div>
	</body>
</html>
`

/** getPublicSettings (2.x): no version, settingsMode public. */
const PUBLIC_SETTINGS = {
  settingsMode: 'public', defaultLocale: 'en', previewMode: false, authCookie: {secure: false},
  userManagement: {showSetupOnFirstLoad: false, smtpSetup: false, authenticationMethod: 'email'},
  sso: {saml: {loginEnabled: false, loginLabel: ''}, ldap: {loginEnabled: false, loginLabel: ''}, oidc: {loginEnabled: false, loginUrl: '', callbackUrl: ''}},
  mfa: {enabled: false, enforced: false}, folders: {enabled: false}, enterprise: {saml: false, ldap: false, oidc: false, showNonProdBanner: false},
}

/** finalhandler's 404 page, what express sends for a route nobody registered. */
function cannot(ctx: Ctx): void {
  const body = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${ctx.method} ${ctx.path}</pre>\n</body>\n</html>\n`
  send(ctx.res, 404, body, HTML_TYPE, {'Content-Security-Policy': "default-src 'none'", 'X-Content-Type-Options': 'nosniff'})
}

/** State of the DB gate that sits after the health routes (abstract-server.js, 4.2). */
function gate(opts: Options, readyAt: number): 'db-down' | 'migrating' | 'open' {
  if (opts.fault === 'db-down') return 'db-down'
  if (opts.fault === 'starting' && (opts.startupMs === 0 || Date.now() < readyAt)) return 'migrating'
  return 'open'
}

/**
 * The editor's history fallback (server.js historyApiHandler): index.html only for a GET whose
 * Accept takes HTML (text/html or *\/*, as browsers and curl send), never for a .wasm or a non-UI
 * path; anything else falls through to express's 404 (the real n8n 2.8.4 answers a bare GET
 * /signin with "Cannot GET /signin").
 */
function editorPage(ctx: Ctx): boolean {
  const accept = ctx.req.headers.accept ?? ''
  return ctx.method === 'GET' && /text\/html|\*\/\*/.test(accept) && !ctx.path.endsWith('.wasm') && !NON_UI.test(ctx.path)
}

/** The public API (/api/v1): X-N8N-API-KEY first; the lab's n8n has no key made, so any is wrong. */
function publicApi(ctx: Ctx): void {
  const key = ctx.req.headers['x-n8n-api-key']
  sendJson(ctx.res, 401, {message: key ? 'unauthorized' : "'X-N8N-API-KEY' header required"}, JSON_TYPE)
}

function routeOpen(ctx: Ctx): void {
  const {res, method, path} = ctx
  const get = method === 'GET' || method === 'HEAD'
  if (get && path === '/rest/settings') return sendJson(res, 200, {data: PUBLIC_SETTINGS}, JSON_TYPE)
  if (/^\/api\/v1(\/|$)/.test(path)) return publicApi(ctx)
  // The auth middleware runs before the push handler: no n8n-auth cookie, no push (4.6).
  if (path === '/rest/push') return sendJson(res, 401, {status: 'error', message: 'Unauthorized'}, JSON_TYPE)
  const hook = /^\/webhook(?:-test)?\/(.+)$/.exec(path)
  if (hook) return sendJson(res, 404, {code: 404, message: `The requested webhook "${method} ${hook[1]}" is not registered.`, hint: "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)"}, JSON_TYPE)
  if (!editorPage(ctx)) return cannot(ctx)
  send(res, 200, INDEX, HTML_TYPE, {'Cache-Control': 'no-cache, no-store, must-revalidate, proxy-revalidate'})
}

/** A session as the auth middleware wants it: an n8n-auth cookie (its JWT is not checked here). */
function hasSession(req: IncomingMessage): boolean {
  return /(?:^|;)\s*n8n-auth=[^;]+/.test(req.headers.cookie ?? '')
}

/** The first value of a possibly repeated, possibly comma-separated proxy header. */
function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  return s?.split(',')[0]?.trim() || undefined
}

/** A host as origin-validator.js compares it: default port dropped, IPv6 brackets stripped. */
function normalize(host: string, protocol: string): string {
  try {
    const url = new URL(`${protocol}://${host}`)
    const h = url.port ? url.host : url.hostname
    return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
  } catch {
    return ''
  }
}

/** push/origin-validator.js: Origin's host against Forwarded host=, else X-Forwarded-Host, else Host. */
function originMatches(req: IncomingMessage): boolean {
  let origin: URL
  try {
    origin = new URL(req.headers.origin ?? '')
  } catch {
    out('Origin header is missing or malformed')
    return false
  }
  const protocol = origin.protocol.replace(':', '')
  const forwarded = /(?:^|;)\s*host="?([^;",]+)/i.exec(first(req.headers.forwarded) ?? '')?.[1]
  const xfh = first(req.headers['x-forwarded-host'])
  const raw = forwarded ?? xfh ?? req.headers.host ?? ''
  const proto = (xfh && !forwarded ? first(req.headers['x-forwarded-proto']) : undefined) ?? protocol
  const expected = normalize(raw, proto)
  const actual = normalize(origin.host, protocol)
  if (expected === actual) return true
  out(`Origin header does NOT match the expected origin. (Origin: "${req.headers.origin}" -> "${actual}", Expected: "${raw}" -> "${expected}", Protocol: "${proto}")`)
  return false
}

/**
 * /rest/push upgrades are accepted (101) and then run through express (4.6), as n8n 2.8 does: the
 * DB gate closes them; the auth middleware comes next, and without a session (an n8n-auth cookie;
 * the emulator takes any value) its 401 becomes a close with no code; only then, and only with
 * NODE_ENV=production (the docker image's default), the Origin is checked: a foreign one gets a
 * text frame `Invalid origin!` and close 1008. An accepted push stays open, as the editor's does.
 */
function upgrade(opts: Options, readyAt: number, req: IncomingMessage, socket: Duplex, production: boolean): number {
  // n8n's upgrade listener handles /rest/push only and leaves any other upgrade unanswered: the
  // socket stays open, silent, until the client gives up (the real 2.8.4 did for 15 s and more).
  if (new URL(req.url ?? '/', 'http://n8n.invalid').pathname !== '/rest/push') {
    socket.on('error', () => {})
    return 0
  }
  if (!handshake(req, socket)) return 400
  const state = gate(opts, readyAt)
  if (state === 'migrating') return 101 // the gate answers 200, which does not close: the socket idles
  if (state === 'db-down' || !hasSession(req)) sendClose(socket)
  else if (production && !originMatches(req)) {
    sendTextFrame(socket, 'Invalid origin!')
    sendClose(socket, 1008)
  }
  return 101
}

function create(opts: Options): Service {
  const readyAt = Date.now() + opts.startupMs
  const handle = (ctx: Ctx) => {
    const {res} = ctx
    // Express routes match case-insensitively, with or without a trailing slash (/HEALTHZ/ is /healthz).
    const route = ctx.path.toLowerCase().replace(/(.)\/$/, '$1')
    // Health routes are registered before the DB gate: "main health check should not care about DB connections".
    if (route === '/healthz') return sendJson(res, 200, {status: 'ok'}, JSON_TYPE)
    const state = gate(opts, readyAt)
    if (route === '/healthz/readiness') return sendJson(res, state === 'open' ? 200 : 503, {status: state === 'open' ? 'ok' : 'error'}, JSON_TYPE)
    if (state === 'db-down') return sendJson(res, 503, {code: 503, message: 'Database is not ready!'}, JSON_TYPE)
    if (state === 'migrating') return send(res, 200, 'n8n is starting up. Please wait', HTML_TYPE)
    routeOpen(ctx)
  }
  if (opts.fault === 'starting' && opts.startupMs > 0) setTimeout(() => out('Migrations finished.'), opts.startupMs).unref()
  const listenHost = opts.host === '0.0.0.0' ? '::' : opts.host // N8N_LISTEN_ADDRESS defaults to ::
  const notes = {'db-down': ['Database connection timed out'], starting: ['Migrations in progress, please do NOT stop the process.']}
  return {
    handle,
    upgrade: (req, socket) => upgrade(opts, readyAt, req, socket, process.env.NODE_ENV === 'production'),
    boot: ['Initializing n8n process', 'n8n Task Broker ready on 127.0.0.1, port 5679'],
    ready: [`n8n ready on ${listenHost}, port ${opts.port}`, ...(opts.fault === 'db-down' || opts.fault === 'starting' ? notes[opts.fault] : []), `Version: ${VERSION}`, '', 'Editor is now accessible via:', `http://localhost:${opts.port}`],
    crash: [`n8n's port ${opts.port} is already in use. Do you have another instance of n8n running already?`],
    access: (req, status) => `${new Date().toISOString()} http: ${req.method} ${req.url} ${status}`,
  }
}

export const n8n: Profile = {faults: ['db-down', 'starting'], create}
