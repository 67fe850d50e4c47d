/** The gateway's route table: what nginx does with each location of each server. */

/** Where a directive is written. */
export interface Origin {
  file: string
  line: number
}

/** One `server` of an upstream block, or the host:port of a proxy_pass URL. */
export interface UpstreamServer {
  address: string
  port: number
  file: string
  line: number
  /** Parameters after the address (weight=2, backup, down, max_fails=…). */
  params?: string[]
}

/** One `listen`, read: `listen 10.0.0.153:443 ssl default_server;`. */
export interface ListenSpec {
  /** `*` for every address; IPv6 without brackets (`::`). */
  address: string
  port: number
  ssl: boolean
  defaultServer: boolean
}

/** A `server` block, as a route sees it. */
export interface RouteServer extends Origin {
  /** Each listen directive as written (arguments joined by a space); empty when none is written. */
  listen: string[]
  /** The listens read; `*:80` when none is written, as nginx defaults (as root). */
  listens: ListenSpec[]
  serverNames: string[]
  tls: boolean
}

/** A proxy_set_header or add_header in effect. */
export interface HeaderSetting extends Origin {
  value: string
}

/** Where the headers in effect come from: nginx inherits the whole list only from the nearest level that has one. */
export type HeaderLevel = 'location' | 'server' | 'http'

/** What nginx does with requests that reach one location of one server. */
export interface GatewayRoute {
  server: RouteServer
  /** modifier: '' (prefix), '=', '^~', '~', '~*'. */
  location: Origin & {
    modifier: string
    path: string
    /** The enclosing location of a nested one, as "file:line". */
    parent?: string
    /** A server without any location: every request gets the server's own handling. */
    implicit?: boolean
  }
  /** proxy_pass as written, and resolved: an upstream block's servers, or the host:port of the URL. */
  proxyPass?: ProxyPass
  /** proxy_set_header in effect (inherited from server/http when the location sets none, as nginx does), lower-case names. */
  headers: Record<string, HeaderSetting>
  /** The level `headers` come from; absent when no level sets any. */
  headersFrom?: HeaderLevel
  /** add_header in effect, inherited the same way, lower-case names. */
  addHeaders: Record<string, HeaderSetting & {always: boolean}>
  addHeadersFrom?: HeaderLevel
  rewrites: (Origin & {from: string; to: string; flag?: string})[]
  /** Upgrade and Connection headers set for WebSockets (proxy_set_header Upgrade $http_upgrade + Connection upgrade/$connection_upgrade). */
  websocket: boolean
  /** limit_req in effect at this location. */
  limitReq: boolean
  /** auth: auth_basic / auth_request in effect, or an API-key guard `if (…) { return 401|403; }` (seed 002 §4.2). */
  auth: boolean
  /** `return NNN` in the location (or the server's own, which runs first), if any; target is the URL or text. */
  returns?: Origin & {status: number; target?: string}
  /**
   * Redirects that depend on the request, run before the location's content (matchRoute applies
   * them): `if ($scheme = http) { return 301 https://…; }` (scheme: 'http'), and a server-level
   * `rewrite ^ https://…$request_uri permanent;` (regex: the pattern the URI must match).
   */
  redirects?: (Origin & {status: number; target?: string; scheme?: 'http'; regex?: string})[]
}

/** proxy_pass as written, and resolved: an upstream block's servers, or the host:port of the URL. */
export interface ProxyPass extends Origin {
  url: string
  upstream?: string
  /** Fixed servers; for a variable target, those of every candidate (pick one per request with passFor). */
  servers: UpstreamServer[]
  uriPart?: string
  /** The URL has variables the gateway defines (map, set): every value it can take. */
  dynamic?: {candidates: PassCandidate[]; maps: NginxMap[]}
  /** For one request: the candidate it gets (its entry is where a fix goes). */
  chosen?: PassCandidate
}

/** One `key value;` line of a map block (`default` too; implicit: none written, so ''). */
export interface MapEntry extends Origin {
  key: string
  value: string
  implicit?: boolean
}

/** `map $source $variable { … }`. */
export interface NginxMap extends Origin {
  source: string
  variable: string
  hostnames: boolean
  entries: MapEntry[]
  default: MapEntry
}

/** What gives a candidate its value: a map entry (by key) or a set (`set`, or the `if (…)` it sits in). */
export interface PassCondition {
  variable: string
  map?: string
  key?: string
  set?: string
}

/** One value a variable proxy_pass can take: where it is written, when, and where it goes. */
export interface PassCandidate extends Origin {
  url: string
  when: PassCondition[]
  upstream?: string
  servers: UpstreamServer[]
  uriPart?: string
  /** Why phoenix cannot follow it (a variable only the request decides, an empty value). */
  unresolved?: string
}
