import type {DumpProblem} from '../model/nginx.js'
import type {Directive} from './nginx-dump.js'

/**
 * Where the directives a gateway uses may be written, from the nginx module docs ("Context:").
 * nginx refuses a directive in the wrong place with `"X" directive is not allowed here` and refuses
 * the whole config; the seed gateway's `location /qdrant/` after its server's `}` is that mistake.
 * Only known directives are checked: an unknown one may come from a module we do not list.
 */

type Context = 'main' | 'events' | 'http' | 'server' | 'location' | 'upstream' | 'if' | 'limit_except'

interface Rule {
  in: readonly Context[]
  block: boolean
  args?: [min: number, max: number]
}

const LOCATION_LIKE: readonly Context[] = ['http', 'server', 'location']
const RULES: Readonly<Record<string, Rule>> = {
  events: {in: ['main'], block: true},
  http: {in: ['main'], block: true},
  stream: {in: ['main'], block: true},
  mail: {in: ['main'], block: true},
  user: {in: ['main'], block: false},
  worker_processes: {in: ['main'], block: false},
  pid: {in: ['main'], block: false},
  worker_connections: {in: ['events'], block: false},
  upstream: {in: ['http'], block: true, args: [1, 1]},
  map: {in: ['http'], block: true, args: [2, 2]},
  location: {in: ['server', 'location'], block: true, args: [1, 2]},
  if: {in: ['server', 'location'], block: true},
  limit_except: {in: ['location'], block: true},
  listen: {in: ['server'], block: false},
  server_name: {in: ['server'], block: false},
  log_format: {in: ['http'], block: false},
  limit_req_zone: {in: ['http'], block: false, args: [3, 4]},
  limit_req: {in: LOCATION_LIKE, block: false},
  proxy_pass: {in: ['location', 'if', 'limit_except'], block: false, args: [1, 1]},
  proxy_set_header: {in: LOCATION_LIKE, block: false, args: [2, 2]},
  add_header: {in: [...LOCATION_LIKE, 'if'], block: false, args: [2, 3]},
  rewrite: {in: ['server', 'location', 'if'], block: false, args: [2, 3]},
  return: {in: ['server', 'location', 'if'], block: false, args: [1, 2]},
  server_tokens: {in: LOCATION_LIKE, block: false, args: [1, 1]},
  ssl_certificate: {in: ['http', 'server'], block: false, args: [1, 1]},
  ssl_certificate_key: {in: ['http', 'server'], block: false, args: [1, 1]},
  auth_basic: {in: [...LOCATION_LIKE, 'limit_except'], block: false, args: [1, 1]},
  auth_request: {in: LOCATION_LIKE, block: false, args: [1, 1]},
  keepalive: {in: ['upstream'], block: false, args: [1, 1]},
}

/** Blocks whose children are directives of a context we check; other blocks (map, types, stream) are not. */
const INNER: Readonly<Record<string, Context>> = {
  events: 'events', http: 'http', server: 'server', location: 'location', upstream: 'upstream', if: 'if', limit_except: 'limit_except',
}

/** Checks every known directive of the resolved tree against its allowed contexts, block and arity. */
export function validateContexts(root: Directive[]): DumpProblem[] {
  const problems: DumpProblem[] = []
  walk(root, 'main', problems)
  return problems
}

function walk(directives: Directive[], context: Context, problems: DumpProblem[]): void {
  for (const d of directives) {
    const problem = check(d, context)
    if (problem) problems.push({file: d.file, line: d.line, message: problem})
    const inner = INNER[d.name]
    // `server` inside `upstream` is a plain directive; a `server {}` block only belongs in http.
    if (d.block && inner && !problem) walk(d.block, inner, problems)
  }
}

function check(d: Directive, context: Context): string | undefined {
  if (d.name === 'server') return checkServer(d, context)
  const rule = RULES[d.name]
  if (!rule) return undefined
  if (!rule.in.includes(context)) return `"${d.name}" directive is not allowed here`
  if (rule.block && !d.block) return `directive "${d.name}" has no opening "{"`
  if (!rule.block && d.block) return `directive "${d.name}" is not terminated by ";"`
  const [min, max] = rule.args ?? [0, Infinity]
  if (d.args.length < min || d.args.length > max) return `invalid number of arguments in "${d.name}" directive`
  return undefined
}

function checkServer(d: Directive, context: Context): string | undefined {
  if (context === 'upstream') return d.block ? 'directive "server" is not terminated by ";"' : undefined
  if (context !== 'http') return '"server" directive is not allowed here'
  return d.block ? undefined : 'directive "server" has no opening "{"'
}
