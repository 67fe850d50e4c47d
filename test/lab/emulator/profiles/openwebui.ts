import {STATUS_CODES} from 'node:http'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

import type {Options} from '../args.js'
import {lookup, send, sendJson, sendText} from '../http.js'
import type {Ctx, Routes} from '../http.js'
import {peer} from '../service.js'
import type {Profile, Service} from '../service.js'
import {hexId} from '../text.js'
import {handshake, sendTextFrame} from '../websocket.js'

const VERSION = '0.6.41'

const INDEX = `<!doctype html>
<html lang="en">
	<head>
		<meta charset="utf-8" />
		<link rel="icon" type="image/png" href="/static/favicon.png" />
		<title>Open WebUI</title>
	</head>
	<body data-sveltekit-preload-data="hover">
		<div style="display: contents"></div>
	</body>
</html>
`

/** engine.io's open packet, the first thing a Socket.IO client reads on either transport. */
function openPacket(upgrades: string[]): string {
  return `0${JSON.stringify({sid: hexId().slice(0, 20), upgrades, pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000})}`
}

/**
 * Socket.IO at /ws/socket.io/ (6.1): a WebSocket gets 101 and the open packet, then idles like a
 * client that has not joined yet. No other path takes an upgrade.
 */
function upgrade(req: IncomingMessage, socket: Duplex): number {
  if (!new URL(req.url ?? '/', 'http://webui.invalid').pathname.startsWith('/ws/socket.io')) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    return 404
  }
  if (!handshake(req, socket)) return 400
  sendTextFrame(socket, openPacket([]))
  socket.resume() // discard the client's frames (pings, the "40" connect) without answering
  return 101
}

/** engine.io's long-polling transport, the fallback when the proxy drops Upgrade. */
function polling(ctx: Ctx): void {
  if (ctx.url.searchParams.get('transport') === 'polling') return sendText(ctx.res, 200, openPacket(['websocket']))
  sendJson(ctx.res, 400, {code: 0, message: 'Transport unknown'})
}

function routes(opts: Options): Routes {
  const broken = opts.fault === 'unhealthy'
  const dbDown = broken || opts.fault === 'not-ready'
  // An unhandled exception in a FastAPI route is starlette's plain-text 500.
  const crash = (ctx: Ctx) => sendText(ctx.res, 500, 'Internal Server Error')
  const healthy = (ctx: Ctx) => sendJson(ctx.res, 200, {status: true})
  const unauth = (ctx: Ctx) => sendJson(ctx.res, 401, {detail: 'Not authenticated'})
  return {
    '/health': {GET: broken ? crash : healthy},
    '/health/db': {GET: dbDown ? crash : healthy},
    '/ready': {GET: dbDown ? (ctx) => sendJson(ctx.res, 503, {detail: 'Database not ready'}) : healthy},
    '/api/version': {GET: (ctx) => sendJson(ctx.res, 200, {version: VERSION, deployment_id: 'c1a2b3d4'})},
    '/api/config': {GET: (ctx) => sendJson(ctx.res, 200, {status: true, name: 'Open WebUI', version: VERSION, default_locale: '', oauth: {providers: {}}, features: {auth: true, enable_signup: false, enable_websocket: true}})},
    '/api/models': {GET: unauth},
    '/api/v1/models': {GET: unauth},
    '/ws/socket.io/': {GET: polling, POST: polling},
  }
}

function create(opts: Options): Service {
  const table = routes(opts)
  const handle = (ctx: Ctx) => {
    if (ctx.path.startsWith('/ollama/') || ctx.path.startsWith('/openai/')) return sendJson(ctx.res, 401, {detail: 'Not authenticated'})
    const h = lookup(table, ctx.method, ctx.path)
    if (h === 'no-method') return sendJson(ctx.res, 405, {detail: 'Method Not Allowed'})
    if (h !== 'no-route') return h(ctx)
    // The SPA is mounted at / last: every other GET is index.html.
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return send(ctx.res, 200, INDEX, 'text/html; charset=utf-8')
    sendJson(ctx.res, 405, {detail: 'Method Not Allowed'})
  }
  const uv = (msg: string) => `INFO:     ${msg}`
  return {
    handle,
    upgrade,
    headers: {server: 'uvicorn'},
    boot: [`INFO  [open_webui.env] 'ENABLE_SIGNUP' loaded from the latest database entry`, `v${VERSION} - building the best AI user interface.`, uv(`Started server process [${process.pid}]`), uv('Waiting for application startup.')],
    ready: [uv('Application startup complete.'), uv(`Uvicorn running on http://${opts.host}:${opts.port} (Press CTRL+C to quit)`)],
    crash: [
      'Traceback (most recent call last):',
      '  File "/app/backend/open_webui/internal/db.py", line 57, in handle_peewee_migration',
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file',
      'ERROR:    Application startup failed. Exiting.',
    ],
    access: (req, status) => uv(`${peer(req)} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status}${status === 101 ? '' : ` ${STATUS_CODES[status] ?? ''}`}`),
  }
}

export const openwebui: Profile = {faults: ['unhealthy', 'not-ready'], create}
