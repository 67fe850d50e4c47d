import {homedir} from 'node:os'
import {dirname, isAbsolute, resolve} from 'node:path'

import type {ConfigReader, KeyPath} from './reader.js'
import {SERVICE_KINDS} from '../model/inventory.js'
import type {GatewayDef, Inventory, ProxmoxTarget, RouteDef, RuntimeDef, ServiceDef} from '../model/inventory.js'
import type {GuestRef} from '../model/ports.js'
import {displayUrl, gatewayUrlProblem, RULES} from './value-rules.js'
import {clusterConfig, NODE_NAME, TARGET_KEYS} from './cluster-config.js'
import {PROXY_KEYS, proxy, viaProxy} from './validate-proxy.js'

const TOP_KEYS = ['proxmox', 'gateway', 'proxy', 'thresholds', 'services'] as const
const PROXMOX_KEYS = [...TARGET_KEYS, 'nodes', 'cluster', 'configDir'] as const
const GATEWAY_KEYS = ['ctid', 'vmid', 'address', 'url', 'ca', 'nginxConf', 'errorLog', 'unit', 'apiKeyEnv', 'node', 'renewEvery'] as const
/** The gateway is diagnosed under this name (`phoenix diag gateway`), so no service may take it. */
export const GATEWAY_NAME = 'gateway'
const SERVICE_KEYS = ['kind', 'ctid', 'vmid', 'address', 'port', 'runtime', 'health', 'route', 'model', 'task', 'dim', 'apiKeyEnv', 'collections', 'node', 'viaProxy'] as const
const CTID = [100, 999_999_999] as const

/** Turns parsed YAML into an Inventory, or throws a ConfigError naming the first problem. */
export function validateInventory(raw: unknown, r: ConfigReader): Inventory {
  const top = r.map(raw ?? {}, [], TOP_KEYS)
  const example = 'n8n: { kind: n8n, ctid: 954, address: 10.0.0.154, port: 5678 }'
  const services = r.namedMap(r.required(top, 'services', [], `{ ${example} }`), ['services'], 'service names to their settings', example)
  if (Object.keys(services).length === 0) r.fail(['services'], 'no services listed', 'add at least one service under services:')
  const thresholds = r.map(top.thresholds ?? {}, ['thresholds'], ['slowMs'])
  const px = r.map(r.required(top, 'proxmox', [], '{ host: local }'), ['proxmox'], PROXMOX_KEYS)
  // A cluster (issue 15): proxmox is its first node, for what runs on one host (audit, routes, --fix).
  const cluster = clusterConfig(px, r, proxmox)
  const proxyDef = top.proxy === undefined ? undefined : proxy(r.map(top.proxy, ['proxy'], PROXY_KEYS), r, (m, at) => guest(m, at, r, 102))
  return {
    source: r.file,
    proxmox: cluster?.first ?? proxmox(px, ['proxmox'], r),
    ...(cluster ? {cluster: cluster.cluster} : {}),
    ...pveDir(px, r),
    gateway: gateway(r.map(r.required(top, 'gateway', [], '{ ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }'), ['gateway'], GATEWAY_KEYS), r),
    ...(proxyDef ? {proxy: proxyDef} : {}),
    thresholds: {slowMs: thresholds.slowMs === undefined ? 1000 : r.integer(thresholds.slowMs, ['thresholds', 'slowMs'], 1, 600_000)},
    services: Object.entries(services).map(([name, value]) => service(name, value, r, proxyDef !== undefined)),
  }
}

function proxmox(p: Record<string, unknown>, at: KeyPath, r: ConfigReader): ProxmoxTarget {
  const host = r.string(p.host, [...at, 'host'], {test: (v) => v === 'local' || RULES.address.test(v), expected: '"local" or the host\'s address'})
  if (host === 'local') return {mode: 'local'}
  const identity = r.optionalString(p.identityFile, [...at, 'identityFile'])
  return {
    mode: 'ssh',
    host,
    port: p.port === undefined ? 22 : r.integer(p.port, [...at, 'port'], 1, 65_535),
    user: r.optionalString(p.user, [...at, 'user'], RULES.user) ?? 'root',
    ...(identity ? {identityFile: filePath(identity, r.file)} : {}),
    knownHosts: filePath(r.optionalString(p.knownHosts, [...at, 'knownHosts']) ?? '~/.ssh/known_hosts', r.file),
  }
}

/** proxmox.configDir: pmxcfs's mount on the host (/etc/pve), where phoenix reads the firewall's files. */
function pveDir(p: Record<string, unknown>, r: ConfigReader): Pick<Inventory, 'pveDir'> {
  const dir = r.optionalString(p.configDir, ['proxmox', 'configDir'], {...RULES.absolutePath, expected: 'an absolute path on the Proxmox host (like /etc/pve)'})
  return dir ? {pveDir: dir.replace(/(.)\/+$/, '$1')} : {}
}

function gateway(g: Record<string, unknown>, r: ConfigReader): GatewayDef {
  const url = r.string(r.required(g, 'url', ['gateway'], 'http://10.0.0.153'), ['gateway', 'url'])
  const problem = gatewayUrlProblem(url)
  if (problem) {
    r.fail(['gateway', 'url'], `"${displayUrl(url)}" ${problem}`, 'set url to the base URL a client uses, like https://10.0.0.153 (a key the gateway wants goes in an env var named by gateway.apiKeyEnv)')
  }
  const ca = r.optionalString(g.ca, ['gateway', 'ca'])
  const nginxConf = r.optionalString(g.nginxConf, ['gateway', 'nginxConf'], RULES.absolutePath)
  return {
    guest: guest(g, ['gateway'], r, 953),
    address: r.string(r.required(g, 'address', ['gateway'], '10.0.0.153'), ['gateway', 'address'], RULES.address),
    url: url.replace(/\/+$/, ''),
    ...(ca ? {ca: filePath(ca, r.file)} : {}),
    ...(nginxConf ? {nginxConf} : {}),
    errorLog: r.optionalString(g.errorLog, ['gateway', 'errorLog'], RULES.absolutePath) ?? '/var/log/nginx/error.log',
    unit: r.optionalString(g.unit, ['gateway', 'unit'], RULES.unit) ?? 'nginx',
    ...(g.apiKeyEnv !== undefined ? {apiKeyEnv: r.string(g.apiKeyEnv, ['gateway', 'apiKeyEnv'], RULES.envName)} : {}),
    ...(g.node !== undefined ? {node: r.string(g.node, ['gateway', 'node'], NODE_NAME)} : {}),
    ...renewEvery(g.renewEvery, r),
  }
}

const SPAN_UNITS: Readonly<Record<string, number>> = {m: 60_000, h: 3_600_000, d: 86_400_000}

/** gateway.renewEvery: `15m`, `1h`, `12h`, `60d`, how often the gateway's certificates are replaced. */
function renewEvery(value: unknown, r: ConfigReader): {renewEveryMs?: number} {
  if (value === undefined) return {}
  const text = r.string(value, ['gateway', 'renewEvery'])
  const m = /^(\d+)(m|h|d)$/.exec(text.trim())
  if (!m || Number(m[1]) === 0) {
    r.fail(['gateway', 'renewEvery'], `"${text.slice(0, 40)}" is not a renewal interval`, 'write it as minutes, hours or days: 15m, 1h, 12h, 60d (how often the certificates are replaced)')
  }
  return {renewEveryMs: Number(m[1]) * SPAN_UNITS[m[2]!]!}
}

function service(name: string, value: unknown, r: ConfigReader, hasProxy: boolean): ServiceDef {
  const at: KeyPath = ['services', name]
  if (!RULES.serviceName.test(name)) {
    const tooLong = name.length > 63 ? ` (it has ${name.length} characters)` : ''
    r.fail(at, `"${name.length > 80 ? `${name.slice(0, 80)}…` : name}" is not ${RULES.serviceName.expected}${tooLong}`, 'rename the service')
  }
  if (name === GATEWAY_NAME) r.fail(at, `"${GATEWAY_NAME}" is the name phoenix gives the nginx gateway itself (phoenix diag gateway)`, 'rename the service')
  const s = r.map(value, at, SERVICE_KEYS)
  const kind = r.oneOf(r.required(s, 'kind', at, 'http'), [...at, 'kind'], SERVICE_KINDS)
  const def: ServiceDef = {
    name,
    kind,
    guest: guest(s, at, r, 954),
    address: r.string(r.required(s, 'address', at, '10.0.0.154'), [...at, 'address'], RULES.address),
    port: r.integer(r.required(s, 'port', at, '5678'), [...at, 'port'], 1, 65_535),
  }
  if (s.runtime !== undefined) def.runtime = runtime(s.runtime, [...at, 'runtime'], r)
  if (s.health !== undefined) def.health = r.string(s.health, [...at, 'health'], RULES.healthPath)
  if (s.route !== undefined) def.route = route(s.route, [...at, 'route'], r)
  if (s.model !== undefined) def.model = r.string(s.model, [...at, 'model'], RULES.model)
  if (s.apiKeyEnv !== undefined) def.apiKeyEnv = r.string(s.apiKeyEnv, [...at, 'apiKeyEnv'], RULES.envName)
  if (s.task !== undefined) def.task = r.oneOf(s.task, [...at, 'task'], ['chat', 'embed'] as const)
  if (s.dim !== undefined) def.dim = r.integer(s.dim, [...at, 'dim'], 1, 65_536)
  if (s.collections !== undefined) def.collections = stringList(s.collections, [...at, 'collections'], r)
  if (s.node !== undefined) def.node = r.string(s.node, [...at, 'node'], NODE_NAME)
  if (s.viaProxy !== undefined && viaProxy(s.viaProxy, [...at, 'viaProxy'], hasProxy, r)) def.viaProxy = true
  return def
}

/** Where it runs: a CT (`ctid:`) or a VM (`vmid:`, entered through its QEMU guest agent), one of them. */
function guest(m: Record<string, unknown>, at: KeyPath, r: ConfigReader, example: number): GuestRef {
  if (m.ctid !== undefined && m.vmid !== undefined) {
    r.fail([...at, 'vmid'], 'both ctid and vmid are set: it lives in one guest', 'keep ctid: for a CT or vmid: for a VM, not both')
  }
  if (m.vmid !== undefined) return {kind: 'vm', id: r.integer(m.vmid, [...at, 'vmid'], ...CTID)}
  return {kind: 'ct', id: r.integer(r.required(m, 'ctid', at, `${example} (or vmid: 1002, for a VM)`), [...at, 'ctid'], ...CTID)}
}

function runtime(value: unknown, at: KeyPath, r: ConfigReader): RuntimeDef {
  const m = r.map(value, at, ['systemd', 'docker', 'compose'])
  const given = ['systemd', 'docker', 'compose'].filter((k) => m[k] !== undefined)
  if (given.length !== 1) return r.fail(at, 'expected exactly one of systemd, docker or compose', 'write { systemd: UNIT }, { docker: CONTAINER } or { compose: { project: PROJECT, service: SERVICE } }')
  if (m.systemd !== undefined) return {systemd: r.string(m.systemd, [...at, 'systemd'], RULES.unit)}
  if (m.docker !== undefined) return {docker: r.string(m.docker, [...at, 'docker'], RULES.container)}
  const c = r.map(m.compose, [...at, 'compose'], ['project', 'service'])
  const project = r.string(r.required(c, 'project', [...at, 'compose'], 'ai-stack'), [...at, 'compose', 'project'], RULES.composeProject)
  const service = r.string(r.required(c, 'service', [...at, 'compose'], 'qdrant'), [...at, 'compose', 'service'], RULES.composeService)
  return {compose: {project, service}}
}

function route(value: unknown, at: KeyPath, r: ConfigReader): RouteDef {
  if (typeof value === 'string') return {path: r.string(value, at, RULES.path)}
  const m = r.map(value, at, ['host', 'path'])
  const host = r.optionalString(m.host, [...at, 'host'], RULES.hostName)
  return {path: r.optionalString(m.path, [...at, 'path'], RULES.path) ?? '/', ...(host ? {host} : {})}
}

function stringList(value: unknown, at: KeyPath, r: ConfigReader): string[] {
  if (!Array.isArray(value)) return r.fail(at, 'expected a list', 'write it as [name1, name2]')
  return value.map((v, i) => r.string(v, [...at, i], RULES.collection))
}

/** `~/x` and paths relative to the config file's folder, made absolute. */
function filePath(value: string, configFile: string): string {
  if (value.startsWith('~/')) return resolve(homedir(), value.slice(2))
  if (isAbsolute(value) || configFile.startsWith('(')) return resolve(value)
  return resolve(dirname(configFile), value)
}
