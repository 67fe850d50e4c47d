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
  /** ISO times of notBefore and notAfter; absent when the file could not be read as a certificate. */
  notBefore?: string
  notAfter?: string
  /** Milliseconds to notAfter when read (negative once expired), and the same in whole days. */
  msLeft?: number
  daysLeft?: number
  /** The share of notBefore..notAfter still ahead when read (0 once expired). */
  lifeLeft?: number
  /** Milliseconds since notBefore when read. */
  msOld?: number
  /** The leaf's subject and issuer, as node:crypto prints them (one line each). */
  subject?: string
  issuer?: string
  /** The names it is valid for: its subjectAltName entries (`DNS:n8n.lan`, `IP Address:10.0.0.153`). */
  names?: string[]
  /** SHA-256 of the leaf's public key (SPKI, hex): compared with the key's, never the key itself. */
  publicKey?: string
  /** The PEM blocks of the file (leaf first, then the intermediates): for the chain check; reports leave them out. */
  pems?: string[]
  /** Why it could not be read. */
  error?: string
}

/** A private key nginx is given, as far as phoenix keeps it: the SHA-256 of its public half, never the key. */
export interface KeyInfo {
  file: string
  publicKey?: string
  /** How the public key was had: openssl in the gateway CT, or derived by phoenix in memory from the key it read. */
  via?: 'openssl' | 'derived'
  error?: string
}

/** A job seen in the gateway CT that renews a certificate: a cron line or a systemd timer naming the file. */
export interface RenewalJob {
  /** The certificate file it names. */
  cert: string
  kind: 'cron' | 'timer'
  /** `/etc/cron.d/step-renew:3` or the timer's unit name. */
  where: string
  /** The cron line, or the timer's schedule and the command it activates. */
  text: string
  /** How often it runs, read from the schedule, when phoenix can read it. */
  everyMs?: number
  /** It renews only when the certificate is due (step certificate needs-renewal, --expires-in, -checkend). */
  conditional: boolean
  /** When the timer last ran (systemd's LastTriggerUSec), when known. */
  lastRun?: string
}

/** A server block that serves TLS, and the certificate/key pairs nginx gives it (inherited from http when it sets none). */
export interface TlsServer {
  file: string
  line: number
  serverNames: string[]
  /** The port of its first TLS listen. */
  port: number
  pairs: {cert: string; key?: string; file: string; line: number}[]
}
