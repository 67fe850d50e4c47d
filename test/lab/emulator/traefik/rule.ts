/**
 * Traefik's HTTP router rules (v3 syntax), as its muxer reads them (pkg/muxer/http: matcher.go,
 * mux.go; the predicate grammar of pkg/rules): matcher calls such as Host(`a.b`), PathPrefix(`/x`),
 * Path(`/x`), Method(`GET`), combined with &&, || and !, grouped with parentheses. Host compares
 * the request's host without its port, case-insensitively, a leading `*.` matching one label;
 * PathPrefix is a plain string prefix of the path. A router without an explicit priority gets the
 * length of its rule (GetRulePriority), and the highest priority that matches wins.
 */

export type Rule =
  | {op: 'and' | 'or'; left: Rule; right: Rule}
  | {op: 'not'; rule: Rule}
  | {op: 'match'; matcher: string; values: string[]}

/** A request as the router sees it. */
export interface RoutedRequest {
  host: string
  path: string
  method: string
}

const MATCHERS = ['Host', 'Path', 'PathPrefix', 'Method'] as const

export class RuleError extends Error {}

/** Parses a rule, or throws RuleError with Traefik's wording ("error while parsing rule ..."). */
export function parseRule(text: string): Rule {
  const tokens = tokenize(text)
  let at = 0
  const peek = () => tokens[at]
  const next = () => tokens[at++]
  const fail = (why: string): never => {
    throw new RuleError(`error while parsing rule ${text}: ${why}`)
  }
  const primary = (): Rule => {
    const t = next()
    if (t === '!') return {op: 'not', rule: primary()}
    if (t === '(') {
      const inner = or()
      if (next() !== ')') fail('missing )')
      return inner
    }
    if (!t || !/^\w+$/.test(t)) return fail(`unexpected ${t ?? 'end of rule'}`)
    const matcher = MATCHERS.find((m) => m.toLowerCase() === t.toLowerCase())
    if (!matcher) return fail(`unsupported function: ${t}`)
    if (next() !== '(') fail(`${t} without (`)
    const values: string[] = []
    while (peek() !== ')') {
      const v = next()
      if (v === undefined || !v.startsWith('`') && !v.startsWith('"')) return fail(`expected a quoted value in ${t}`)
      values.push(v.slice(1, -1))
      if (peek() === ',') next()
    }
    next()
    if (values.length !== 1) fail(`unexpected number of parameters; got ${values.length}, expected one of [1]`)
    if ((matcher === 'Path' || matcher === 'PathPrefix') && !values[0]!.startsWith('/')) fail(`path "${values[0]}" does not start with a '/'`)
    return {op: 'match', matcher, values}
  }
  const and = (): Rule => {
    let left = primary()
    while (peek() === '&&') (next(), (left = {op: 'and', left, right: primary()}))
    return left
  }
  const or = (): Rule => {
    let left = and()
    while (peek() === '||') (next(), (left = {op: 'or', left, right: and()}))
    return left
  }
  const rule = or()
  if (at !== tokens.length) fail(`unexpected ${tokens[at]}`)
  return rule
}

function tokenize(text: string): string[] {
  const tokens: string[] = []
  const re = /\s*(&&|\|\||[!(),]|`[^`]*`|"[^"]*"|\w+)/y
  let end = 0
  for (let m = re.exec(text); m; m = re.exec(text)) (tokens.push(m[1]!), (end = re.lastIndex))
  if (text.slice(end).trim() !== '') throw new RuleError(`error while parsing rule ${text}: unexpected ${text.slice(end).trim().slice(0, 20)}`)
  return tokens
}

/** Whether a request matches the rule. */
export function matches(rule: Rule, req: RoutedRequest): boolean {
  switch (rule.op) {
    case 'and':
      return matches(rule.left, req) && matches(rule.right, req)
    case 'or':
      return matches(rule.left, req) || matches(rule.right, req)
    case 'not':
      return !matches(rule.rule, req)
    case 'match':
      return matchOne(rule.matcher, rule.values[0]!, req)
  }
}

function matchOne(matcher: string, value: string, req: RoutedRequest): boolean {
  switch (matcher) {
    case 'Host':
      return hostMatches(canonicalHost(req.host), value)
    case 'Path':
      return req.path === value
    case 'PathPrefix':
      return req.path.startsWith(value)
    case 'Method':
      return req.method.toUpperCase() === value.toUpperCase()
    default:
      return false
  }
}

/** The Host header without its port, lower-case (requestdecorator's canonical host). */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  return colon > -1 && h.indexOf(':') === colon ? h.slice(0, colon) : h
}

function hostMatches(host: string, expr: string): boolean {
  if (expr === '*') return true
  const e = expr.toLowerCase().replace(/\.$/, '')
  const h = host.replace(/\.$/, '')
  if (!h) return false
  if (e.startsWith('*')) return e === ['*', ...h.split('.').slice(1)].join('.')
  return h === e
}

/** A router's priority: its own, else the length of its rule. */
export function priorityOf(rule: string, priority: number | undefined): number {
  return priority && priority > 0 ? priority : rule.length
}
