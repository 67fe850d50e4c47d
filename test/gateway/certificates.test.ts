import {describe, expect, it} from 'vitest'

import {judgeCertificates, parseCertificateLines} from '../../src/gateway/certificates.js'

const renew = (file: string) => ({text: `renew ${file}`})
const HOUR = 3_600_000
const openssl = (t: number) => new Date(t).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) (\S+) GMT$/, '$2 $1 $4 $3 GMT')
/** What the probe's openssl line reads for a certificate valid from..until. */
const line = (file: string, from: number, until: number) => `${file} notBefore=${openssl(from)} notAfter=${openssl(until)} `

describe('certificate health: a share of the lifetime, not a fixed number of days', () => {
  const now = new Date('2026-12-01T12:00:00Z')
  const t = now.getTime()
  it('a 24-hour step-ca certificate renewed an hour ago is healthy', () => {
    const certs = parseCertificateLines([line('/etc/nginx/ssl/api.crt', t - HOUR, t + 23 * HOUR)], now)
    expect(certs[0]).toMatchObject({notBefore: '2026-12-01T11:00:00.000Z', notAfter: '2026-12-02T11:00:00.000Z'})
    expect(judgeCertificates(certs, renew)).toMatchObject({status: 'pass', summary: '1 certificate(s) valid: api.crt expires in 23 hours'})
  })

  it('the same certificate with 6 of its 24 hours left warns: its hourly renewal stopped', () => {
    const judged = judgeCertificates(parseCertificateLines([line('/etc/nginx/ssl/api.crt', t - 18 * HOUR, t + 6 * HOUR)], now), renew)
    expect(judged).toMatchObject({status: 'warn', finding: 'cert_expiring', summary: 'certificate /etc/nginx/ssl/api.crt expires in 6 hours, 25% of its lifetime left: its renewal did not happen'})
  })

  it('a 90-day certificate with 40 days left is healthy, with 20 days left warns', () => {
    const day = 24 * HOUR
    expect(judgeCertificates(parseCertificateLines([line('/a.crt', t - 50 * day, t + 40 * day)], now), renew).status).toBe('pass')
    expect(judgeCertificates(parseCertificateLines([line('/a.crt', t - 70 * day, t + 20 * day)], now), renew).status).toBe('warn')
  })

  it('an expired certificate is critical and says so in words (no negative days, no undefined line)', () => {
    const day = 24 * HOUR
    const judged = judgeCertificates(parseCertificateLines([line('/etc/nginx/ssl/old.crt', t - 1034 * day, t - 669 * day)], now), renew)
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_expired', summary: "certificate /etc/nginx/ssl/old.crt expired 669 days ago: clients refuse the gateway's TLS", hints: [{text: 'renew /etc/nginx/ssl/old.crt'}]})
    expect(judged.evidence).toEqual(['/etc/nginx/ssl/old.crt: notBefore 2024-02-01T12:00:00.000Z, notAfter 2025-01-31T12:00:00.000Z (expired 669 days ago)'])
  })

  it('a certificate openssl cannot read is said, not judged', () => {
    const judged = judgeCertificates(parseCertificateLines(['/x.crt Could not open file or uri for loading certificate from /x.crt'], now), renew)
    expect(judged).toMatchObject({status: 'pass', summary: 'no certificate readable with openssl (/x.crt: Could not open file or uri for loading certificate from /x.crt)'})
  })
})
