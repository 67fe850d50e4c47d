import {X509Certificate} from 'node:crypto'

import {covers, judgeChain, judgeKeys} from '../../gateway/cert-pki.js'
import {judgeCertificates} from '../../gateway/certificates.js'
import {qualified} from '../../gateway/traefik-config.js'
import {ruleWants} from '../../gateway/traefik-rule.js'
import {guestWords} from '../../io/guests/guests.js'
import type {Judgement} from '../../model/check-spec.js'
import type {Finding} from '../../model/findings.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {CertificateInfo, TlsServer} from '../../model/nginx.js'
import type {GuestRef} from '../../model/ports.js'
import type {Hint} from '../../model/report.js'
import type {TraefikCertificate, TraefikObservation, TraefikRouter} from '../../model/traefik.js'
import {shIn, word} from '../hint-words.js'
import {pointsAt} from './proxy-route.js'

/**
 * The certificates Traefik serves for the service (issue 13 item 4, Traefik's side), judged as
 * nginx's are: the routers with `tls` that lead to the service, the names of their Host rules, and
 * for each name the `tls.certificates` entry Traefik picks for it by SNI. That certificate's expiry
 * against its lifetime, its chain to gateway.ca, its key; a name no certificate covers gets
 * Traefik's self-signed default certificate, which clients refuse. The files were read in the
 * proxy's CT in its one batch; no key byte left it (only the public half's hash is kept). `proxy`
 * is the guest Traefik runs in: its hints' commands run there.
 */
export function judgeProxyCerts(s: ServiceDef, inv: Inventory, proxy: GuestRef, obs: TraefikObservation): Judgement {
  const mine = obs.routers.filter((r) => r.tls && obs.services.some((x) => qualified(x.name) === qualified(r.service) && x.servers.some((v) => pointsAt(v.url, s))))
  if (!mine.length) return {status: 'pass', summary: `no Traefik router with tls leads to ${s.name}: Traefik serves no certificate for it`}
  const read = new Map((obs.certificates ?? []).map((c) => [c.file, c]))
  const entries = (obs.tlsCertificates ?? []).map((e) => ({e, info: read.get(e.certFile)}))
  const leaf = (c: CertificateInfo | undefined) => (c?.pems?.[0] ? parse(c.pems[0]) : undefined)
  const hosts = [...new Set(mine.flatMap((r) => ruleWants(r.rule).hosts.map((h) => h.toLowerCase())))]
  const picked = new Map<string, {e: TraefikCertificate; info: CertificateInfo}>()
  const uncovered: string[] = []
  for (const host of hosts) {
    const hit = entries.find((x) => x.info && leaf(x.info) && covers(leaf(x.info)!, host))
    if (hit?.info) picked.set(hit.e.certFile, {e: hit.e, info: hit.info})
    else uncovered.push(host)
  }
  const routerAt = (r: TraefikRouter) => `router ${r.name}${r.at ? ` (${r.at.file}:${r.at.line})` : ''}`
  const run = guestWords(proxy).run
  const evidence = [
    ...entries.map(({e, info}) => `tls.certificates ${e.at.file}:${e.at.line}: ${e.certFile}${info?.error ? `: ${info.error}` : info ? `: ${info.names?.join(', ') || 'no subjectAltName'}, notAfter ${info.notAfter}` : ': not read'}`),
    ...mine.map((r) => `${routerAt(r)} tls: ${r.rule}`),
  ]
  const unread = entries.filter(({info}) => !info || info.error).map(({e}) => e.certFile)
  if (uncovered.length) {
    const where = obs.tlsCertificates?.[0]?.at
    return {
      status: 'fail', finding: 'proxy_cert_name_mismatch', evidence,
      summary: `Traefik has no certificate for ${uncovered.join(', ')} (${mine.map(routerAt).join(', ')} serve${mine.length > 1 ? '' : 's'} it with tls): it serves its self-signed default certificate, which clients refuse${unread.length ? ` (not readable in its CT: ${unread.join(', ')})` : ''}`,
      hints: [{text: `Add to tls.certificates${where ? ` (${where.file}:${where.line})` : ''} a certFile whose subjectAltName has ${uncovered.map((n) => `DNS:${n}`).join(', ')}, or reissue one that is there with them; the names each one has:`,
        command: shIn(proxy, `for f in ${entries.map(({e}) => word(e.certFile)).join(' ') || '/dev/null'}; do echo "$f"; openssl x509 -in "$f" -noout -ext subjectAltName; done`)}],
    }
  }
  const chosen = [...picked.values()]
  const infos = chosen.map((c) => c.info)
  const servers: TlsServer[] = mine.map((r) => ({file: r.at?.file ?? 'the API', line: r.at?.line ?? 0, serverNames: ruleWants(r.rule).hosts, port: 443,
    pairs: chosen.map(({e}) => ({cert: e.certFile, ...(e.keyFile ? {key: e.keyFile} : {}), file: e.at.file, line: e.at.line}))}))
  const renewHint = (file: string): Hint => ({text: `Renew ${file} (and its key) in the proxy's CT: Traefik reloads tls.certificates when its configuration file changes; when the file was last written:`, command: `${run} ls -l --time-style=full-iso ${word(file)}`})
  const judged = [
    as(judgeCertificates(infos, {jobs: [], renewHint, jobHints: () => []}), {cert_expired: 'proxy_cert_expired', cert_expiring: 'proxy_cert_expiring'}),
    as(judgeChain(infos, servers, {file: inv.gateway.ca, text: inv.gateway.caText}, (file) => [{text: `Install in ${file} a certificate issued by the CA in gateway.ca (${inv.gateway.ca}), its intermediates after it in the same file; the file as Traefik reads it:`, command: `${run} openssl x509 -in ${word(file)} -noout -subject -issuer -dates`}]), {cert_untrusted: 'proxy_cert_untrusted'}),
    as(judgeKeys(infos, obs.keys ?? [], servers, (cert, key) => [{text: `Put in ${key} the key ${cert} was issued for (a renewal that wrote one without the other), or reissue both: Traefik reloads them when its configuration file changes`}]), {cert_key_mismatch: 'proxy_cert_key_mismatch'}),
  ]
  const worst = judged.find((j) => j.status === 'fail') ?? judged.find((j) => j.status === 'warn')
  if (worst) return {...worst, summary: worst.summary.replaceAll("the gateway's TLS", `Traefik's TLS for ${s.name}`).replace('nginx refuses to load the pair at its next reload or start', 'Traefik does not load the pair and serves its self-signed default certificate'), evidence: [...(worst.evidence ?? []), ...evidence]}
  return {status: 'pass', summary: `${chosen.map(({e, info}) => `${e.certFile} (${e.at.file}:${e.at.line}) covers ${hosts.filter((h) => covers(leaf(info)!, h)).join(', ')}`).join('; ')}; ${judged.map((j) => j.summary).join('; ')}`, evidence}
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem)
  } catch {
    return undefined
  }
}

/** The nginx judgement's finding as the proxy's own cause. */
function as(j: Judgement, map: Partial<Record<Finding, Finding>>): Judgement {
  const finding = j.finding ? map[j.finding] : undefined
  return finding ? {...j, finding} : j
}
