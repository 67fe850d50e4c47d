import {isIP} from 'node:net'
import {X509Certificate} from 'node:crypto'

import type {Judgement} from '../model/check-spec.js'
import type {CertificateInfo, KeyInfo, TlsServer} from '../model/nginx.js'
import type {Hint} from '../model/report.js'
import {pemBlocks} from './pem-read.js'

/** The served certificate of a pair, as read, and where the server block that serves it is. */
const serverAt = (s: TlsServer) => `${s.file}:${s.line}`

/** Every certificate file the TLS servers serve, once, with the server blocks that serve it. */
function servedFiles(servers: readonly TlsServer[]): Map<string, TlsServer[]> {
  const out = new Map<string, TlsServer[]>()
  for (const s of servers) for (const p of s.pairs) out.set(p.cert, [...(out.get(p.cert) ?? []), s])
  return out
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem)
  } catch {
    return undefined
  }
}

/** Signed by: `issuer` names `child`'s issuer and its key verifies the signature. */
const signs = (issuer: X509Certificate, child: X509Certificate) => child.checkIssued(issuer) && child.verify(issuer.publicKey)

/**
 * Whether the leaf chains to one of the CA's certificates, through the intermediates of its own
 * file (in any order, as nginx sends them all). Returns the subjects along the way, or why not.
 */
export function verifyChain(pems: readonly string[], caText: string): {trusted: boolean; path: string[]; why?: string} {
  const roots = pemBlocks(caText).flatMap((p) => parse(p) ?? [])
  const chain = pems.flatMap((p) => parse(p) ?? [])
  let current = chain[0]
  if (!current) return {trusted: false, path: [], why: 'the file holds no certificate'}
  const path = [current.subject.replaceAll('\n', ', ')]
  for (let depth = 0; depth < 8; depth++) {
    const root = roots.find((r) => signs(r, current!))
    if (root) return {trusted: true, path: [...path, `${root.subject.replaceAll('\n', ', ')} (gateway.ca)`]}
    const next = chain.find((c) => c !== current && signs(c, current!))
    if (!next) return {trusted: false, path, why: `nothing in gateway.ca or in the file signed ${path.at(-1)} (its issuer: ${current.issuer.replaceAll('\n', ', ')})`}
    current = next
    path.push(current.subject.replaceAll('\n', ', '))
  }
  return {trusted: false, path, why: 'the chain in the file is longer than 8 certificates'}
}

/** The chain of every served certificate, against gateway.ca. */
export function judgeChain(certs: readonly CertificateInfo[], servers: readonly TlsServer[], ca: {file?: string; text?: string}, hint: (file: string) => Hint[]): Judgement {
  const served = certs.filter((c) => c.pems && servedFiles(servers).has(c.file))
  if (!served.length) return {status: 'pass', summary: 'no served certificate read'}
  if (!ca.file || !ca.text) return {status: 'pass', summary: `chain not checked: no gateway.ca in the inventory (${served.length} certificate(s) served)`}
  const judged = served.map((c) => ({c, v: verifyChain(c.pems!, ca.text!)}))
  const bad = judged.filter((j) => !j.v.trusted)
  if (!bad.length) return {status: 'pass', summary: `${served.length} certificate(s) chain to gateway.ca: ${judged.map((j) => j.v.path.join(' <- ')).join('; ')}`}
  return {
    status: 'fail',
    summary: `certificate ${bad[0]!.c.file} is not issued by the CA in gateway.ca (${ca.file}): clients that trust that CA refuse it`,
    finding: 'cert_untrusted',
    evidence: bad.flatMap((j) => [`${j.c.file}: subject ${j.c.subject}, issuer ${j.c.issuer}`, `  ${j.v.why}`]),
    hints: bad.flatMap((j) => hint(j.c.file)),
  }
}

/** Whether a certificate's subjectAltName covers a name nginx serves (a wildcard server_name needs the same wildcard). */
export function covers(cert: X509Certificate, name: string): boolean {
  const sans = (cert.subjectAltName ?? '').split(', ')
  if (isIP(name)) return cert.checkIP(name) !== undefined
  if (name.startsWith('*.')) return sans.includes(`DNS:${name}`)
  return cert.checkHost(name, {subject: 'never'}) !== undefined
}

/** The names a server block must be good for: its server_names (exact and `*.` ones; `.a.b` is a.b and *.a.b), and `also`. */
export function namesToCover(server: TlsServer, also: readonly string[]): string[] {
  const own = server.serverNames.flatMap((n) => {
    const name = n.toLowerCase()
    if (name === '' || name === '_' || name.startsWith('~') || name.endsWith('.*') || name === 'localhost') return []
    return name.startsWith('.') ? [name.slice(1), `*${name}`] : [name]
  })
  return [...new Set([...own, ...also.map((a) => a.toLowerCase())])]
}

/**
 * Every name a TLS server block serves, covered by each certificate it serves: its server_names,
 * and `extra(server)` (the inventory's route hosts and the gateway URL's host that land on it).
 */
export function judgeNames(certs: readonly CertificateInfo[], servers: readonly TlsServer[], extra: (s: TlsServer) => string[], hint: (file: string, missing: string[]) => Hint[]): Judgement {
  const byFile = new Map(certs.map((c) => [c.file, c]))
  const gaps: {server: TlsServer; cert: CertificateInfo; missing: string[]}[] = []
  let checked = 0
  for (const server of servers) {
    const names = namesToCover(server, extra(server))
    for (const pair of server.pairs) {
      const cert = byFile.get(pair.cert)
      const x = cert?.pems?.[0] ? parse(cert.pems[0]) : undefined
      if (!cert || !x || !names.length) continue
      checked++
      const missing = names.filter((n) => !covers(x, n))
      if (missing.length) gaps.push({server, cert, missing})
    }
  }
  if (!gaps.length) return {status: 'pass', summary: checked ? `${checked} certificate(s) cover every name their server blocks serve` : 'no served certificate with names to check'}
  const first = gaps[0]!
  return {
    status: 'fail',
    summary: `certificate ${first.cert.file} does not cover ${first.missing.join(', ')}, served by the server at ${serverAt(first.server)}: clients asking for ${first.missing.length > 1 ? 'those names' : 'that name'} refuse it`,
    finding: 'cert_name_mismatch',
    evidence: gaps.flatMap((g) => [`${g.cert.file} (server ${serverAt(g.server)}): not valid for ${g.missing.join(', ')}`, `  it is valid for: ${g.cert.names?.join(', ') || 'no subjectAltName (the subject CN is not read by clients)'}`]),
    hints: gaps.flatMap((g) => hint(g.cert.file, g.missing)),
  }
}

/** Each certificate against the key nginx pairs it with, by their public keys. */
export function judgeKeys(certs: readonly CertificateInfo[], keys: readonly KeyInfo[], servers: readonly TlsServer[], hint: (cert: string, key: string) => Hint[]): Judgement {
  const certOf = new Map(certs.map((c) => [c.file, c]))
  const keyOf = new Map(keys.map((k) => [k.file, k]))
  const pairs = [...new Map(servers.flatMap((s) => s.pairs).filter((p) => p.key).map((p) => [`${p.cert}\n${p.key}`, p])).values()]
  const compared = pairs.flatMap((p) => {
    const c = certOf.get(p.cert)
    const k = keyOf.get(p.key!)
    return c?.publicKey && k?.publicKey ? [{p, match: c.publicKey === k.publicKey, via: k.via}] : []
  })
  const unread = keys.filter((k) => k.error).map((k) => `${k.file}: ${k.error}`)
  const bad = compared.filter((x) => !x.match)
  if (!bad.length) {
    const note = unread.length ? `; not compared: ${unread.join('; ')}` : ''
    return {status: 'pass', summary: compared.length ? `${compared.length} key(s) match their certificate (public keys compared)${note}` : `no certificate/key pair compared${note}`}
  }
  return {
    status: 'fail',
    summary: `the key ${bad[0]!.p.key} does not belong to the certificate ${bad[0]!.p.cert}: nginx refuses to load the pair at its next reload or start`,
    finding: 'cert_key_mismatch',
    evidence: bad.map((x) => `${x.p.file}:${x.p.line}: ssl_certificate ${x.p.cert} with ssl_certificate_key ${x.p.key}: their public keys differ (${x.via === 'openssl' ? 'the key\'s public half from openssl in the gateway CT' : 'the key\'s public half derived by phoenix in memory'})`),
    hints: bad.flatMap((x) => hint(x.p.cert, x.p.key!)),
  }
}
