import type {Fault} from './faults.js'
import {waitListening} from './services.js'
import {traefikCertificates} from './tls.js'
import {backendUrl, certInCt, DYNAMIC_FILE_IN_CT, setTraefikVariation, startTraefik, stopTraefik} from './traefik.js'
import type {TraefikVariation} from './traefik.js'
import {PROXIED_SERVICES, PROXY_CTID, SUBNET} from './topology.js'

/**
 * The intermediate proxy (issue 13.2): the lab's Traefik in CT 958 between the gateway and `web`.
 * A fault edits its dynamic_conf.yml (Traefik reloads it) or stops its unit. Only `web` goes through
 * Traefik, so only `web` is checked (servicesOnly): a row costs one check of one service per mode.
 */

const WEB = PROXIED_SERVICES.map((s) => s.name)
const FILE = DYNAMIC_FILE_IN_CT.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** An address on the bridge where nothing listens. */
const NOWHERE = `${SUBNET}.199`

function traefikFault(name: string, does: string, variation: (s: string) => TraefikVariation, expect: Fault['expect']): Fault {
  const healthy: TraefikVariation = {noRouter: undefined, rule: undefined, url: undefined, healthPath: undefined}
  return {
    name, does, appliesTo: WEB, realOnly: true, servicesOnly: true, expect,
    inject: (s) => setTraefikVariation(s.name, variation(s.name)),
    heal: (s) => setTraefikVariation(s.name, healthy),
  }
}

export const PROXY_FAULTS: readonly Fault[] = [
  traefikFault('proxy-router-missing', "the service's router taken out of Traefik's dynamic_conf.yml (Traefik reloads it and answers 404)", () => ({noRouter: true}),
    {layer: 'proxy', cause: 'proxy_router_missing', hint: /Add a router for it in \/etc\/traefik\/dynamic\/dynamic_conf\.yml: rule: "Host\(`web\.[\w.]+`\)"/}),
  traefikFault('proxy-rule-mismatch', "the router's rule names another host (Host(`www.…`)): it leads to the service, and the route's name matches nothing", () => ({rule: 'Host(`www.internal.phoenix.test`)'}),
    {layer: 'proxy', cause: 'proxy_rule_mismatch', hint: new RegExp(`In ${FILE}:\\d+ make router web's rule match Host web\\.`)}),
  traefikFault('proxy-wrong-url', `the service's loadBalancer server url points at ${NOWHERE}, where nothing answers`, () => ({url: `http://${NOWHERE}:8090`}),
    {layer: 'proxy', cause: 'proxy_service_url_wrong', hint: new RegExp(`In ${FILE}:\\d+ change url http://${NOWHERE.replaceAll('.', '\\.')}:8090 to ${backendUrl('web').replaceAll('.', '\\.')}`)}),
  traefikFault('proxy-backend-down', "the service's healthCheck asks a path it answers 404 for: Traefik marks the server DOWN (serverStatus) and answers 503", () => ({healthPath: '/status'}),
    {layer: 'proxy', cause: 'proxy_backend_down', hint: /healthCheck of service web .*it asks \/status/}),
  traefikFault('proxy-backend-tls', "the service's server url written https:// to its plain HTTP port: Traefik's handshake fails (502; its health check marks the server DOWN)", (name) => ({url: backendUrl(name).replace(/^http:/, 'https:')}),
    {layer: 'proxy', cause: 'proxy_backend_tls', hint: new RegExp(`In ${FILE}:\\d+ change ${backendUrl('web').replace(/^http:/, 'https:').replaceAll('.', '\\.')} to ${backendUrl('web').replaceAll('.', '\\.')}`)}),
  {
    // Traefik's TLS router for web (web-secure, entryPoint websecure :443) is not on nginx's path:
    // nginx sends the route to the plain `web` entryPoint, so the route itself still works (proxy.route
    // and the client layer pass). The expired certificate is what Traefik serves anyone who comes to
    // it on TLS for web's name; phoenix fails web at the proxy layer for it, naming the router.
    name: 'proxy-cert-expired', does: `the certificate of web's TLS router (tls.certificates ${certInCt('web', 'crt')} in CT ${PROXY_CTID}) swapped for one that expired an hour ago, from the lab CA, same key`,
    appliesTo: WEB, realOnly: true, servicesOnly: true,
    inject: async () => traefikCertificates('expired'),
    heal: async () => traefikCertificates('healthy'),
    expect: {
      layer: 'proxy', cause: 'proxy_cert_expired',
      evidence: new RegExp(`tls\\.certificates ${FILE}:\\d+: /etc/traefik/certs/web\\.crt: DNS:web\\.internal\\.phoenix\\.test, notAfter [\\s\\S]*router web-secure \\(${FILE}:\\d+\\) tls: Host`),
      hint: /^Renew \/etc\/traefik\/certs\/web\.crt \(and its key\) in the proxy's CT/m,
      command: new RegExp(`^pct exec ${PROXY_CTID} -- ls -l --time-style=full-iso /etc/traefik/certs/web\\.crt$`, 'm'),
    },
    checks: {'proxy.route': /^pass: router web \(/, 'client.http': /^pass: /},
  },
  {
    name: 'traefik-stopped', does: `systemctl stop traefik in CT ${PROXY_CTID}: nginx's routes to it are refused (502)`, appliesTo: WEB, realOnly: true, servicesOnly: true,
    inject: () => stopTraefik(),
    heal: async () => (await startTraefik(), await waitListening(PROXY_CTID, 80)),
    expect: {layer: 'proxy', cause: 'proxy_down', command: new RegExp(`^pct exec ${PROXY_CTID} -- sh -c 'systemctl restart traefik;`, 'm')},
  },
]
