import type {CertificateInfo, KeyInfo} from './nginx.js'

/**
 * Traefik as phoenix reads it: the routers and services of its dynamic configuration (the file
 * provider's files, with the file and line of each), and where its API is enabled what it really
 * loaded (each router's status and errors, each server's UP/DOWN from its health check) and /ping.
 */

/** Where a value was written: a Traefik file and line. */
export interface TraefikOrigin {
  file: string
  line: number
}

export interface TraefikRouter {
  /** As written in the file (`ollama`); the API's is `ollama@file`. */
  name: string
  rule: string
  service: string
  /** Set in the config; 0 or absent: Traefik uses the rule's length. */
  priority?: number
  entryPoints?: string[]
  /** Where it is defined (absent when known only from the API). */
  at?: TraefikOrigin
  /** The API's status (enabled, warning, disabled) and errors, where the API was read. */
  status?: string
  errors?: string[]
  /** Its middlewares, in order, as written (`strip`, `strip@file`). */
  middlewares?: string[]
  /** It has a `tls` section: it serves on TLS with the certificates of `tls.certificates`. */
  tls?: boolean
}

/** A middleware of the dynamic configuration, as far as it changes the path the backend sees. */
export interface TraefikMiddleware {
  name: string
  /** stripPrefix.prefixes: the first that prefixes the path is taken off. */
  stripPrefix?: string[]
  /** addPrefix.prefix: put before the path. */
  addPrefix?: string
  at?: TraefikOrigin
}

/** One entry of `tls.certificates`: the files Traefik serves, picked by SNI. */
export interface TraefikCertificate {
  certFile: string
  keyFile?: string
  at: TraefikOrigin
}

export interface TraefikServer {
  url: string
  at?: TraefikOrigin
  /** UP or DOWN, from the API's serverStatus (its health check), where the API was read. */
  status?: string
}

export interface TraefikService {
  name: string
  servers: TraefikServer[]
  healthCheckPath?: string
  at?: TraefikOrigin
}

export interface TraefikApi {
  /** /ping: its status (200 OK), or why it failed (refused: Traefik is not running). */
  ping: {status?: number; error?: string}
  /** Whether /api/http/routers and /api/http/services answered with JSON. */
  read: boolean
  error?: string
}

export interface TraefikObservation {
  kind: 'traefik'
  /** The configuration files read (the file provider's directory or file). */
  files: string[]
  routers: TraefikRouter[]
  services: TraefikService[]
  /** Middlewares by name (stripPrefix, addPrefix: what changes the path). */
  middlewares?: TraefikMiddleware[]
  /** `tls.certificates` of the files. */
  tlsCertificates?: TraefikCertificate[]
  /** The files they name, read in the proxy's CT: each certificate (PEM blocks kept for the chain), each key's public half. */
  certificates?: CertificateInfo[]
  keys?: KeyInfo[]
  /** Files that could not be read or parsed, with the file:line and why. */
  problems: string[]
  /** Present when the inventory gives the API's URL. */
  api?: TraefikApi
}
