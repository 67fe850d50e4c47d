import {judgeChain, judgeKeys, judgeNames} from '../../gateway/cert-pki.js'
import {judgeCertificates} from '../../gateway/certificates.js'
import {matchServer} from '../../gateway/route-table.js'
import type {Judgement} from '../../model/check-spec.js'
import type {Inventory} from '../../model/inventory.js'
import type {RenewalJob, TlsServer} from '../../model/nginx.js'
import type {NginxObservation} from '../../model/probes.js'
import type {Hint} from '../../model/report.js'
import {inGateway, nginxTestThen, word} from '../hint-words.js'

/**
 * The gateway's certificates as a PKI (issue 13 item 4): each one nginx serves, read in the
 * gateway CT and judged here. Expiry against its lifetime and its renewal; its chain against
 * gateway.ca; its names against what its server block serves; its key against it.
 */
export const certificateJudges: readonly {id: string; judge: (obs: NginxObservation, inv: Inventory) => Judgement}[] = [
  {id: 'service.certificates', judge: (obs, inv) => judgeCertificates(obs.certificates, {jobs: obs.renewals ?? [], renewHint: (f) => renewHint(f, inv), jobHints: (j) => jobHints(j, inv), ...(inv.gateway.renewEveryMs ? {everyMs: inv.gateway.renewEveryMs} : {})})},
  {id: 'service.cert-chain', judge: (obs, inv) => judgeChain(obs.certificates, obs.tlsServers ?? [], {file: inv.gateway.ca, text: inv.gateway.caText}, (f) => chainHints(f, obs, inv))},
  {id: 'service.cert-names', judge: (obs, inv) => judgeNames(obs.certificates, obs.tlsServers ?? [], (s) => namesLandingOn(s, obs, inv), (f, missing) => nameHints(f, missing, obs, inv))},
  {id: 'service.cert-key', judge: (obs, inv) => (obs.test.ok ? judgeKeys(obs.certificates, obs.keys ?? [], obs.tlsServers ?? [], (c, k) => keyHints(c, k, inv)) : {status: 'skip', summary: 'skipped: nginx -t fails (service.config says why)'})},
]

/**
 * The inventory's names that land on this TLS server block: over https (gateway.url), each
 * route's host and the URL's own host go to the server nginx picks for them.
 */
export function namesLandingOn(server: TlsServer, obs: NginxObservation, inv: Inventory): string[] {
  const url = new URL(inv.gateway.url)
  if (url.protocol !== 'https:') return []
  const port = Number(url.port || 443)
  const hosts = [url.hostname.replace(/^\[|\]$/g, ''), ...inv.services.flatMap((s) => (s.route?.host ? [s.route.host] : []))]
  return hosts.filter((host) => {
    const chosen = matchServer(obs.routes, {host, port, tls: true, path: '/'})
    return chosen?.file === server.file && chosen.line === server.line
  })
}

/** Where the gateway serves a certificate: `ADDRESS:PORT` and an SNI name it serves. */
function servedAt(file: string, obs: NginxObservation, inv: Inventory): {target: string; name?: string} {
  const server = (obs.tlsServers ?? []).find((s) => s.pairs.some((p) => p.cert === file))
  const host = inv.gateway.address.includes(':') ? `[${inv.gateway.address}]` : inv.gateway.address
  const name = server?.serverNames.find((n) => /^[\w.-]+$/.test(n) && n.includes('.'))
  return {target: `${host}:${server?.port ?? 443}`, ...(name ? {name} : {})}
}

/** `openssl s_client` against what the gateway serves, from phoenix's machine. */
function sClient(at: {target: string; name?: string}, extra = ''): string {
  return `openssl s_client -connect ${word(at.target)}${at.name ? ` -servername ${word(at.name)}` : ''}${extra} </dev/null`
}

function renewHint(file: string, inv: Inventory): Hint {
  return {text: `Renew ${file} (and its key), then reload nginx; when the file was last written:`, command: `${inGateway(inv)} ls -l --time-style=full-iso ${word(file)}`}
}

function jobHints(job: RenewalJob, inv: Inventory): Hint[] {
  if (job.kind === 'cron') {
    const [file] = job.where.split(':')
    return [{text: `The renewal is the cron line ${job.where}: run its command by hand to see why it fails, and check that cron runs`, command: `${inGateway(inv)} grep -n -F -e ${word(job.cert)} ${word(file!)}`}]
  }
  const service = job.where.replace(/\.timer$/, '.service')
  return [{text: `The renewal is the timer ${job.where}: when it last ran, and what ${service} said`, command: `${inGateway(inv)} journalctl -u ${word(service)} -n 30 --no-pager`}]
}

function chainHints(file: string, obs: NginxObservation, inv: Inventory): Hint[] {
  return [{
    text: `Install in ${file} a certificate issued by the CA in gateway.ca (${inv.gateway.ca}), its intermediates after it in the same file; or point gateway.ca at the CA that did issue it. The chain as served, verified:`,
    command: sClient(servedAt(file, obs, inv), inv.gateway.ca ? ` -CAfile ${word(inv.gateway.ca)} -verify_return_error` : ''),
  }]
}

function nameHints(file: string, missing: readonly string[], obs: NginxObservation, inv: Inventory): Hint[] {
  const at = servedAt(file, obs, inv)
  return [{
    text: `Reissue ${file} with ${missing.map((n) => `DNS:${n}`).join(', ')} among its subjectAltName names (every name its server block serves), or serve those names from a server block whose certificate has them; the names it has:`,
    command: `${sClient({...at, ...(missing[0] && !missing[0].startsWith('*') ? {name: missing[0]} : {})})} 2>/dev/null | openssl x509 -noout -ext subjectAltName`,
  }]
}

function keyHints(cert: string, key: string, inv: Inventory): Hint[] {
  return [{text: `Put in ${key} the key ${cert} was issued for (a renewal that wrote one without the other), or reissue both; then test and reload`, command: nginxTestThen(inv, 'reload')}]
}
