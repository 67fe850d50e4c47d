import {createHash, createPrivateKey, createPublicKey, X509Certificate} from 'node:crypto'
import type {KeyObject} from 'node:crypto'

import type {CertificateInfo, KeyInfo, RenewalJob} from '../model/nginx.js'
import {cronJob, timerJob} from './renewal-jobs.js'

/** What the certificate part of the nginx probe printed, read: certificates, key hashes, renewal jobs. */
export interface CertSection {
  certificates: CertificateInfo[]
  keys: KeyInfo[]
  renewals: RenewalJob[]
}

/** SHA-256 of a public key's SPKI (DER), hex: what a certificate and its key are compared by. */
export function publicKeyHash(key: KeyObject): string {
  return createHash('sha256').update(key.export({type: 'spki', format: 'der'})).digest('hex')
}

/** The PEM blocks of one kind in a text (`CERTIFICATE`), each whole. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): string[] {
  return text.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g')) ?? []
}

/**
 * A certificate file as nginx reads it (the leaf first, then intermediates), parsed by node:crypto:
 * no tool in the gateway CT is needed, only `cat`. Its validity, names, and public-key hash.
 */
export function certificateInfo(file: string, text: string, now: Date): CertificateInfo {
  const pems = pemBlocks(text)
  if (!pems.length) return {file, error: 'no PEM certificate in the file'}
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(pems[0]!)
  } catch {
    return {file, error: 'its first PEM block is not a certificate node:crypto can read'}
  }
  const from = Date.parse(leaf.validFrom)
  const until = Date.parse(leaf.validTo)
  const left = until - now.getTime()
  const lifetime = until - from
  return {
    file,
    notBefore: new Date(from).toISOString(),
    notAfter: new Date(until).toISOString(),
    msLeft: left,
    daysLeft: Math.floor(left / 86_400_000),
    ...(lifetime > 0 ? {lifeLeft: Math.max(0, Math.min(1, left / lifetime))} : {}),
    msOld: now.getTime() - from,
    subject: leaf.subject.replaceAll('\n', ', '),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    names: leaf.subjectAltName ? leaf.subjectAltName.split(', ') : [],
    publicKey: publicKeyHash(leaf.publicKey),
    pems,
  }
}

/**
 * A key file as the probe printed it: the public key openssl derived in the CT (after `@@pub`), or
 * the private key itself, read bounded where the CT has no openssl. The private key is turned into
 * its public half here and dropped: only the hash is kept, and no message carries any of its text.
 */
function keyInfo(file: string, lines: readonly string[], viaOpenssl: boolean, where: string): KeyInfo {
  const text = lines.join('\n')
  if (viaOpenssl) {
    try {
      return {file, publicKey: publicKeyHash(createPublicKey(text)), via: 'openssl'}
    } catch {
      return {file, error: `openssl in ${where} could not read it (encrypted, or not a key)`}
    }
  }
  if (!text.includes('PRIVATE KEY-----')) return {file, error: 'no PEM private key in the file'}
  try {
    return {file, publicKey: publicKeyHash(createPublicKey(createPrivateKey(text))), via: 'derived'}
  } catch {
    return {file, error: 'not a private key phoenix can read (encrypted, or damaged)'}
  }
}

/**
 * Reads the lines after `@@certs`: `@@pem FILE` + its certificate blocks, `@@key FILE` + the public
 * key (`@@pub`) or the private key's block, `@@nofile` for a file that cannot be read, `@@cron` +
 * grep lines, `@@timers` + `TIMER UNIT` lines and `@@units` + `systemctl show` of them all.
 * `where` names the guest the files were read in, for the messages (the gateway's CT, Traefik's).
 */
export function readCertSection(lines: readonly string[], now: Date, where = 'the gateway CT'): CertSection {
  const out: CertSection = {certificates: [], keys: [], renewals: []}
  const sections: {head: string; body: string[]}[] = []
  for (const line of lines) {
    if (line.startsWith('@@') && !line.startsWith('@@ ')) sections.push({head: line.slice(2), body: []})
    else sections.at(-1)?.body.push(line)
  }
  const certFiles = sections.filter((s) => s.head.startsWith('pem ')).map((s) => s.head.slice(4))
  for (let i = 0; i < sections.length; i++) {
    const {head, body} = sections[i]!
    const next = sections[i + 1]?.head
    const space = head.indexOf(' ')
    const [tag, arg] = space === -1 ? [head, ''] : [head.slice(0, space), head.slice(space + 1)]
    if (tag === 'pem') out.certificates.push(next === 'nofile' ? {file: arg, error: `not readable in ${where}`} : certificateInfo(arg, body.join('\n'), now))
    else if (tag === 'key') {
      if (next === 'nofile') out.keys.push({file: arg, error: `not readable in ${where}`})
      else if (next === 'pub') out.keys.push(keyInfo(arg, sections[i + 1]!.body, true, where))
      else out.keys.push(keyInfo(arg, body, false, where))
    } else if (tag === 'cron') out.renewals.push(...body.flatMap((l) => cronJob(l, certFiles)))
    else if (tag === 'units') out.renewals.push(...timerJobs(sections.find((s) => s.head === 'timers')?.body ?? [], body, certFiles))
  }
  return out
}

/**
 * `systemctl show` of every timer and the unit it activates, in blocks (blank-line separated, each
 * with its Id=): each timer's and its service's lines together, as one job per certificate named.
 */
function timerJobs(pairs: readonly string[], show: readonly string[], certs: readonly string[]): RenewalJob[] {
  const blocks = new Map<string, string[]>()
  let current: string[] = []
  for (const line of [...show, '']) {
    if (line.trim()) current.push(line)
    else if (current.length) {
      const id = current.find((l) => l.startsWith('Id='))?.slice(3)
      if (id) blocks.set(id, current)
      current = []
    }
  }
  return pairs.flatMap((pair) => {
    const [timer, service] = pair.trim().split(/\s+/)
    if (!timer || !service) return []
    return timerJob(timer, [...(blocks.get(service) ?? []).filter((l) => !l.startsWith('Timers') && !l.startsWith('LastTrigger')), ...(blocks.get(timer) ?? [])], certs)
  })
}
