import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The lab's topology, in one place: the operators' 10.0.0.0/24 plan (design.md) moved to
 * 198.18.0.0/24 (RFC 2544 benchmarking space, never routed from the root namespace), same CT ids,
 * same ports. Everything else in test/lab reads these tables.
 */

/** The repository root: shims, the emulator and phoenix itself are found from here. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Every namespace of the lab starts with this. Another prefix (and state dir) gives a second lab
 * beside the first: namespaces share nothing, so even the addresses can be the same.
 */
export const PREFIX = process.env.PHOENIX_LAB_PREFIX ?? 'phx-'
if (!/^[a-z][a-z0-9-]{0,7}$/.test(PREFIX)) throw new Error(`PHOENIX_LAB_PREFIX "${PREFIX}": 1-8 of a-z, 0-9, -`)

/** The lab's state (pids, logs, configs, keys). Under the repo and gitignored (.lab/). */
export const STATE = process.env.PHOENIX_LAB_STATE ?? join(REPO, '.lab')
/** A file in STATE whose presence takes pct away from phoenix's runs (the pct-missing fault). */
export const PCT_MISSING = 'pct-missing'

/** Lab shims: `pct` for the host, `systemctl`/`journalctl`/`docker` for the CTs. */
export const SHIMS = join(REPO, 'test/lab/shims')

/**
 * The Proxmox host's PATH entry for this lab: a `pct` that runs the shim with this lab's state
 * dir. phoenix spawns pct with PATH, LANG and TERM only (no key may reach a CT), so the state dir
 * cannot travel in the environment; a second lab (the bench's) still finds its own this way.
 */
export const HOST_BIN = join(STATE, 'host-bin')
/** The same without pct (the pct-missing fault on the host): qm stays, as it would on a real host. */
export const HOST_BIN_NO_PCT = join(STATE, 'host-bin-no-pct')

export const SUBNET = '198.18.0'
export const PREFIX_LEN = 24

/** The namespace that holds the bridge (the host's vmbr0). */
export const BRIDGE_NS = `${PREFIX}vmbr0`
export const BRIDGE = 'vmbr0'

/** One machine on the bridge: a namespace, an address, the bridge-side name of its veth. */
export interface Machine {
  ns: string
  address: string
  /** Name of the veth peer inside the bridge namespace (Proxmox names CT ports veth<ID>i0). */
  port: string
}

/** The Proxmox host (10.0.0.1 in the plan: the CTs' gateway address). */
export const HOST: Machine = {ns: `${PREFIX}pve`, address: `${SUBNET}.1`, port: 'tap-pve'}

/**
 * The lab's Proxmox cluster (issue 15): the host is node `pve`, and a second node `pve2` on the same
 * bridge, with its own real sshd and its own pct, which sees only the CTs the cluster places on it
 * (CLUSTER_STATE/placement/CTID; none unless the cluster test places some: every other row is as before).
 */
export const NODE2: Machine = {ns: `${PREFIX}pve2`, address: `${SUBNET}.2`, port: 'tap-pve2'}
export const NODE_NAMES = {host: 'pve', node2: 'pve2'} as const
/** Node 2's PATH entry: its pct and the cluster tools, answering as node pve2. */
export const NODE2_BIN = join(STATE, 'node2-bin')
/** The cluster's state the shims read: placement/CTID (its node), offline/NODE, ha/SID (its HA state). */
export const CLUSTER_STATE = join(STATE, 'cluster')

/** An admin machine that reaches the host over SSH (phoenix's ssh mode runs here). */
export const ADMIN: Machine = {ns: `${PREFIX}admin`, address: `${SUBNET}.200`, port: 'tap-admin'}

/** A CT: a machine with an id and a hostname, as `pct config` shows it. */
export interface Ct extends Machine {
  ctid: number
  hostname: string
}

function ct(ctid: number, hostname: string): Ct {
  return {ctid, hostname, ns: `${PREFIX}ct${ctid}`, address: `${SUBNET}.${ctid - 800}`, port: `veth${ctid}i0`}
}

/** Every CT of the lab, by id: the seven services and the gateway. */
export const CTS: readonly Ct[] = [
  ct(950, 'vllm-qwen'),
  ct(951, 'vllm-embed'),
  ct(952, 'qdrant-lxc'),
  ct(953, 'api-gateway-lxc'),
  ct(954, 'n8n-lxc'),
  ct(955, 'ollama-lxc'),
  ct(956, 'open-webui-lxc'),
  ct(957, 'llamacpp-lxc'),
]

/**
 * The real-CT lab's intermediate proxy (issue 13.2: the operators' Traefik CT 102) and the CT of the
 * service behind it. Only the real-CT lab makes them (as its VMs): the shim lab's estate is unchanged.
 */
export const PROXY_CTS: readonly Ct[] = [ct(958, 'traefik-lxc'), ct(959, 'web-lxc')]

/** The CT running the lab's Traefik (test/lab/traefik.ts), between the gateway and the PROXIED_SERVICES. */
export const PROXY_CTID = 958

export const GATEWAY_CTID = 953

/**
 * A VM: a machine with a VMID and the `name:` of its `qm config`. The real-CT lab plays it with an
 * LXC container running Debian's qemu-guest-agent (vms.ts); its port on the bridge is QEMU's tap.
 * CTs and VMs share Proxmox's one id space.
 */
export interface Vm extends Machine {
  vmid: number
  name: string
}

/** VM 1002 of the operators' estate (drphoenix, 10.0.0.102: Qdrant in a Docker stack there). */
export const VMS: readonly Vm[] = [{vmid: 1002, name: 'drphoenix', ns: `${PREFIX}vm1002`, address: `${SUBNET}.102`, port: 'tap1002i0'}]

/** Emulator profile names (test/lab/emulator). */
export type Profile = 'vllm' | 'ollama' | 'qdrant' | 'n8n' | 'openwebui' | 'llamacpp' | 'http'

/** One service of the lab: where it runs, how, and the emulator that plays it. */
export interface LabService {
  name: string
  kind: Profile
  ctid: number
  port: number
  runtime: 'systemd' | 'docker' | 'compose'
  /** Unit or container name (a compose service's: the one compose v1 gives it, project_service_1). */
  unit: string
  /** A service of a docker compose stack (runtime compose): the inventory names it so. */
  compose?: {project: string; service: string}
  /** nginx locations that lead to it (the first one is the inventory's route). */
  routes: readonly string[]
  /** The model it serves (emulator `--model`) and the inventory's `model:`. */
  model?: string
  /**
   * The env var that holds its API key: the unit runs with it (emulator `--api-key-env`), phoenix
   * gets it in its environment, and the inventory's `apiKeyEnv:` names it. The lab makes the key.
   */
  apiKeyEnv?: string
  /** Emulator arguments beyond profile, host, port, model and key. */
  args: readonly string[]
  /** Inventory keys beyond the common ones. */
  extra?: Record<string, string | number>
  /** The service's own commands in its CT's /usr/local/bin (lab stand-ins in shims/bin). */
  cli?: readonly string[]
  /** Runs in a VM: `ctid` is then the VMID (one id space), entered through the guest agent. */
  vm?: true
  /** Its route goes nginx → the lab's Traefik (CT 958) → the service: `viaProxy: true` in the inventory. */
  viaProxy?: true
  /**
   * A real container whose PID 1 is a shell running the server as its child (a start script that
   * does not exec): it ignores SIGTERM, so `docker stop` kills it after the grace period, exit 137.
   */
  shellPid1?: boolean
}

export const SERVICES: readonly LabService[] = [
  {
    name: 'vllm-chat', kind: 'vllm', ctid: 950, port: 8000, runtime: 'systemd', unit: 'vllm-chat',
    routes: ['/v1/chat/completions', '/v1/completions'], model: 'Qwen/Qwen2.5-7B-Instruct-AWQ', apiKeyEnv: 'VLLM_API_KEY',
    args: ['--task', 'chat'], extra: {task: 'chat'},
  },
  {
    name: 'vllm-embed', kind: 'vllm', ctid: 951, port: 8000, runtime: 'systemd', unit: 'vllm-embed',
    routes: ['/v1/embeddings'], model: 'BAAI/bge-m3', args: ['--task', 'embed', '--dim', '1024'], extra: {task: 'embed', dim: 1024},
  },
  {name: 'qdrant', kind: 'qdrant', ctid: 952, port: 6333, runtime: 'docker', unit: 'qdrant', routes: ['/qdrant/'], apiKeyEnv: 'QDRANT_API_KEY', args: []},
  {name: 'n8n', kind: 'n8n', ctid: 954, port: 5678, runtime: 'docker', unit: 'n8n', routes: ['/n8n/'], args: []},
  {
    // --host-guard: Ollama's Host-header check, as if bound to loopback (emulator/host-guard.ts), so
    // the gateway's `proxy_set_header Host localhost:11434` is proven by every healthy run.
    name: 'ollama', kind: 'ollama', ctid: 955, port: 11434, runtime: 'systemd', unit: 'ollama',
    routes: ['/ollama/'], model: 'llama3.2:latest', args: ['--host-guard'], cli: ['ollama'],
  },
  // Its socket.io is at /webui/ws/socket.io/ through the gateway: the route passes the upgrade.
  {name: 'open-webui', kind: 'openwebui', ctid: 956, port: 8080, runtime: 'docker', unit: 'open-webui', routes: ['/webui/'], args: [], shellPid1: true},
  // llama-server --port 8081, as the plan has it (its own default is 8080, or 9931 in new releases).
  {name: 'llamacpp', kind: 'llamacpp', ctid: 957, port: 8081, runtime: 'systemd', unit: 'llama-server', routes: ['/llamacpp/'], args: []},
]

/**
 * Services in VMs (the real-CT lab only: a VM is a real LXC container). Qdrant in VM 1002, as the
 * operators moved it; its own key variable, so the CT qdrant's key faults leave it alone.
 */
export const VM_SERVICES: readonly LabService[] = [
  // As the operators run it: a service of a docker compose stack in a VM (seed: docker VM 1002).
  {name: 'qdrant-vm', kind: 'qdrant', ctid: 1002, port: 6333, runtime: 'compose', unit: 'ai-stack_qdrant_1', compose: {project: 'ai-stack', service: 'qdrant'}, routes: ['/qdrant-vm/'], apiKeyEnv: 'QDRANT_VM_API_KEY', args: [], vm: true},
]

/** Whether this lab was brought up with real CTs, and so its VMs (`up` records it in lab.env). */
export function labIsReal(): boolean {
  try {
    return /^PHX_REAL='1'$/m.test(readFileSync(join(STATE, 'lab.env'), 'utf8'))
  } catch {
    return false
  }
}

/**
 * Services behind the lab's Traefik (the real-CT lab only, as the VMs): a generic /healthz service
 * reached by its name through the gateway's server block for it, whose `location /` goes to Traefik.
 */
export const PROXIED_SERVICES: readonly LabService[] = [
  {name: 'web', kind: 'http', ctid: 959, port: 8090, runtime: 'systemd', unit: 'web', routes: ['/'], args: [], viaProxy: true},
]

/**
 * The lab's shapes. `standard`: the operators' October plan (path routes on nginx, every service's
 * CT), with Traefik, its one service and the VM added on a real lab. `operators`: the estate as they
 * run it now (issue 13, operators-estate.md section 2), real CTs only: nginx terminates TLS and sends
 * every name to Traefik, which routes each name to its service; dnsmasq gives every service a name;
 * each service's CT admits only Traefik. `up({shape})` or PHOENIX_LAB_SHAPE; `up` records it in lab.env.
 */
export type Shape = 'standard' | 'operators'

/** The shape of the lab that is up (lab.env), standard when none is recorded. */
export function labShape(): Shape {
  try {
    return /^PHX_SHAPE='operators'$/m.test(readFileSync(join(STATE, 'lab.env'), 'utf8')) ? 'operators' : 'standard'
  } catch {
    return 'standard'
  }
}

/** A service as the operators' shape runs it: behind Traefik, reached by its name at `/`. */
const behindTraefik = (s: LabService, edit: Partial<LabService> = {}): LabService => ({...s, routes: ['/'], viaProxy: true, ...edit})

/**
 * The operators' shape's services, one per kind of runtime: ollama (systemd; bound to 0.0.0.0 as
 * their OLLAMA_HOST says, so real Ollama checks no Host header: no --host-guard), qdrant (docker,
 * with its API key; the operators run theirs in docker), n8n (docker; its editor's push is a
 * WebSocket through nginx and Traefik) and web (the generic http service).
 */
export const OPERATORS_SERVICES: readonly LabService[] = [
  behindTraefik(SERVICES.find((s) => s.name === 'ollama')!, {args: []}),
  behindTraefik(SERVICES.find((s) => s.name === 'qdrant')!),
  behindTraefik(SERVICES.find((s) => s.name === 'n8n')!),
  ...PROXIED_SERVICES,
]

/** The services behind the lab's Traefik: web, or in the operators' shape every one. */
export function proxiedServices(): readonly LabService[] {
  return labShape() === 'operators' ? OPERATORS_SERVICES : PROXIED_SERVICES
}

/** The services of the lab that is up: the CTs', and on a real lab the VMs' and those behind Traefik (the operators' shape: its own). */
export function labServices(): readonly LabService[] {
  if (labShape() === 'operators') return OPERATORS_SERVICES
  return labIsReal() ? [...SERVICES, ...VM_SERVICES, ...PROXIED_SERVICES] : SERVICES
}

/** Name-routed TLS virtual host on the gateway (its certificate comes from the lab's CA). */
export const TLS_HOST = 'n8n.phoenix.local'
export const GATEWAY_SERVER_NAME = 'api.phoenix.local'

/** The answer-time threshold the lab's inventory sets, and the delay of the `slow` fault. */
export const SLOW_MS = 2000
export const SLOW_FAULT_MS = 3000

export function ctById(ctid: number): Ct {
  const found = [...CTS, ...PROXY_CTS].find((c) => c.ctid === ctid)
  if (!found) throw new Error(`no CT ${ctid} in the lab`)
  return found
}

export function vmById(vmid: number): Vm | undefined {
  return VMS.find((v) => v.vmid === vmid)
}

export function serviceByName(name: string): LabService {
  // The lab's own first: the operators' shape runs some services otherwise (behind Traefik).
  const found = [...labServices(), ...SERVICES, ...VM_SERVICES, ...PROXIED_SERVICES].find((s) => s.name === name)
  if (!found) throw new Error(`no service "${name}" in the lab (known: ${SERVICES.map((s) => s.name).join(', ')})`)
  return found
}

/** Address of a service's CT. */
export function addressOf(s: LabService): string {
  return (vmById(s.ctid) ?? ctById(s.ctid)).address
}
