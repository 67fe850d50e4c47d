import {hostPort} from '../checks/services/kind.js'
import type {HintContext, HintMaker} from '../checks/hint-context.js'
import {fwFileOf, word} from '../checks/hint-words.js'
import {guestWords} from '../io/guests/guests.js'
import {q} from '../io/shell-words.js'
import type {Inventory} from '../model/inventory.js'
import type {CauseCode} from './causes.js'

/**
 * The general hints of the proxy layer's causes (the proxy.route check names the exact Traefik
 * file:line and router before these). Without a `proxy:` in the inventory (the README's example),
 * Traefik's usual CT words stand in.
 */

type ProxyCause = Extract<CauseCode, `proxy_${string}`>

function proxyWords(inv: Inventory): {run: string; label: string; id: number; start: string; dir: string; unit: string; api?: string} {
  const g = inv.proxy ? guestWords(inv.proxy.guest) : guestWords({kind: 'ct', id: 102})
  return {run: g.run, label: g.label, id: g.id, start: g.start, dir: inv.proxy?.configDir ?? '/etc/traefik/dynamic', unit: inv.proxy?.unit ?? 'traefik', ...(inv.proxy?.api ? {api: inv.proxy.api} : {})}
}

const routers = (inv: Inventory, c: HintContext) => {
  const p = proxyWords(inv)
  return {text: `Read the routers and services Traefik loaded from ${p.dir} in ${p.label}, and find ${c.s.name}'s`,
    command: `${p.run} sh -c ${q(`grep -rn -e rule: -e url: ${word(p.dir)}${p.api ? `; curl -s ${word(`${p.api}/api/http/routers`)}` : ''}`)}`}
}

/** The certFile lines of the proxy's configuration, and what openssl says of each file (`-dates`, `-issuer`…). */
const certs = (inv: Inventory, text: string, what: string) => {
  const p = proxyWords(inv)
  const each = what ? `; grep -rhoE 'certFile[^,}]*' ${word(p.dir)} | grep -oE '/[^"'"'"' ]+' | sort -u | while read -r f; do echo "$f"; openssl x509 -in "$f" -noout ${what}; done` : ''
  return {text, command: `${p.run} sh -c ${q(`grep -rn -e certFile -e keyFile ${word(p.dir)}${each}`)}`}
}

/**
 * The rule a router needs, in Traefik's words: the Host of the route's name (nginx's server_name may
 * be a wildcard) and, for a route under a path, a PathPrefix of the path nginx sends for it.
 */
function ruleFor(c: HintContext): string {
  const host = c.s.route?.host
  const path = c.s.route?.path
  const prefix = path && path !== '/' ? `a PathPrefix of the path nginx sends for ${path}` : ''
  return host ? `Host(\`${host}\`)${prefix ? ` and ${prefix}` : ''}` : prefix || c.route
}

export const PROXY_HINTS: Record<ProxyCause, HintMaker> = {
  proxy_ct_stopped: (_c, inv) => {
    const p = proxyWords(inv)
    return [{text: `Start the proxy's ${p.label}`, command: `${p.start} ${p.id}`, fix: 'start_guest'}]
  },
  proxy_down: (_c, inv) => {
    const p = proxyWords(inv)
    return [{text: `Start Traefik in ${p.label} and read why it stopped`, command: `${p.run} sh -c ${q(`systemctl restart ${word(p.unit)}; journalctl -u ${word(p.unit)} -n 30 --no-pager`)}`}]
  },
  proxy_blocked: (c, inv) => {
    const p = proxyWords(inv)
    return [{text: `Test the hop Traefik makes, from ${p.label}`, command: `${p.run} nc -zv -w 3 ${word(c.s.address)} ${c.s.port}`},
      {text: `Check the Proxmox firewall rules of ${c.guest.label}: they must admit ${inv.proxy?.address ?? 'the proxy'}`, command: `cat ${fwFileOf(inv, c.guest.id)}; ${c.guest.config} ${c.guest.id} | grep ^net`}]
  },
  proxy_router_missing: (c, inv) => [{text: `Add a router to a file in ${proxyWords(inv).dir} whose rule matches ${ruleFor(c)} and whose service's loadBalancer server is http://${hostPort(c.s.address, c.s.port)} (the file provider reloads it)`}, routers(inv, c)],
  proxy_rule_mismatch: (c, inv) => [{text: `Make the rule of ${c.s.name}'s router match ${ruleFor(c)}, as nginx forwards the route`}, routers(inv, c)],
  proxy_service_url_wrong: (c, inv) => [{text: `Point the router's loadBalancer server at http://${hostPort(c.s.address, c.s.port)}`}, routers(inv, c)],
  proxy_backend_tls: (c, inv) => [{text: `${c.s.name} speaks plain HTTP: write its server URL as http://${hostPort(c.s.address, c.s.port)}`}, routers(inv, c)],
  proxy_cert_expired: (_c, inv) => [certs(inv, 'Renew the certificate (and its key); Traefik reloads tls.certificates when its configuration file changes. The dates of each certFile:', '-dates')],
  proxy_cert_expiring: (_c, inv) => [certs(inv, 'Renew the certificate before it expires; the dates of each certFile:', '-dates')],
  proxy_cert_untrusted: (_c, inv) => [certs(inv, `Install a certificate issued by the CA in gateway.ca${inv.gateway.ca ? ` (${inv.gateway.ca})` : ''}, its intermediates after it; the issuer of each certFile:`, '-issuer')],
  proxy_cert_name_mismatch: (c, inv) => [certs(inv, `Give Traefik a certificate whose subjectAltName covers ${c.s.route?.host ?? `${c.s.name}'s Host`}; the names of each certFile:`, '-ext subjectAltName')],
  proxy_cert_key_mismatch: (_c, inv) => [certs(inv, 'Put in each keyFile the key its certFile was issued for; the certFile and keyFile lines:', '')],
  proxy_backend_down: (c, inv) => {
    const p = proxyWords(inv)
    return [{text: `Ask what Traefik's health check asks, from ${p.label}, and compare its healthCheck path with ${c.s.name}'s health endpoint`, command: `${p.run} curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 5 ${c.url}`}, routers(inv, c)]
  },
}
