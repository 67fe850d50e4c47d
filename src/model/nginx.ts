/**
 * What reading nginx in the gateway CT observes, as data: the parsers in src/gateway make these,
 * the nginx observation (probes.ts) carries them, expectations and formatters read them.
 */

/** One [level] message of `nginx -t`, with the file and line it names. */
export interface ConfigTestMessage {
  level: string
  text: string
  file?: string
  line?: number
}

/** A problem in the config, named by file and line as `nginx -t` names it. */
export interface DumpProblem {
  file: string
  line: number
  message: string
}

/** One error.log line, read. */
export interface ErrorLogEntry {
  time: string
  level: string
  message: string
  /** As logged: `http://10.0.0.150:8000/v1/models`, or `http://qwen_service/…` when no peer was left. */
  upstream?: string
  request?: string
  host?: string
  client?: string
  server?: string
  /** The errno in `(111: Connection refused)`. */
  errno?: number
  /** The peer address:port, from `upstream` or from `connect() to ADDR:PORT failed`. */
  peer?: {address: string; port: number}
  kind: 'refused' | 'timeout' | 'no_live_upstreams' | 'prematurely_closed' | 'other'
}

/** One hardening practice the config does not follow, with where and how to fix it. */
export interface HardeningFinding {
  id: 'server_tokens' | 'tls_missing' | 'hsts' | 'x_frame_options' | 'x_content_type_options' | 'csp' | 'rate_limit' | 'auth_missing'
  summary: string
  fix: string
  file?: string
  line?: number
}

/** A TLS certificate nginx serves, and how much of its life is left. */
export interface CertificateInfo {
  file: string
  /** ISO times of notBefore and notAfter; absent when openssl could not read the file. */
  notBefore?: string
  notAfter?: string
  /** Milliseconds to notAfter when read (negative once expired), and the same in whole days. */
  msLeft?: number
  daysLeft?: number
  /** The share of notBefore..notAfter still ahead when read (0 once expired). */
  lifeLeft?: number
  /** What openssl said when it could not read it. */
  error?: string
}
