import type {CauseCode} from '../../src/verdict/causes.js'
import type {Layer} from '../../src/model/status.js'
import {setRecord, toService} from './dns.js'
import {reload, setGatewayVariation} from './gateway.js'
import {NGINX_CONF} from './nginx-config.js'
import {GATEWAY_NAME} from './names.js'
import {declareFirewall, PVE_DIR} from './pve-firewall.js'
import {gatewayCertificate} from './tls.js'
import type {CertVariant} from './tls.js'
import {DYNAMIC_FILE_IN_CT, setTraefikVariation} from './traefik.js'
import {addressOf, ctById, OPERATORS_SERVICES, PROXY_CTID, SUBNET} from './topology.js'
import type {LabService} from './topology.js'

/**
 * The operators' shape's firewall (operators-estate.md section 2: each service CT admits only
 * Traefik on its port): every service's `.fw`, enforced from the file with nft in its CT
 * (pve-firewall.ts). REJECT, not the operators' DROP: the host's and the gateway's probes, blocked by
 * design, end at once instead of at --timeout (phoenix skips their verdicts either way).
 */

export const PROXY_ADDRESS = ctById(PROXY_CTID).address
/** The file phoenix must name: the lab's /etc/pve/firewall/ID.fw. */
export const fwFile = (s: LabService) => `${PVE_DIR}/firewall/${s.ctid}.fw`
/** The line of the blocking rule onlyProxy(s, true) puts above its ACCEPT. */
export const BLOCK_LINE = 8

/** Only Traefik comes in, on the service's port: the design. */
export function onlyProxy(s: LabService, block = false): string {
  return `# lab: only Traefik reaches ${s.name} (the operators' shape)
[OPTIONS]
enable: 1
policy_in: REJECT

[RULES]

${block ? `IN REJECT -source ${PROXY_ADDRESS} -p tcp -dport ${s.port} # blocks the proxy\n` : ''}IN ACCEPT -source ${PROXY_ADDRESS} -p tcp -dport ${s.port} # Traefik
`
}

/** Writes and enforces every service's `.fw` (the healthy design). */
export async function declareOperatorsFirewalls(services: readonly LabService[]): Promise<void> {
  await Promise.all(services.map((s) => declareFirewall(s, onlyProxy(s))))
}

/** What a row must find: a target's layer and cause, and a line of its evidence or hints. */
export interface ShapeExpect {
  layer: Layer | null
  cause: CauseCode
  evidence?: RegExp
  hint?: RegExp
}

/**
 * One fault along the operators' path: injected on one service (or the gateway's certificate, which
 * every service's route crosses), checked on `targets`, healed. The verdict each target must give.
 */
export interface ShapeFault {
  name: string
  does: string
  /** The targets checked (`gateway` is the gateway itself) and the verdict of each. */
  expect: Readonly<Record<string, ShapeExpect>>
  inject(): Promise<void>
  heal(): Promise<void>
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const DYNAMIC = esc(DYNAMIC_FILE_IN_CT)
/** An address on the bridge where nothing listens: a server URL left from a CT that moved. */
const NOWHERE = `${SUBNET}.199`
const byName = (n: string) => OPERATORS_SERVICES.find((s) => s.name === n)!

/** The certificate nginx serves, rewritten and then loaded (a renewal hook's reload): clients see it. */
async function servedCertificate(variant: CertVariant): Promise<void> {
  gatewayCertificate(variant)
  await reload()
}

const clientTls = (said: RegExp): ShapeExpect => ({layer: 'client', cause: 'gateway_tls', evidence: said})
const everyService = (e: ShapeExpect) => Object.fromEntries(OPERATORS_SERVICES.map((s) => [s.name, e]))

export const SHAPE_FAULTS: readonly ShapeFault[] = [
  {
    name: 'router-missing', does: "qdrant's router taken out of Traefik's dynamic_conf.yml: Traefik answers 404 for its name",
    expect: {qdrant: {layer: 'proxy', cause: 'proxy_router_missing', hint: new RegExp(`Add a router for it in ${DYNAMIC}: rule: "Host\\(\`qdrant\\.internal\\.phoenix\\.test\`\\)"`)}},
    inject: () => setTraefikVariation('qdrant', {noRouter: true}),
    heal: () => setTraefikVariation('qdrant', {noRouter: undefined}),
  },
  {
    name: 'wrong-backend-url', does: `ollama's Traefik service url points at ${NOWHERE} (a CT's old address), where nothing answers`,
    expect: {ollama: {layer: 'proxy', cause: 'proxy_service_url_wrong', hint: new RegExp(`In ${DYNAMIC}:\\d+ change url http://${esc(NOWHERE)}:11434 to http://${esc(addressOf(byName('ollama')))}:11434`)}},
    inject: () => setTraefikVariation('ollama', {url: `http://${NOWHERE}:11434`}),
    heal: () => setTraefikVariation('ollama', {url: undefined}),
  },
  {
    name: 'name-to-service', does: "web's dnsmasq record points at its own CT (as the operators' generator writes it for LXC services): clients skip nginx and Traefik",
    expect: {web: {layer: 'host', cause: 'dns_elsewhere', evidence: /web\.internal\.phoenix\.test resolves on the Proxmox host to 198\.18\.0\.159 \(web's own CT 959: nginx skipped\)/}},
    inject: () => setRecord(byName('web'), toService(byName('web'))),
    heal: () => setRecord(byName('web'), undefined),
  },
  {
    name: 'cert-expired', does: "the gateway's 24-hour certificate ended an hour ago, and nginx serves it (reloaded)",
    expect: {...everyService(clientTls(/CERT_HAS_EXPIRED/)), gateway: {layer: 'service', cause: 'cert_expired', evidence: /expired 60 minutes ago/}},
    inject: () => servedCertificate('expired'),
    heal: () => servedCertificate('healthy'),
  },
  {
    name: 'cert-misnamed', does: `the gateway's certificate covers only ${GATEWAY_NAME} (as the operators' manifest leaves the services' names out), and nginx serves it`,
    expect: {...everyService(clientTls(/ERR_TLS_CERT_ALTNAME_INVALID/)), gateway: {layer: 'service', cause: 'cert_name_mismatch', evidence: /does not cover \*\.internal\.phoenix\.test, ollama\.internal\.phoenix\.test, qdrant/}},
    inject: () => servedCertificate('misnamed'),
    heal: () => servedCertificate('healthy'),
  },
  {
    name: 'nginx-misses-traefik', does: "nginx's one location / sends to Traefik's CT on :8443 (the operators' committed file's port, which no entry point has)",
    expect: everyService({layer: 'client', cause: 'upstream_mismatch', hint: new RegExp(`In ${esc(NGINX_CONF)}:\\d+ change ${esc(PROXY_ADDRESS)}:8443 to ${esc(PROXY_ADDRESS)}:80 \\(the proxy's entry point`)}),
    inject: () => setGatewayVariation({traefikPort: 8443}),
    heal: () => setGatewayVariation({traefikPort: undefined}),
  },
  {
    name: 'n8n-websocket-headers', does: "nginx's shared location / without the Upgrade/Connection headers: n8n's push reaches Traefik, and n8n, as a plain GET",
    expect: {
      n8n: {layer: 'client', cause: 'websocket_not_proxied', evidence: /rest\/push via the gateway → 401 \{"status":"error","message":"Unauthorized"\}/,
        hint: new RegExp(`In ${esc(NGINX_CONF)}:\\d+ add: proxy_http_version 1\\.1; proxy_set_header Upgrade \\$http_upgrade`)},
      // The same location serves web, which opens no WebSocket: healthy.
      web: {layer: null, cause: 'healthy'},
    },
    inject: () => setGatewayVariation({noWebsocket: true}),
    heal: () => setGatewayVariation({noWebsocket: undefined}),
  },
  {
    name: 'rule-blocks-proxy', does: `a rule in ollama's .fw (line ${BLOCK_LINE}) rejects Traefik above the rule that admits it`,
    expect: {ollama: {layer: 'proxy', cause: 'proxy_blocked', evidence: new RegExp(`the firewall blocks this hop: ${esc(fwFile(byName('ollama')))}:${BLOCK_LINE} \\(IN REJECT -source ${esc(PROXY_ADDRESS)} `),
      hint: new RegExp(`write \`IN ACCEPT -source ${esc(PROXY_ADDRESS)} -p tcp -dport 11434\` in ${esc(fwFile(byName('ollama')))} above line ${BLOCK_LINE}`)}},
    inject: () => declareFirewall(byName('ollama'), onlyProxy(byName('ollama'), true)),
    heal: () => declareFirewall(byName('ollama'), onlyProxy(byName('ollama'))),
  },
]
