import type {Judgement} from '../model/check-spec.js'
import type {CertificateInfo} from '../model/nginx.js'

/**
 * Less than this share of a certificate's lifetime left is a warning: renewal is due and did not
 * happen. A share, not a number of days: step-ca's 24-hour certificates renewed hourly always have
 * most of their day ahead, and a 90-day ACME certificate renewed at 30 days left never warns.
 */
export const RENEW_BY_SHARE = 1 / 3

/** Reads `FILE notBefore=Nov 24 00:00:00 2026 GMT notAfter=Nov 24 00:00:00 2027 GMT` lines (one per ssl_certificate). */
export function parseCertificateLines(lines: readonly string[], now: Date): CertificateInfo[] {
  return lines.filter((l) => l.trim()).map((line) => {
    const space = line.indexOf(' ')
    const file = space === -1 ? line : line.slice(0, space)
    const rest = space === -1 ? '' : line.slice(space + 1)
    const time = (field: string) => Date.parse(rest.match(new RegExp(`${field}=(.+?GMT)`))?.[1] ?? '')
    const [from, until] = [time('notBefore'), time('notAfter')]
    if (Number.isNaN(until)) return {file, error: rest.trim().slice(0, 200) || 'unreadable'}
    const left = until - now.getTime()
    const lifetime = until - from
    return {
      file,
      ...(Number.isNaN(from) ? {} : {notBefore: new Date(from).toISOString()}),
      notAfter: new Date(until).toISOString(),
      msLeft: left,
      daysLeft: Math.floor(left / 86_400_000),
      ...(Number.isNaN(from) || lifetime <= 0 ? {} : {lifeLeft: Math.max(0, Math.min(1, left / lifetime))}),
    }
  })
}

/** `expires in 3 days`, `expires in 5 hours`, `expired 2 days ago`: notAfter as seen when read. */
export function untilExpiry(cert: CertificateInfo): string {
  const ms = cert.msLeft ?? 0
  const abs = Math.abs(ms)
  const span = abs >= 2 * 86_400_000 ? `${Math.floor(abs / 86_400_000)} days` : abs >= 2 * 3_600_000 ? `${Math.floor(abs / 3_600_000)} hours` : `${Math.max(1, Math.floor(abs / 60_000))} minutes`
  return ms < 0 ? `expired ${span} ago` : `expires in ${span}`
}

/**
 * The served certificates as health: one expired is critical (clients refuse the gateway now), one
 * with less than RENEW_BY_SHARE of its lifetime left is a warning (renewal did not happen).
 */
export function judgeCertificates(certs: readonly CertificateInfo[], renewHint: (file: string) => {text: string; command?: string}): Judgement {
  const read = certs.filter((c) => c.msLeft !== undefined)
  if (!read.length) return {status: 'pass', summary: certs.length ? `no certificate readable with openssl (${certs[0]!.file}: ${certs[0]!.error})` : 'no ssl_certificate in the config'}
  const line = (c: CertificateInfo) => `${c.file}: notBefore ${c.notBefore ?? '?'}, notAfter ${c.notAfter} (${untilExpiry(c)})`
  const expired = read.filter((c) => c.msLeft! <= 0)
  const due = read.filter((c) => !expired.includes(c) && (c.lifeLeft ?? 1) < RENEW_BY_SHARE)
  const bad = [...expired, ...due]
  if (!bad.length) return {status: 'pass', summary: `${read.length} certificate(s) valid: ${read.map((c) => `${c.file.split('/').pop()} ${untilExpiry(c)}`).join(', ')}`}
  const first = bad[0]!
  const share = (c: CertificateInfo) => `${Math.round((c.lifeLeft ?? 0) * 100)}% of its lifetime left`
  return {
    status: expired.length ? 'fail' : 'warn',
    summary: expired.length ? `certificate ${first.file} ${untilExpiry(first)}: clients refuse the gateway's TLS` : `certificate ${first.file} ${untilExpiry(first)}, ${share(first)}: its renewal did not happen`,
    finding: expired.length ? 'cert_expired' : 'cert_expiring',
    evidence: bad.map(line),
    hints: bad.map((c) => renewHint(c.file)),
  }
}
