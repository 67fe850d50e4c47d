import type {ExecResult, Shell} from '../../model/ports.js'
import type {RuntimeDef, ServiceKind} from '../../model/inventory.js'
import type {Estate, FoundGateway, FoundService, Guess} from '../../inventory/discovery/estate.js'
import {uniqueNames} from '../../inventory/discovery/estate.js'
import {readGatewayConfig, routeTo} from './gateway-routes.js'
import type {GatewayConfig} from './gateway-routes.js'
import {parseScan, reachable, SCAN_SCRIPT} from '../../inventory/discovery/guest-scan.js'
import type {GuestScan, ListeningSocket} from '../../inventory/discovery/guest-scan.js'
import {agentEnabled, configAddress, parseGuestConfig, parsePctList, parseQmList} from '../../inventory/discovery/proxmox-lists.js'
import type {ListedGuest} from '../../inventory/discovery/proxmox-lists.js'
import {fingerprint, kindFromName} from '../../inventory/discovery/recognise.js'
import type {Get, Recognised} from '../../inventory/discovery/recognise.js'

const SKIP_PROCESSES = /^(sshd|nginx|master|exim4|dnsmasq|systemd.*|chronyd|rpcbind|rpc\.\w+|cupsd|smbd|named|unbound|postgres|mysqld|mariadbd|redis-server)$/
const TIMEOUT_MS = 15_000

/**
 * Reads the estate from the Proxmox host: `pct list`/`qm list`, each guest's config, one scan
 * exec per running CT, the gateway's `nginx -T`, and a harmless GET at each listening port.
 */
export async function discoverEstate(host: Shell, get: Get): Promise<Estate> {
  return (await discoverNode(host, get)).estate
}

/** The note of an estate whose host runs no gateway (a cluster's other nodes drop it when one has it). */
export const NO_GATEWAY_NOTE = 'no running CT serves nginx with proxy routes: gateway is a TODO'

/** The estate of one host, and its gateway's routes (a cluster routes the other nodes' services with them). */
export async function discoverNode(host: Shell, get: Get): Promise<{estate: Estate; gatewayConfig?: GatewayConfig}> {
  const notes: string[] = []
  const cts = await listGuests(host, ['pct', 'list'], parsePctList)
  const vms = await listGuests(host, ['qm', 'list'], parseQmList)
  if (cts === undefined && vms === undefined) throw new Error(`neither pct nor qm runs on ${host.description === 'local' ? 'this machine' : host.description}: it is not a Proxmox host`)
  if (vms === undefined) notes.push('qm is not installed on the host: no VMs read')
  for (const vm of vms ?? []) notes.push(await vmNote(host, vm))
  const scans = await mapLimit(cts ?? [], 8, async (ct) => scanCt(host, ct, notes))
  const services: FoundService[] = []
  let gateway: {found: FoundGateway; config: GatewayConfig} | undefined
  for (const s of scans.filter((x) => x !== undefined)) {
    if (s.scan.nginxDump && s.scan.sockets.some((k) => k.process === 'nginx') && !gateway) gateway = foundGateway(s.ct, s.address, s.scan.nginxDump)
  }
  const found = await mapLimit(scans.filter((x) => x !== undefined), 8, (s) => recogniseCt(s, get, notes))
  services.push(...found.flat())
  for (const s of services) route(s, gateway?.config)
  uniqueNames(services)
  if (!gateway) notes.push(NO_GATEWAY_NOTE)
  return {estate: {host: host.description, ...(gateway ? {gateway: gateway.found} : {}), services, notes}, ...(gateway ? {gatewayConfig: gateway.config} : {})}
}

async function listGuests(host: Shell, argv: string[], parse: (s: string) => ListedGuest[]): Promise<ListedGuest[] | undefined> {
  const r = await host.exec(argv, {timeoutMs: TIMEOUT_MS})
  if (!r.ok && r.reason === 'spawn') return undefined
  if (r.ok && r.code === 127) return undefined
  if (!r.ok || r.code !== 0) throw new Error(`${argv.join(' ')} failed on ${host.description}: ${failure(r)}`)
  return parse(r.stdout)
}

interface CtScan {
  ct: ListedGuest
  address: Guess<string>
  scan: GuestScan
}

async function scanCt(host: Shell, ct: ListedGuest, notes: string[]): Promise<CtScan | undefined> {
  const config = await host.exec(['pct', 'config', String(ct.id)], {timeoutMs: TIMEOUT_MS})
  const fromConfig = config.ok && config.code === 0 ? configAddress(parseGuestConfig(config.stdout)) : undefined
  if (ct.status !== 'running') {
    notes.push(`CT ${ct.id} (${ct.name}) is ${ct.status}: not scanned; start it and run phoenix init --merge`)
    return undefined
  }
  const r = await host.exec(['pct', 'exec', String(ct.id), '--', 'sh', '-s'], {timeoutMs: TIMEOUT_MS, stdin: SCAN_SCRIPT})
  if (!r.ok || r.code !== 0) {
    notes.push(`CT ${ct.id} (${ct.name}): could not be scanned (${failure(r)})`)
    return undefined
  }
  const scan = parseScan(r.stdout)
  const address = fromConfig ? {value: fromConfig.address, how: `pct config ${ct.id}: ${fromConfig.key} ip=`} : scan.addresses[0] ? {value: scan.addresses[0], how: `hostname -I in CT ${ct.id}`} : undefined
  if (!address) {
    notes.push(`CT ${ct.id} (${ct.name}): no IPv4 address in its config or inside it`)
    return undefined
  }
  return {ct, address, scan}
}

function foundGateway(ct: ListedGuest, address: Guess<string>, dump: string): {found: FoundGateway; config: GatewayConfig} {
  const config = readGatewayConfig(dump, address.value)
  const how = `CT ${ct.id} (${ct.name}) runs nginx`
  const found: FoundGateway = {
    ctid: {value: ct.id, how},
    address,
    url: {value: config.url, how: `nginx -T: its proxy routes are on ${config.tls ? 'an https' : 'a plain http'} server`},
    todo: config.tls ? ['ca: the PEM file of the CA that signed the gateway certificate, if it is not publicly trusted'] : [],
  }
  if (config.errorLog) found.errorLog = {value: config.errorLog, how: 'nginx -T: error_log'}
  if (config.nginxConf) found.nginxConf = {value: config.nginxConf, how: 'nginx -T: its main config file'}
  return {found, config}
}

async function recogniseCt(s: CtScan, get: Get, notes: string[]): Promise<FoundService[]> {
  const sockets = uniquePorts(s.scan.sockets.filter((k) => reachable(k) && !SKIP_PROCESSES.test(k.process ?? '')))
  const out: FoundService[] = []
  for (const socket of sockets) {
    const argv = socket.pid !== undefined ? (s.scan.cmdlines.get(socket.pid) ?? []) : []
    const hint = runtimeFor(s.scan, undefined).find((r) => kindFromName(r.name))
    const r = await fingerprint(`http://${hostPort(s.address.value, socket.port)}`, get, hint ? kindFromName(hint.name) : kindFromName(argv.join(' ')), argv)
    if (!r) {
      notes.push(`CT ${s.ct.id} (${s.ct.name}): port ${socket.port}${socket.process ? ` (${socket.process})` : ''} is not a service phoenix recognises`)
      continue
    }
    out.push(service(s, socket, r))
  }
  return out
}

function service(s: CtScan, socket: ListeningSocket, r: Recognised): FoundService {
  const runtime = runtimeFor(s.scan, r.kind)
  const one = runtime.find((x) => kindFromName(x.name) === r.kind) ?? (runtime.length === 1 ? runtime[0] : undefined)
  const f: FoundService = {
    name: one?.name ?? s.ct.name,
    kind: {value: r.kind, how: r.how},
    ctid: {value: s.ct.id, how: `pct list: CT ${s.ct.id} (${s.ct.name})`},
    address: s.address,
    port: {value: socket.port, how: `ss in CT ${s.ct.id}: ${socket.process ?? 'a process'} listens on ${socket.address}:${socket.port}`},
    todo: [],
  }
  if (one) f.runtime = {value: one.def, how: `${'systemd' in one.def ? 'systemctl list-units' : 'compose' in one.def ? "docker ps (compose's labels)" : 'docker ps'} in CT ${s.ct.id}${kindFromName(one.name) ? '' : ' (its only one)'}`}
  else f.todo.push(`runtime: { systemd: UNIT } or { docker: CONTAINER } (CT ${s.ct.id} runs ${runtime.length} candidates)`)
  if (r.model) f.model = r.model
  else if (r.models) f.todo.push(`model: one of ${r.models.join(', ')}`)
  if (r.task) f.task = r.task
  if (r.apiKeyEnv) f.apiKeyEnv = r.apiKeyEnv
  return f
}

/** The units and containers of a CT that could run a service: named for the kind, or any non-system one. */
function runtimeFor(scan: GuestScan, kind: ServiceKind | undefined): {name: string; def: RuntimeDef}[] {
  // A compose service is known by its labels: its container's name changes with compose's version.
  const all = [...scan.containers.map((c) => (c.compose ? {name: c.compose.service, def: {compose: c.compose} as RuntimeDef} : {name: c.name, def: {docker: c.name} as RuntimeDef})), ...scan.units.filter((u) => kindFromName(u)).map((u) => ({name: u, def: {systemd: u} as RuntimeDef}))]
  const named = all.filter((x) => kind === undefined || kindFromName(x.name) === kind)
  return named.length > 0 ? named : all
}

export function route(s: FoundService, config: GatewayConfig | undefined): void {
  const r = config && routeTo(config, [s.address.value], s.port.value)
  if (r) s.route = {value: r.host ? {host: r.host, path: r.path} : r.path, how: r.how}
  else if (config) s.todo.push('route: no location of the gateway proxies to it (leave it out if clients do not reach it through the gateway)')
  if (s.kind.value === 'vllm' && !s.task && r) s.task = {value: /embed/.test(r.path) ? 'embed' : 'chat', how: `its gateway route ${r.path}`}
}

async function vmNote(host: Shell, vm: ListedGuest): Promise<string> {
  const r = await host.exec(['qm', 'config', String(vm.id)], {timeoutMs: TIMEOUT_MS})
  const config = r.ok && r.code === 0 ? parseGuestConfig(r.stdout) : new Map<string, string>()
  const address = configAddress(config)
  const agent = agentEnabled(config) ? 'guest agent enabled' : 'no guest agent in its config (agent: 1)'
  return `VM ${vm.id} (${vm.name}, ${vm.status}${address ? `, ${address.address}` : ''}, ${agent}): its services are not read yet; add them by hand`
}

function uniquePorts(sockets: ListeningSocket[]): ListeningSocket[] {
  const byPort = new Map<number, ListeningSocket>()
  for (const s of sockets) if (!byPort.has(s.port)) byPort.set(s.port, s)
  return [...byPort.values()]
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

function failure(r: ExecResult): string {
  return r.ok ? `exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}` : r.message
}

async function mapLimit<T, U>(items: readonly T[], limit: number, fn: (item: T) => Promise<U>): Promise<U[]> {
  const out: U[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return out
}
