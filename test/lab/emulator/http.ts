import type {IncomingMessage, ServerResponse} from 'node:http'

/** One request as a handler sees it: the URL is parsed once, the body only on demand. */
export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  method: string
  path: string
  url: URL
}

export type Handler = (ctx: Ctx) => void | Promise<void>

/** path -> method -> handler. A known path with an unknown method is the framework's 405. */
export type Routes = Record<string, Partial<Record<string, Handler>>>

/** The route's handler, or why there is none, so each profile can answer in its framework's words. */
export function lookup(routes: Routes, method: string, path: string): Handler | 'no-method' | 'no-route' {
  const byMethod = routes[path]
  if (!byMethod) return 'no-route'
  return byMethod[method] ?? 'no-method'
}

export function newCtx(req: IncomingMessage, res: ServerResponse): Ctx {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid')
  return {req, res, method: req.method ?? 'GET', path: url.pathname, url}
}

/** Sends a complete body with an exact Content-Length (node omits the body itself on HEAD). */
export function send(res: ServerResponse, status: number, body: string | Buffer, contentType?: string, headers: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body
  const all: Record<string, string | number> = {...headers, 'Content-Length': buf.length}
  if (contentType) all['Content-Type'] = contentType
  res.writeHead(status, all)
  res.end(buf)
}

/** JSON with the framework's own Content-Type (FastAPI and actix omit the charset, gin and express add it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  send(res, status, JSON.stringify(body), contentType)
}

export function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  send(res, status, body, contentType)
}

/** An empty body with no Content-Type, as FastAPI's bare Response and gin's AbortWithStatus send. */
export function sendEmpty(res: ServerResponse, status: number): void {
  send(res, status, '')
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A JSON request body: none at all, one that is not a JSON object, or the object. */
export type JsonBody = {kind: 'empty'} | {kind: 'invalid'} | {kind: 'ok'; value: Record<string, unknown>}

export async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const raw = await readBody(req)
  if (raw.trim() === '') return {kind: 'empty'}
  try {
    const value: unknown = JSON.parse(raw)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {kind: 'invalid'}
    return {kind: 'ok', value: value as Record<string, unknown>}
  } catch {
    return {kind: 'invalid'}
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** The credential of `Authorization: Bearer X`; the scheme is case-insensitive in vLLM and qdrant alike. */
export function bearer(req: IncomingMessage): string | undefined {
  const m = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
  return m?.[1]?.trim()
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
