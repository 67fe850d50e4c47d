import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {waitUntil} from './proc.js'
import {ctExec, defineUnit, shq, waitListening} from './services.js'
import {addressOf, PROXY_CTID, proxiedServices, serviceByName, STATE} from './topology.js'
import type {LabService} from './topology.js'
import {nameOf} from './names.js'

/**
 * The lab's Traefik in CT 958 (issue 13.2), as the operators run theirs in CT 102: a systemd unit
 * `traefik` running the lab's emulator (emulator/traefik) with a static /etc/traefik/traefik.yml
 * (entryPoints web :80 and traefik 127.0.0.1:8080, api.insecure, ping) and the file provider on
 * /etc/traefik/dynamic, one router per proxied service (Host of its name) to its CT's address. The
 * CT's /etc/traefik is the lab's folder (bound in), so a fault edits the YAML from outside and
 * Traefik reloads it as it reloads a file an operator saves.
 */

export const TRAEFIK_DIR = join(STATE, `ct${PROXY_CTID}`, 'traefik')
export const TRAEFIK_API = 'http://127.0.0.1:8080'
export const DYNAMIC_DIR_IN_CT = '/etc/traefik/dynamic'
export const DYNAMIC_FILE_IN_CT = `${DYNAMIC_DIR_IN_CT}/dynamic_conf.yml`
const VARIATIONS = join(STATE, 'traefik-variations.json')

/** How one service's router and service differ from the healthy config (a fault). */
export interface TraefikVariation {
  /** No router for it (proxy-router-missing). */
  noRouter?: boolean
  /** Its router's rule instead of Host(`NAME`) (proxy-rule-mismatch). */
  rule?: string
  /** Its load balancer's server URL instead of http://ADDRESS:PORT (proxy-wrong-url, proxy-backend-tls). */
  url?: string
  /** Its health check's path instead of the service's /healthz (proxy-backend-down). */
  healthPath?: string
}

const STATIC = `# CT ${PROXY_CTID}'s /etc/traefik/traefik.yml (lab): the operators' static config, file provider only.
entryPoints:
  web:
    address: ":80"
  websecure:
    address: ":443"
    http:
      tls: {}
  traefik:
    address: "127.0.0.1:8080"
api:
  insecure: true
ping: {}
providers:
  file:
    directory: ${DYNAMIC_DIR_IN_CT}
    watch: true
`

/**
 * The services Traefik also serves on TLS (a router NAME-secure on websecure, with tls, as Traefik's
 * docs set one up), and where its certificate and key are in the CT (tls.ts writes them). nginx's
 * route goes to the plain `web` entryPoint: the TLS router is for clients that come to Traefik directly.
 */
export const TLS_ROUTED = ['web']
export const TRAEFIK_CERTS = join(TRAEFIK_DIR, 'certs')
export const certInCt = (name: string, ext: 'crt' | 'key') => `/etc/traefik/certs/${name}.${ext}`

/** The healthy URL of a proxied service, as Traefik reaches it. */
export const backendUrl = (name: string) => {
  const s = proxiedServices().find((x) => x.name === name)!
  return `http://${addressOf(s)}:${s.port}`
}

/** The path Traefik's health check asks: Ollama's is `/` ("Ollama is running"), the others' /healthz. */
const healthPath = (s: LabService) => (s.kind === 'ollama' ? '/' : '/healthz')

export function dynamicYaml(variations: Readonly<Record<string, TraefikVariation>> = {}): string {
  const routers = proxiedServices().filter((s) => !variations[s.name]?.noRouter).map((s) =>
    `    ${s.name}:\n      rule: "${variations[s.name]?.rule ?? `Host(\`${nameOf(s)}\`)`}"\n      service: ${s.name}\n      entryPoints: [web]`)
  const secure = proxiedServices().filter((s) => TLS_ROUTED.includes(s.name))
  routers.push(...secure.map((s) => `    ${s.name}-secure:\n      rule: "Host(\`${nameOf(s)}\`)"\n      service: ${s.name}\n      entryPoints: [websecure]\n      tls: {}`))
  const certificates = secure.map((s) => `    - certFile: ${certInCt(s.name, 'crt')}\n      keyFile: ${certInCt(s.name, 'key')}`)
  const services = proxiedServices().map((s) => `    ${s.name}:\n      loadBalancer:\n        servers:\n          - url: "${variations[s.name]?.url ?? backendUrl(s.name)}"\n        healthCheck:\n          path: ${variations[s.name]?.healthPath ?? healthPath(s)}\n          interval: 1s\n          timeout: 1s`)
  return `# ${DYNAMIC_FILE_IN_CT} (lab, test/lab/traefik.ts)\nhttp:\n  routers:\n${routers.join('\n')}\n  services:\n${services.join('\n')}\n${certificates.length ? `tls:\n  certificates:\n${certificates.join('\n')}\n` : ''}`
}

/** The lab's /etc/traefik bound into CT 958 (read-write: the lab edits it, Traefik watches it). */
export function traefikMount(): string {
  return `${TRAEFIK_DIR} etc/traefik none bind,create=dir 0 0`
}

export async function prepareTraefik(): Promise<void> {
  await mkdir(join(TRAEFIK_DIR, 'dynamic'), {recursive: true})
  await writeFile(join(TRAEFIK_DIR, 'traefik.yml'), STATIC)
  await writeFile(VARIATIONS, '{}\n')
  await writeFile(join(TRAEFIK_DIR, 'dynamic', 'dynamic_conf.yml'), dynamicYaml())
}

export async function defineTraefikUnit(): Promise<void> {
  await defineUnit(PROXY_CTID, 'traefik', 'systemd', 'Traefik (lab emulator)', [process.execPath, '--import', 'tsx', 'test/lab/emulator/traefik/main.ts', '--configfile', '/etc/traefik/traefik.yml'])
}

export async function startTraefik(): Promise<void> {
  await ctExec(PROXY_CTID, ['systemctl', 'start', 'traefik'])
  await Promise.all([waitListening(PROXY_CTID, 80, '0.0.0.0', 60_000), waitListening(PROXY_CTID, 8080, '127.0.0.1', 60_000)])
  await waitLoaded(() => true)
}

export async function stopTraefik(): Promise<void> {
  await ctExec(PROXY_CTID, ['systemctl', 'stop', 'traefik'])
}

/**
 * Changes one service's router or service, writes the file (a rename, as an editor saves it) and
 * waits until Traefik's API shows what was written: the router there or gone, the URL, and each
 * server's health check status settled (UP, or DOWN for a path or URL that cannot answer).
 */
export async function setTraefikVariation(service: string, edit: TraefikVariation): Promise<void> {
  const all = JSON.parse(await readFile(VARIATIONS, 'utf8').catch(() => '{}')) as Record<string, TraefikVariation>
  const v = {...all[service], ...edit}
  for (const k of Object.keys(v) as (keyof TraefikVariation)[]) if (v[k] === undefined) delete v[k]
  all[service] = v
  await writeFile(VARIATIONS, `${JSON.stringify(all, null, 2)}\n`)
  const file = join(TRAEFIK_DIR, 'dynamic', 'dynamic_conf.yml')
  await writeFile(`${file}.new`, dynamicYaml(all))
  await rename(`${file}.new`, file)
  const url = v.url ?? backendUrl(service)
  const healthy = !v.url && !v.healthPath
  const rule = v.rule ?? `Host(\`${nameOf(serviceByName(service))}\`)`
  await waitLoaded((api) => {
    const router = api.routers.find((r) => r.name === `${service}@file`)
    const svc = api.services.find((s) => s.name === `${service}@file`)
    const status = svc?.serverStatus?.[url]
    return (v.noRouter ? !router : router?.rule === rule) && status === (healthy ? 'UP' : 'DOWN')
  })
}

/** Waits until Traefik's health check shows the service's server so (a firewall row: DOWN while it blocks Traefik, UP once healed). */
export async function waitServerStatus(service: string, status: 'UP' | 'DOWN'): Promise<void> {
  const url = backendUrl(service)
  await waitLoaded((api) => api.services.find((s) => s.name === `${service}@file`)?.serverStatus?.[url] === status)
}

interface ApiView {
  routers: {name: string; rule: string}[]
  services: {name: string; serverStatus?: Record<string, string>}[]
}

/** Polls Traefik's API inside its CT until the predicate holds. */
async function waitLoaded(ok: (api: ApiView) => boolean): Promise<void> {
  const ask = (path: string) => ctExec(PROXY_CTID, ['sh', '-c', `curl -sf --max-time 2 ${shq(`${TRAEFIK_API}${path}`)}`]).then((t) => JSON.parse(t) as never).catch(() => undefined)
  await waitUntil("Traefik's API showing the config written", async () => {
    const [routers, services] = await Promise.all([ask('/api/http/routers'), ask('/api/http/services')])
    return Boolean(routers && services && ok({routers, services}))
  }, 30_000, 200)
}
