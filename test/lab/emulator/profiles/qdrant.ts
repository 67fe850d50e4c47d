import {randomUUID} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'

import type {Options} from '../args.js'
import {bearer, lookup, send, sendEmpty, sendJson, sendText} from '../http.js'
import type {Ctx, Routes} from '../http.js'
import {Exposition} from '../prometheus.js'
import {clock} from '../service.js'
import type {Profile, Service} from '../service.js'

const VERSION = '1.19.0'
const COMMIT = '6f3c1f2b9e4d8a7c5b0e1d2f3a4b5c6d7e8f9a0b'

/** Reachable without a key even when one is set (src/actix/mod.rs whitelist, 2.1). */
const OPEN_PATHS = new Set(['/', '/healthz', '/readyz', '/livez'])

interface State {
  opts: Options
  collections: Set<string>
  started: string
  id: string
}

/** Every JSON answer is the ApiResponse envelope with the handling time in seconds. */
function ok(res: ServerResponse, result: unknown): void {
  sendJson(res, 200, {result, status: 'ok', time: 0.000012})
}

function fail(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, {status: {error}, time: 0.000008})
}

/** validate_request: the `api-key` header, else a Bearer token; 401 in plain text otherwise (2.1). */
function authError(req: IncomingMessage, key: string): string | undefined {
  const header = req.headers['api-key']
  const given = (Array.isArray(header) ? header[0] : header) ?? bearer(req)
  if (given === undefined || given === '') return 'Must provide an API key or an Authorization bearer token'
  return given === key ? undefined : 'Invalid API key or JWT'
}

function collectionInfo(): Record<string, unknown> {
  return {
    status: 'green', optimizer_status: 'ok', indexed_vectors_count: 0, points_count: 0, segments_count: 2,
    config: {
      params: {vectors: {size: 1024, distance: 'Cosine'}, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true},
      hnsw_config: {m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false},
      optimizer_config: {deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null, memmap_threshold: null, indexing_threshold: 10000, flush_interval_sec: 5, max_optimization_threads: null},
      wal_config: {wal_capacity_mb: 32, wal_segments_ahead: 0},
      quantization_config: null,
      strict_mode_config: {enabled: false},
    },
    payload_schema: {},
  }
}

/** /collections/{name} and /collections/{name}/exists; creating and dropping keep the lab stateful. */
function collection(s: State, ctx: Ctx, name: string, exists: boolean): void {
  const {res, method} = ctx
  const known = s.collections.has(name)
  if (exists) return method === 'GET' ? ok(res, {exists: known}) : sendEmpty(res, 404)
  if (method === 'GET') return known ? ok(res, collectionInfo()) : fail(res, 404, `Not found: Collection \`${name}\` doesn't exist!`)
  if (method === 'PUT') {
    if (known) return fail(res, 400, `Wrong input: Collection \`${name}\` already exists!`)
    s.collections.add(name)
    return ok(res, true)
  }
  if (method === 'DELETE') return ok(res, s.collections.delete(name))
  sendEmpty(res, 404) // actix macro routes guard on the method, so another method matches nothing
}

function metrics(s: State, ctx: Ctx): void {
  const text = new Exposition('rust')
    .gauge('app_info', 'information about qdrant server', [[[['name', 'qdrant'], ['version', VERSION]], 1]])
    .gauge('app_status_recovery_mode', 'features enabled in qdrant server', [[[], 0]])
    .gauge('collections_total', 'number of collections', [[[], s.collections.size]])
    .gauge('collections_vector_total', 'total number of vectors in all collections', [[[], 0]])
    .gauge('cluster_enabled', 'is cluster support enabled', [[[], 0]])
    .counter('rest_responses_total', 'total number of responses', [[[['method', 'GET'], ['endpoint', '/collections'], ['status', '200']], 3]])
    .gauge('memory_active_bytes', 'Total number of bytes in active pages allocated by the application', [[[], 41_943_040]])
    .gauge('memory_resident_bytes', 'Maximum number of bytes in physically resident data pages mapped', [[[], 67_108_864]])
    .gauge('process_threads', 'count of active threads', [[[], 23]])
    .gauge('process_open_fds', 'count of currently open file descriptors', [[[], 64]])
    .text()
  send(ctx.res, 200, text, 'text/plain; version=0.0.4')
}

function telemetry(s: State, ctx: Ctx): void {
  ok(ctx.res, {
    id: s.id,
    app: {name: 'qdrant', version: VERSION, features: {debug: false}, system: {distribution: 'Debian', cores: 2}, jwt_rbac: false, startup: s.started},
    collections: {number_of_collections: s.collections.size},
    cluster: {enabled: false},
    requests: {rest: {responses: {}}, grpc: {responses: {}}},
    memory: {active_bytes: 41_943_040, allocated_bytes: 39_845_888, metadata_bytes: 8_388_608, resident_bytes: 67_108_864, retained_bytes: 12_582_912},
  })
}

function routes(s: State): Routes {
  const text = (body: string, status = 200) => (ctx: Ctx) => sendText(ctx.res, status, body)
  // /readyz is 503 only in distributed mode while peers or shards lag (2.2): the not-ready fault.
  const readyz = s.opts.fault === 'not-ready' ? text('some shards are not ready', 503) : text('all shards are ready')
  return {
    '/': {GET: (ctx) => sendJson(ctx.res, 200, {title: 'qdrant - vector search engine', version: VERSION, commit: COMMIT})},
    '/healthz': {GET: text('healthz check passed')},
    '/livez': {GET: text('healthz check passed')},
    '/readyz': {GET: readyz},
    '/collections': {GET: (ctx) => ok(ctx.res, {collections: [...s.collections].map((name) => ({name}))})},
    '/cluster': {GET: (ctx) => ok(ctx.res, {status: 'disabled'})},
    '/metrics': {GET: (ctx) => metrics(s, ctx)},
    '/telemetry': {GET: (ctx) => telemetry(s, ctx)},
  }
}

function create(opts: Options): Service {
  const s: State = {opts, collections: new Set(opts.collections), started: new Date().toISOString(), id: randomUUID()}
  const table = routes(s)
  const handle = (ctx: Ctx) => {
    const denied = opts.apiKey && !OPEN_PATHS.has(ctx.path) ? authError(ctx.req, opts.apiKey) : undefined
    if (denied) return sendText(ctx.res, 401, denied)
    const m = /^\/collections\/([^/]+)(\/exists)?$/.exec(ctx.path)
    if (m?.[1]) return collection(s, ctx, decodeURIComponent(m[1]), m[2] !== undefined)
    const h = lookup(table, ctx.method, ctx.path)
    if (typeof h === 'string') return sendEmpty(ctx.res, 404) // actix's default service: 404, empty body
    return h(ctx)
  }
  const log = (target: string, msg: string, level = ' INFO') => `${clock().iso} ${level} ${target}: ${msg}`
  return {
    handle,
    boot: [log('qdrant', `Qdrant version ${VERSION}`), log('qdrant', 'Distributed mode disabled'), log('qdrant', `Telemetry reporting enabled, id: ${s.id}`)],
    ready: [log('qdrant::actix', 'TLS disabled for REST API'), log('qdrant::actix', `Qdrant HTTP listening on ${opts.port}`), log('actix_server::builder', 'Starting 2 workers')],
    crash: [
      log('qdrant::startup', 'Panic backtrace: 0: qdrant::startup::setup_panic_hook::{{closure}}', 'ERROR'),
      log('qdrant::startup', 'Panic occurred in file src/main.rs at line 312: Can\'t initialize storage: Service internal error: failed to create directory ./storage/collections: Permission denied (os error 13)', 'ERROR'),
    ],
    access: (req, status) => log('actix_web::middleware::logger', `${req.socket.remoteAddress ?? '-'} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} - "-" "${req.headers['user-agent'] ?? '-'}" 0.000245`),
  }
}

export const qdrant: Profile = {faults: ['not-ready'], apiKey: true, create}
