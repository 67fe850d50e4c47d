import {simple} from './directive-read.js'
import type {Directive} from './nginx-dump.js'
import {setsOf} from './nginx-variables.js'
import type {SetDirective} from './nginx-variables.js'
import type {GatewayRoute, HeaderLevel, HeaderSetting} from '../model/routes.js'

/**
 * What a location inherits, the way nginx merges configs: proxy_set_header, add_header and
 * limit_req are lists taken whole from the nearest level that writes any (so one header in a
 * location drops every header of the server: the classic trap); auth_basic and auth_request
 * inherit singly. The server's rewrite-phase directives (return, an API-key `if`) run for every
 * request before a location is chosen, so they apply to all of the server's locations.
 */
export interface Scope {
  proxyHeaders: Directive[]
  proxyHeadersFrom?: HeaderLevel
  addHeaders: Directive[]
  addHeadersFrom?: HeaderLevel
  limitReq: Directive[]
  authBasic: boolean
  authRequest: boolean
  serverGuard: boolean
  serverReturn?: Directive
  /** Redirects that depend on the request (http only, or a rewrite's pattern), server then location. */
  redirects: NonNullable<GatewayRoute['redirects']>
  /** `set $var …;` of the server, then of each enclosing location, in the order nginx runs them. */
  sets: SetDirective[]
}

/** Above http: nothing set. */
export const ROOT_SCOPE: Scope = {proxyHeaders: [], addHeaders: [], limitReq: [], authBasic: false, authRequest: false, serverGuard: false, redirects: [], sets: []}

/** The scope of a block at `level`, inheriting from its parent's. */
export function inherit(parent: Scope, block: readonly Directive[], level: HeaderLevel): Scope {
  const proxyHeaders = simple(block, 'proxy_set_header')
  const addHeaders = simple(block, 'add_header')
  const limitReq = simple(block, 'limit_req')
  return {
    proxyHeaders: proxyHeaders.length > 0 ? proxyHeaders : parent.proxyHeaders,
    proxyHeadersFrom: proxyHeaders.length > 0 ? level : parent.proxyHeadersFrom,
    addHeaders: addHeaders.length > 0 ? addHeaders : parent.addHeaders,
    addHeadersFrom: addHeaders.length > 0 ? level : parent.addHeadersFrom,
    limitReq: limitReq.length > 0 ? limitReq : parent.limitReq,
    authBasic: onOff(simple(block, 'auth_basic').at(-1)) ?? parent.authBasic,
    authRequest: onOff(simple(block, 'auth_request').at(-1)) ?? parent.authRequest,
    serverGuard: level === 'server' ? hasGuard(block) : parent.serverGuard,
    serverReturn: level === 'server' ? simple(block, 'return')[0] : parent.serverReturn,
    sets: level === 'http' ? [] : [...parent.sets, ...setsOf(block)],
    redirects: level === 'http' ? [] : [...parent.redirects, ...conditionalRedirects(block, level === 'server')],
  }
}

/** auth_basic "Realm" / auth_request /auth are on; `off` turns an inherited one off. */
function onOff(d: Directive | undefined): boolean | undefined {
  return d === undefined ? undefined : d.args[0] !== 'off'
}

/** The API-key check of seed 002 §4.2: `if ($api_key_valid = 0) { return 401; }` (or 403). */
export function hasGuard(block: readonly Directive[]): boolean {
  return block.some((d) => d.name === 'if' && (d.block ?? []).some((r) => r.name === 'return' && /^40[13]$/.test(r.args[0] ?? '')))
}

/** proxy_set_header list to a record by lower-case name; a later duplicate wins. */
export function proxyHeaderRecord(list: readonly Directive[]): Record<string, HeaderSetting> {
  const out: Record<string, HeaderSetting> = {}
  for (const d of list) out[(d.args[0] ?? '').toLowerCase()] = {value: d.args[1] ?? '', file: d.file, line: d.line}
  return out
}

/** add_header list to a record; `always` also adds it to error responses (4xx, 5xx). */
export function addHeaderRecord(list: readonly Directive[]): GatewayRoute['addHeaders'] {
  const out: GatewayRoute['addHeaders'] = {}
  for (const d of list) out[(d.args[0] ?? '').toLowerCase()] = {value: d.args[1] ?? '', always: d.args[2] === 'always', file: d.file, line: d.line}
  return out
}

/** WebSockets pass only when both hop-by-hop headers are set again: nginx clears them by default. */
export function isWebsocket(headers: Readonly<Record<string, HeaderSetting>>): boolean {
  const upgrade = headers['upgrade']?.value ?? ''
  const connection = headers['connection']?.value ?? ''
  return upgrade.includes('$http_upgrade') && /upgrade/i.test(connection)
}

/** `return 404;`, `return 301 https://…;`, `return https://…;` (302), `return 200 "text";`. */
export function readReturn(d: Directive): NonNullable<GatewayRoute['returns']> {
  const [first = '', second] = d.args
  const numeric = /^\d{3}$/.test(first)
  const target = numeric ? second : first
  return {status: numeric ? Number(first) : 302, file: d.file, line: d.line, ...(target === undefined ? {} : {target})}
}

/** `$scheme = http`, `$scheme != "https"`, `$https = ""`, `$https != on`: true only for plain http requests. */
const HTTP_ONLY = /^\(?\s*\$(scheme\s*(=\s*"?http"?|!=\s*"?https"?)|https\s*(=\s*(""|'')|!=\s*"?on"?))\s*\)?$/

/**
 * The redirects of a block that only some requests get: an `if` on the scheme with a 3xx return
 * (one server for :80 and :443 sending plain http to https), and, in a server, a rewrite to an
 * absolute URL or with redirect/permanent (it runs in the server's rewrite phase, for every location).
 */
function conditionalRedirects(block: readonly Directive[], server: boolean): NonNullable<GatewayRoute['redirects']> {
  const out: NonNullable<GatewayRoute['redirects']> = []
  for (const d of block) {
    if (d.name === 'if' && d.block && HTTP_ONLY.test(d.args.join(' '))) {
      const ret = simple(d.block, 'return')[0]
      const r = ret && readReturn(ret)
      if (r && r.status >= 300 && r.status < 400) out.push({...r, scheme: 'http'})
    }
    if (server && d.name === 'rewrite' && !d.block) {
      const [regex = '', to = '', flag] = d.args
      const away = /^https?:\/\//.test(to) || flag === 'redirect' || flag === 'permanent'
      if (away) out.push({status: flag === 'permanent' ? 301 : 302, target: to, regex, file: d.file, line: d.line})
    }
  }
  return out
}
