/** The inventory: what phoenix diagnoses and how it reaches it. Loaded, validated and normalised. */

/** How phoenix reaches the Proxmox host: it runs there, or it goes over SSH. */
export type ProxmoxTarget =
  | {mode: 'local'}
  | {
      mode: 'ssh'
      host: string
      port: number
      user: string
      /** Private key file; without it the SSH agent ($SSH_AUTH_SOCK) is used. */
      identityFile?: string
      /** known_hosts file; defaults to ~/.ssh/known_hosts. */
      knownHosts: string
    }

import type {ClusterDef} from './cluster.js'
import type {GuestRef} from './ports.js'

/** The nginx gateway CT (or VM). */
export interface GatewayDef {
  /** Its CT (`ctid:` in the inventory) or VM (`vmid:`). */
  guest: GuestRef
  address: string
  /** Base URL a client uses, e.g. http://10.0.0.153 or https://gw.lan. */
  url: string
  /** PEM file of the private CA that signed the gateway's certificate. */
  ca?: string
  /** The CA file's text, read when the inventory is loaded (public certificates): what served chains are verified against. */
  caText?: string
  /** gateway.renewEvery: how often its certificates are replaced (ms); older than twice this is a stalled renewal. */
  renewEveryMs?: number
  /** nginx's main config inside the gateway CT; unset: nginx's own default (/etc/nginx/nginx.conf on Debian). */
  nginxConf?: string
  /** nginx's error log inside the gateway CT. */
  errorLog: string
  /** The systemd unit that runs nginx in the gateway CT. */
  unit: string
  /** Name of the env var holding the key the gateway wants from clients (its API routes' auth). */
  apiKeyEnv?: string
  /** The cluster node it ran on when the inventory was written (a cluster: the cluster is asked where it runs now). */
  node?: string
}

/**
 * An intermediate proxy between the gateway and some services (issue 13.2): nginx forwards their
 * routes to it, and it forwards them on. Only Traefik for now, read through its file provider and API.
 */
export interface ProxyDef {
  kind: 'traefik'
  /** Its CT (`ctid:`) or VM (`vmid:`). */
  guest: GuestRef
  address: string
  /** The port nginx forwards to (Traefik's `web` entryPoint; default 80). */
  port: number
  /** Traefik's API as its own CT reaches it (api.insecure on the `traefik` entryPoint), e.g. http://127.0.0.1:8080. */
  api?: string
  /** The file provider's directory (or file) inside its CT; default /etc/traefik/dynamic. */
  configDir: string
  /** The systemd unit that runs it; default traefik. */
  unit: string
}

/** A route on the gateway: a path prefix, optionally on a name-routed virtual host. */
export interface RouteDef {
  path: string
  host?: string
}

/** How the service runs inside its CT. */
export type RuntimeDef = {systemd: string} | {docker: string} | {compose: ComposeRef}

/** A service of a docker compose stack: its container is found by compose's labels, never by a guessed name. */
export interface ComposeRef {
  /** The compose project (`docker compose -p`; by default the stack's directory name). */
  project: string
  /** The service's name in the compose file. */
  service: string
}

/** The kinds an inventory may give a service. */
export const SERVICE_KINDS = ['http', 'vllm', 'ollama', 'qdrant', 'n8n', 'openwebui', 'llamacpp'] as const
/** Every kind phoenix diagnoses: the inventory's, and `nginx` for the gateway itself. */
export type ServiceKind = (typeof SERVICE_KINDS)[number] | 'nginx'

/** One service in its own CT. */
export interface ServiceDef {
  name: string
  kind: ServiceKind
  /** Its CT (`ctid:` in the inventory) or VM (`vmid:`, entered through the QEMU guest agent). */
  guest: GuestRef
  address: string
  port: number
  runtime?: RuntimeDef
  /** Health path; each kind has a default (kind http: /healthz). */
  health?: string
  route?: RouteDef
  /** Model the service is expected to serve (vllm, ollama, llamacpp). */
  model?: string
  /** Name of the env var that holds the service's API key. Never the key itself. */
  apiKeyEnv?: string
  /** vLLM: whether the model generates (chat) or embeds. */
  task?: 'chat' | 'embed'
  /** vLLM embed: the expected embedding dimension. */
  dim?: number
  /** Qdrant: collections that must exist. */
  collections?: string[]
  /** The cluster node it ran on when the inventory was written (a cluster: the cluster is asked where it runs now). */
  node?: string
  /** Its route goes gateway → proxy (inventory `proxy:`) → service: the proxy layer is checked between host and gateway. */
  viaProxy?: boolean
}

/** Thresholds that turn an observation into a warning. */
export interface Thresholds {
  /** An HTTP answer slower than this is a warning. */
  slowMs: number
}

export interface Inventory {
  /** Where it came from: a file path, or "embedded default". */
  source: string
  /** The Proxmox host; in a cluster, the node phoenix runs on, else the first listed (or the one to ask). */
  proxmox: ProxmoxTarget
  /** A Proxmox cluster (issue 15): its nodes, and where each guest runs is asked of it. */
  cluster?: ClusterDef
  /** Where the host keeps Proxmox's cluster files (proxmox.configDir, default /etc/pve): firewall/*.fw, nodes/NODE/lxc/ID.conf. */
  pveDir?: string
  gateway: GatewayDef
  /** The intermediate proxy some services' routes go through (`viaProxy: true`). */
  proxy?: ProxyDef
  thresholds: Thresholds
  services: ServiceDef[]
}
