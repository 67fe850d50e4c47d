/**
 * Traefik's router rules, read as its HTTP muxer reads them (v3 syntax, from Traefik's
 * documentation on routing rules): Host, HostRegexp, Path, PathPrefix, PathRegexp, Method, Header
 * and Query calls, combined with &&, || and !, grouped with parentheses. phoenix matches the request
 * nginx forwards (its Host and path); a matcher it does not evaluate (a regexp, a header) counts as
 * matching, and the router is said to be judged on its Host and path only. A router without a
 * priority of its own gets its rule's length, and the highest priority that matches wins.
 */

type Node = {op: 'and' | 'or'; a: Node; b: Node} | {op: 'not'; a: Node} | {op: 'call'; fn: string; arg: string}

/** The request as Traefik receives it from nginx. */
export interface ProxiedRequest {
  host: string
  path: string
}

/** What a rule says of a request: matches or not, and whether phoenix had to assume a matcher. */
export interface RuleMatch {
  matches: boolean
  /** Matchers phoenix does not evaluate (HostRegexp, Header…), taken as matching. */
  assumed: string[]
  /** The rule could not be read (Traefik disables such a router). */
  invalid?: string
}

const EVALUATED = new Set(['host', 'path', 'pathprefix'])

export function matchRule(rule: string, req: ProxiedRequest): RuleMatch {
  let tree: Node
  try {
    tree = parse(rule)
  } catch (error) {
    return {matches: false, assumed: [], invalid: (error as Error).message}
  }
  const assumed: string[] = []
  const host = req.host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')
  const evaluate = (n: Node): boolean => {
    if (n.op === 'not') return !evaluate(n.a)
    if (n.op !== 'call') return n.op === 'and' ? evaluate(n.a) && evaluate(n.b) : evaluate(n.a) || evaluate(n.b)
    const fn = n.fn.toLowerCase()
    if (!EVALUATED.has(fn)) return (assumed.push(`${n.fn}(\`${n.arg}\`)`), true)
    if (fn === 'path') return req.path === n.arg
    if (fn === 'pathprefix') return req.path.startsWith(n.arg)
    const want = n.arg.toLowerCase().replace(/\.$/, '')
    if (want === '*') return true
    return want.startsWith('*.') ? host.split('.').slice(1).join('.') === want.slice(2) : host === want
  }
  return {matches: evaluate(tree), assumed}
}

/** The priority Traefik gives a router: its own, else the length of its rule. */
export function rulePriority(rule: string, priority: number | undefined): number {
  return priority !== undefined && priority > 0 ? priority : rule.length
}

/** The Host and PathPrefix values a rule names, for a hint that says what it asks for. */
export function ruleWants(rule: string): {hosts: string[]; prefixes: string[]} {
  const hosts = [...rule.matchAll(/\bHost\(\s*[`"]([^`"]*)[`"]\s*\)/gi)].map((m) => m[1]!)
  const prefixes = [...rule.matchAll(/\bPath(?:Prefix)?\(\s*[`"]([^`"]*)[`"]\s*\)/gi)].map((m) => m[1]!)
  return {hosts, prefixes}
}

function parse(rule: string): Node {
  const tokens = rule.match(/&&|\|\||[!(),]|`[^`]*`|"[^"]*"|[A-Za-z]+|\S/g) ?? []
  let i = 0
  const fail = (why: string): never => {
    throw new Error(`cannot read rule ${rule}: ${why}`)
  }
  const atom = (): Node => {
    const t = tokens[i++]
    if (t === '!') return {op: 'not', a: atom()}
    if (t === '(') {
      const inner = either()
      if (tokens[i++] !== ')') fail('a ( is not closed')
      return inner
    }
    if (!t || !/^[A-Za-z]+$/.test(t) || tokens[i++] !== '(') return fail(`unexpected ${t ?? 'end'}`)
    const arg = tokens[i++] ?? ''
    if (!/^[`"]/.test(arg)) fail(`${t} needs a quoted value`)
    // Header(`Name`, `value`) and Query(`k`, `v`) take two values; the first is kept.
    while (tokens[i] === ',') i += 2
    if (tokens[i++] !== ')') fail(`${t}( is not closed`)
    return {op: 'call', fn: t, arg: arg.slice(1, -1)}
  }
  const both = (): Node => {
    let a = atom()
    while (tokens[i] === '&&') (i++, (a = {op: 'and', a, b: atom()}))
    return a
  }
  const either = (): Node => {
    let a = both()
    while (tokens[i] === '||') (i++, (a = {op: 'or', a, b: both()}))
    return a
  }
  const tree = either()
  if (i < tokens.length) fail(`unexpected ${tokens[i]}`)
  return tree
}
