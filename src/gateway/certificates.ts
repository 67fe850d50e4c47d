import type {HardeningFinding} from './hardening.js'

/** A TLS certificate nginx serves, and when it expires. */
export interface CertificateInfo {
  file: string
  /** ISO time of notAfter; absent when openssl could not read the file. */
  notAfter?: string
  daysLeft?: number
  /** What openssl said when it could not read it. */
  error?: string
}

/** Fewer days than this left is a warning: renewals (Step-CA, ACME) run well before. */
export const EXPIRY_WARN_DAYS = 30

/** Reads `FILE notAfter=Nov 24 00:00:00 2027 GMT` lines (one per ssl_certificate file). */
export function parseCertificateLines(lines: readonly string[], now: Date): CertificateInfo[] {
  return lines.filter((l) => l.trim()).map((line) => {
    const space = line.indexOf(' ')
    const file = space === -1 ? line : line.slice(0, space)
    const m = line.slice(space + 1).match(/notAfter=(.+)$/)
    const time = m ? Date.parse(m[1]!) : Number.NaN
    if (Number.isNaN(time)) return {file, error: line.slice(space + 1).trim().slice(0, 200) || 'unreadable'}
    return {file, notAfter: new Date(time).toISOString(), daysLeft: Math.floor((time - now.getTime()) / 86_400_000)}
  })
}

/** A certificate expired or close to it, as a hardening finding with the renewal to do. */
export function certificateFindings(certs: readonly CertificateInfo[]): HardeningFinding[] {
  return certs
    .filter((c) => c.daysLeft !== undefined && c.daysLeft < EXPIRY_WARN_DAYS)
    .map((c) => ({
      id: 'cert_expiry' as const,
      summary: c.daysLeft! < 0 ? `certificate ${c.file} expired ${-c.daysLeft!} days ago (${c.notAfter})` : `certificate ${c.file} expires in ${c.daysLeft} days (${c.notAfter})`,
      fix: `renew ${c.file} (and its key), then reload nginx`,
      file: c.file,
    }))
}
