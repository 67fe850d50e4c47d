import type {CertificateInfo, ConfigTestMessage, DumpProblem, ErrorLogEntry, HardeningFinding, KeyInfo, RenewalJob, TlsServer} from './nginx.js'
import type {FirewallState} from './firewall.js'
import type {GatewayRoute, UpstreamServer} from './routes.js'
import type {TraefikObservation} from './traefik.js'

/**
 * Probes are data: what to observe. Where they run (this process, the Proxmox host, inside a CT)
 * is decided by the vantage, not by the probe. Observations are plain JSON and never exceptions.
 */

/** An HTTP request. `hostHeader` and `servername` let the client reach a name-routed virtual host. */
export interface HttpProbe {
  kind: 'http'
  url: string
  method?: 'GET' | 'POST' | 'HEAD'
  headers?: Record<string, string>
  body?: string
  hostHeader?: string
  /** TLS SNI name, when it differs from the URL's host. */
  servername?: string
  /** PEM file of a private CA to trust (gateway.ca). */
  caFile?: string
  /** Header names whose values are secrets: sent, but never reported. */
  secretHeaders?: string[]
  /**
   * Inside a CT: ask at an address this port really listens on (read from `ss` when the probe
   * runs), not the URL's 127.0.0.1: a service bound to the CT's address only refuses loopback.
   */
  listenPort?: number
}

/** A TCP connect. */
export interface TcpProbe {
  kind: 'tcp'
  host: string
  port: number
}

/** One ICMP echo. */
export interface PingProbe {
  kind: 'ping'
  host: string
}

/** A systemd unit's state and its last journal lines (run inside a CT). */
export interface UnitProbe {
  kind: 'unit'
  unit: string
  logLines: number
}

/** A docker container's state, restarts and last log lines (run inside a CT). */
export interface ContainerProbe {
  kind: 'container'
  /** The container's name, or for a compose service the label phoenix shows for it. */
  name: string
  /** A compose service: its container is the one docker labels with this project and service. */
  compose?: {project: string; service: string}
  logLines: number
}

/** The listening TCP sockets on a port, with the address each is bound to (`ss -tlnp`). */
export interface ListenProbe {
  kind: 'listen'
  port: number
}

/**
 * A WebSocket upgrade (n8n's /rest/push, Open WebUI's socket.io), from this process: did the
 * gateway pass the upgrade through (101), and did the service keep or close the socket.
 */
export interface WebSocketProbe {
  kind: 'websocket'
  /** http(s):// URL; the upgrade is requested on it. */
  url: string
  /** Sent as Origin, as a browser does (n8n closes with 1008 when it does not match the host). */
  origin?: string
  hostHeader?: string
  servername?: string
  caFile?: string
}

/** A command's presence on the PATH of a login shell in the CT (`sh -lc 'command -v TOOL'`). */
export interface CommandProbe {
  kind: 'command'
  command: string
}

/**
 * nginx inside the gateway CT, read once for the whole run: `nginx -t` (errors with file and line),
 * `nginx -T` (the config as nginx loads it, parsed into routes) and the error log's tail.
 */
export interface NginxProbe {
  kind: 'nginx'
  /** Main config file; unset: nginx's compiled-in default. */
  conf?: string
  errorLog: string
  /** Lines of the error log to read. */
  errorLines: number
  /** The inventory's API routes, where the hardening audit expects rate limits and auth. */
  apiPaths: string[]
}

/**
 * A name resolved as the vantage's programs resolve it (getaddrinfo: /etc/hosts, then the
 * nameservers of /etc/resolv.conf), with the resolver that answered, and, when nothing resolved,
 * what the first nameserver itself says (NXDOMAIN, SERVFAIL, no answer).
 */
export interface DnsProbe {
  kind: 'dns'
  name: string
}

/**
 * The Proxmox firewall on the host, read once for the run: cluster.fw and each guest's `.fw` under
 * `dir`/firewall, the guests' NICs from `dir`/nodes/NODE/{lxc,qemu-server}/ID.conf (what `pct
 * config`/`qm config` print), and the host's own addresses (its source toward a guest).
 */
export interface FirewallProbe {
  kind: 'firewall'
  /** pmxcfs's mount: /etc/pve (proxmox.configDir). */
  dir: string
  guests: {id: number; config: 'lxc' | 'qemu-server'}[]
}

/**
 * An intermediate proxy (Traefik) inside its CT, read once for the whole run: its file provider's
 * configuration files, and where its API is enabled, the routers and services it loaded and /ping.
 */
export interface TraefikProbe {
  kind: 'traefik'
  /** The file provider's directory (or file). */
  configDir: string
  /** The API's base URL inside the CT (http://127.0.0.1:8080), if enabled. */
  api?: string
}

/** Every probe kind. Adding one is a file in this folder plus a member here. */
export type Probe = HttpProbe | TcpProbe | PingProbe | UnitProbe | ContainerProbe | ListenProbe | WebSocketProbe | CommandProbe | NginxProbe | DnsProbe | FirewallProbe | TraefikProbe
export type ProbeKind = Probe['kind']

/** Why a network operation did not complete. */
export type NetErrorCode =
  | 'refused' | 'timeout' | 'unreachable' | 'reset' | 'dns' | 'tls' | 'other'
  /** Connected, but the answer is not HTTP (garbage, a header section over the limit). */
  | 'protocol'
  /** One side speaks TLS and the other plain HTTP. */
  | 'tls_mismatch'
  /** The status came, then the connection closed short of the body. */
  | 'truncated'
  /** The status came, but the body was still arriving at the timeout. */
  | 'stalled'
export interface NetError {
  code: NetErrorCode
  message: string
}

export interface HttpObservation {
  kind: 'http'
  latencyMs: number
  status?: number
  headers?: Record<string, string>
  /** The start of the body, bounded and with secrets redacted. */
  body?: string
  /** The body was longer than a probe keeps (OBSERVE_LIMIT): the rest was discarded unread. */
  truncated?: boolean
  /** With a status: the answer broke off after it (cut short, stalled). */
  error?: NetError
}

export interface TcpObservation {
  kind: 'tcp'
  connected: boolean
  latencyMs?: number
  error?: NetError
}

export interface PingObservation {
  kind: 'ping'
  alive: boolean
  rttMs?: number
  error?: string
}

export interface UnitObservation {
  kind: 'unit'
  /** systemd ActiveState: active, inactive, failed, activating, deactivating, or unknown. */
  active: string
  sub?: string
  mainPid?: number
  restarts?: number
  /**
   * How the main process's last run ended, for an OOM kill: systemd's Result (`oom-kill` where
   * cgroup v2 tells systemd, as on Proxmox VE 7+), and the signal that ended it (9 is what a
   * cgroup v1 host's OOM killer leaves: systemd then only sees the SIGKILL).
   */
  result?: string
  killedBy?: number
  /** MemoryMax in bytes, when the unit has a finite one. */
  memoryMax?: number
  logs: string[]
}

export interface ContainerObservation {
  kind: 'container'
  /** docker State.Status (running, exited, restarting, created, paused, dead) or `missing`. */
  state: string
  /** For a compose service: the containers its labels found (the first is the one inspected). */
  found?: string[]
  restarts?: number
  exitCode?: number
  /** docker's State.OOMKilled: the kernel's OOM killer ended it (exit 137 without it is a stop or kill). */
  oomKilled?: boolean
  /** HostConfig.Memory in bytes (docker run --memory), when it has a limit. */
  memoryMax?: number
  logs: string[]
}

/** One listening socket, as `ss` showed it. */
export interface ListenSocket {
  address: string
  port: number
  process?: string
  line: string
}

export interface ListenObservation {
  kind: 'listen'
  sockets: ListenSocket[]
  /** Every listener's port, to say "listening on 5679 instead" when the configured port is empty. */
  otherPorts: number[]
}

export interface CtStatusObservation {
  kind: 'ct-status'
  /** `running`, `stopped`, or what pct or qm said. */
  state: string
  /**
   * A running guest that still could not be entered, and why: a VM whose guest agent is not enabled
   * or does not answer, or whose script outlived qm's --timeout. Nothing inside was seen (unknown).
   */
  blind?: GuestBlind
}

export interface GuestBlind {
  finding: 'agent_not_enabled' | 'agent_not_responding' | 'exec_timed_out'
  summary: string
  evidence: string[]
  /** The command that follows it up (the pid qm returned: `qm guest exec-status VMID PID`). */
  hints?: {text: string; command?: string}[]
}

export interface WebSocketObservation {
  kind: 'websocket'
  latencyMs: number
  /** 101 when the upgrade went through; otherwise the status the server answered instead. */
  status?: number
  /** The start of the body when the upgrade was refused (bounded, redacted). */
  body?: string
  /** That body was longer than what is kept: the rest was discarded unread. */
  truncated?: boolean
  /** The first text messages the server sent right after the upgrade (n8n: "Invalid origin!"), bounded. */
  messages?: string[]
  /** Close frame the server sent right after the upgrade, if any (1008: origin rejected). */
  closeCode?: number
  closeReason?: string
  error?: NetError
}

export interface CommandObservation {
  kind: 'command'
  /** Where the login shell found it, or undefined when it is not on PATH. */
  path?: string
  /** The login shell's PATH, to show when the command is missing. */
  searchPath?: string
}

export interface NginxObservation {
  kind: 'nginx'
  /** `nginx -t`: ok, and each [emerg]/[warn] with the file and line it names. */
  test: {ok: boolean; messages: ConfigTestMessage[]}
  /** The routes of the loaded config (empty when `nginx -T` could not read it). Reports leave them out: `phoenix gateway routes` shows them. */
  routes: GatewayRoute[]
  /** How many routes were read (set in reports, where `routes` is left empty). */
  routeCount?: number
  /** The upstream blocks, by name: where a route's fix can point (`proxy_pass http://NAME`). Left out of reports too. */
  upstreams?: {name: string; servers: UpstreamServer[]}[]
  /** Problems our reading of the dump found, with file and line (a location outside its server). */
  problems: DumpProblem[]
  hardening: HardeningFinding[]
  /** The certificates the config serves (ssl_certificate), with their expiry. */
  certificates: CertificateInfo[]
  /** The private keys ssl_certificate_key names, as public-key hashes (the keys never leave the probe). */
  keys?: KeyInfo[]
  /** The server blocks that serve TLS, with their certificate/key pairs. */
  tlsServers?: TlsServer[]
  /** Renewal jobs in the gateway CT that name a served certificate (cron lines, systemd timers). */
  renewals?: RenewalJob[]
  /** The error log's recent entries, oldest first. */
  errors: ErrorLogEntry[]
  /** Why the error log could not be read, if it could not. */
  errorLogUnread?: string
}

/** Why a name gave no address, as the first nameserver answered a direct query for it. */
export type DnsFailure = 'nxdomain' | 'nodata' | 'servfail' | 'refused' | 'no_answer' | 'timeout' | 'unknown'

export interface DnsObservation {
  kind: 'dns'
  name: string
  /** Every address the name resolved to there, in getaddrinfo's order (empty: it did not resolve). */
  addresses: string[]
  /** The nameservers of the vantage's /etc/resolv.conf, in order. */
  resolvers: string[]
  /** The /etc/hosts line that names it there (then the hosts file answered, not a resolver). */
  hostsLine?: number
  /** With no address: why, from the first resolver. */
  failure?: DnsFailure
}

/** The vantage could not run the probe: a tool was missing, or the remote call itself failed. */
export interface UnavailableObservation {
  kind: 'unavailable'
  reason: 'missing_tool' | 'vantage_unreachable' | 'exec_failed' | 'deadline'
  message: string
  tool?: string
}

/** The firewall as read (FirewallProbe); `files` counts what was read when a report carries only the gist. */
export interface FirewallObservation {
  kind: 'firewall'
  /** undefined when nothing could be read (then `unread` says why): the probes are judged as without a firewall. */
  state?: FirewallState
  unread?: string
  files?: number
}

export type Observation =
  | FirewallObservation
  | HttpObservation
  | TcpObservation
  | PingObservation
  | UnitObservation
  | ContainerObservation
  | ListenObservation
  | CtStatusObservation
  | WebSocketObservation
  | CommandObservation
  | NginxObservation
  | DnsObservation
  | TraefikObservation
  | UnavailableObservation

/** The observation type a probe kind produces (or unavailable). */
export type ObservationOf<P extends Probe> = Extract<Observation, {kind: P['kind']}> | UnavailableObservation
