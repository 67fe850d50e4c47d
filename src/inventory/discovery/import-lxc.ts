import type {ServiceKind} from '../../model/inventory.js'
import type {Estate, FoundGateway, FoundService} from './estate.js'
import {uniqueNames} from './estate.js'
import {kindFromName} from './recognise.js'

/** One CT of the operators' phoenix_lxc_configs.json (the keys phoenix reads). */
interface LxcEntry {
  name?: string
  network_config?: {ip?: string}
  features?: string[]
  ports?: string[]
  dependencies?: string[]
  template_snapshot_name?: string
  traefik_service?: {port?: number}
  vllm_engine_config?: {ModelConfig?: {model?: string}; ServerConfig?: {port?: number; served_model_name?: string}}
  firewall?: {enabled?: boolean; rules?: {type?: string; action?: string; source?: string; proto?: string; port?: string}[]}
}

/** One VM of their phoenix_vm_configs.json. */
interface VmEntry {
  vmid?: number
  name?: string
  is_template?: boolean
  network_config?: {ip?: string}
  docker_stacks?: unknown[]
}

const DEFAULT_PORT: Partial<Record<ServiceKind, number>> = {ollama: 11434, qdrant: 6333, n8n: 5678, openwebui: 8080, llamacpp: 8080, vllm: 8000}

/** Their CTs as an estate: services of the kinds phoenix knows, the nginx gateway, the rest as notes. */
export function lxcEstate(doc: {lxc_configs?: Record<string, LxcEntry>}, file: string): Estate {
  const services: FoundService[] = []
  const notes: string[] = []
  let gateway: FoundGateway | undefined
  for (const [id, ct] of Object.entries(doc.lxc_configs ?? {})) {
    const at = `${file}: lxc_configs.${id}`
    const ctid = Number(id)
    const name = ct.name ?? `ct${id}`
    const address = ct.network_config?.ip?.split('/')[0]
    if (ct.template_snapshot_name) {
      notes.push(`CT ${id} (${name}) is a template (template_snapshot_name): not a service`)
      continue
    }
    const kind = ct.vllm_engine_config || ct.features?.includes('vllm') ? 'vllm' : ct.features?.includes('ollama') ? 'ollama' : kindFromName(name)
    if (!address) {
      notes.push(`CT ${id} (${name}): no static network_config.ip (dhcp?): add it by hand`)
      continue
    }
    if (!kind && /nginx/i.test(name) && !gateway) {
      const https = ct.traefik_service?.port === 443
      gateway = {
        ctid: {value: ctid, how: `${at}.name "${name}"`},
        address: {value: address, how: `${at}.network_config.ip`},
        url: {value: `${https ? 'https' : 'http'}://${address}`, how: https ? `${at}.traefik_service.port 443` : 'a guess: no port for it in the file'},
        todo: https ? ['ca: the PEM file of the CA that signed the gateway certificate (their Step-CA root)'] : [],
      }
      continue
    }
    if (!kind) {
      notes.push(`CT ${id} (${name}): not a kind phoenix diagnoses (features: ${(ct.features ?? []).join(', ') || 'none'})`)
      continue
    }
    services.push(lxcService(ct, kind, {id, ctid, name, address, at}))
  }
  uniqueNames(services)
  return {host: file, ...(gateway ? {gateway} : {}), services, notes}
}

function lxcService(ct: LxcEntry, kind: Exclude<ServiceKind, 'nginx'>, c: {id: string; ctid: number; name: string; address: string; at: string}): FoundService {
  const server = ct.vllm_engine_config?.ServerConfig
  const mapped = ct.ports?.[0]?.split(':')[1]
  const port = kind === 'vllm' && server?.port ? {value: server.port, how: `${c.at}.vllm_engine_config.ServerConfig.port`}
    : mapped ? {value: Number(mapped), how: `${c.at}.ports "${ct.ports![0]}" (the CT side)`}
    : {value: DEFAULT_PORT[kind]!, how: `a guess: ${kind}'s default port (no ports in the file)`}
  const s: FoundService = {
    name: c.name,
    kind: {value: kind, how: kind === 'vllm' ? `${c.at}: vllm_engine_config` : ct.features?.includes(kind) ? `${c.at}.features "${kind}"` : `a guess from its name "${c.name}"`},
    ctid: {value: c.ctid, how: `${c.at}`},
    address: {value: c.address, how: `${c.at}.network_config.ip`},
    port,
    todo: ['runtime: { systemd: UNIT } or { docker: CONTAINER } (not in the file; phoenix init on the host reads it)', 'route: its location on the gateway, if clients reach it there (phoenix init on the host reads it from nginx -T)'],
    notes: [],
  }
  if (kind === 'vllm' && server?.served_model_name) s.model = {value: server.served_model_name, how: `${c.at}.vllm_engine_config.ServerConfig.served_model_name`}
  if (kind === 'vllm') {
    const model = ct.vllm_engine_config?.ModelConfig?.model ?? ''
    const embed = /embed/i.test(`${c.name} ${model}`)
    s.task = {value: embed ? 'embed' : 'chat', how: embed ? 'a guess: its name or model says embedding' : 'a guess: nothing in its name or model says embedding'}
    s.todo.push('apiKeyEnv: VLLM_API_KEY, if it was started with --api-key')
  }
  if (ct.dependencies?.length) s.notes!.push(`it depends on ${ct.dependencies.map((d) => `${Number(d) >= 1000 ? 'VM' : 'CT'} ${d}`).join(', ')} (dependencies)`)
  const inbound = (ct.firewall?.enabled ? (ct.firewall.rules ?? []) : []).filter((r) => r.type === 'in' && r.action === 'ACCEPT' && r.source && (r.port === undefined || r.port === String(s.port.value)))
  if (inbound.length) s.notes!.push(`its firewall lets in port ${s.port.value} only from ${inbound.map((r) => r.source).join(', ')}: the Proxmox host's probes need it too`)
  return s
}

/** Their VMs: notes (phoenix does not read services in VMs yet). */
export function vmNotes(doc: {vms?: VmEntry[]}): string[] {
  return (doc.vms ?? []).filter((vm) => !vm.is_template).map((vm) => {
    const stacks = (vm.docker_stacks ?? []).map((x) => (typeof x === 'string' ? x : (x as {name?: string})?.name)).filter(Boolean)
    return `VM ${vm.vmid} (${vm.name}${vm.network_config?.ip ? `, ${vm.network_config.ip.split('/')[0]}` : ''})${stacks.length ? ` runs docker stacks ${stacks.join(', ')}` : ''}: services in VMs are not read yet; add them by hand`
  })
}
