import {describe, expect, it} from 'vitest'

import {judgeCertificates} from '../../src/gateway/certificates.js'
import type {RenewalContext} from '../../src/gateway/certificates.js'
import type {CertificateInfo, RenewalJob} from '../../src/model/nginx.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const now = new Date('2026-12-01T12:00:00Z').getTime()

/** A certificate as the probe reads it, valid from `from` to `until` (ms relative to now). */
function cert(file: string, from: number, until: number): CertificateInfo {
  return {file, notBefore: new Date(now + from).toISOString(), notAfter: new Date(now + until).toISOString(), msLeft: until, daysLeft: Math.floor(until / DAY), lifeLeft: Math.max(0, Math.min(1, until / (until - from))), msOld: -from}
}
const ctx = (extra: Partial<RenewalContext> = {}): RenewalContext => ({jobs: [], renewHint: (f) => ({text: `renew ${f}`}), jobHints: (j) => [{text: `look at ${j.where}`}], ...extra})
const HOURLY_CRON: RenewalJob = {cert: '/etc/step/certs/gw.crt', kind: 'cron', where: '/etc/cron.d/step-renew:2', text: '0 * * * * root step ca renew --force /etc/step/certs/gw.crt /etc/step/certs/gw.key', everyMs: HOUR, conditional: false}
const STEP_TIMER: RenewalJob = {cert: '/etc/step/certs/gw.crt', kind: 'timer', where: 'cert-renewer@gw.timer', text: 'OnCalendar=*-*-* *:01/15:00', everyMs: 15 * 60_000, conditional: true, lastRun: 'Tue 2026-12-01 11:46:00 UTC'}

describe('certificate health: a share of the lifetime, not a fixed number of days', () => {
  it('a 24-hour step-ca certificate renewed an hour ago is healthy', () => {
    expect(judgeCertificates([cert('/etc/nginx/ssl/api.crt', -HOUR, 23 * HOUR)], ctx())).toMatchObject({status: 'pass', summary: '1 certificate(s) valid: api.crt expires in 23 hours'})
  })

  it('the same certificate with 6 of its 24 hours left warns: its renewal did not happen (no job seen)', () => {
    expect(judgeCertificates([cert('/etc/nginx/ssl/api.crt', -18 * HOUR, 6 * HOUR)], ctx())).toMatchObject({status: 'warn', finding: 'cert_expiring', summary: 'certificate /etc/nginx/ssl/api.crt expires in 6 hours, 25% of its lifetime left: its renewal did not happen'})
  })

  it('a 90-day certificate with 40 days left is healthy, with 20 days left warns', () => {
    expect(judgeCertificates([cert('/a.crt', -50 * DAY, 40 * DAY)], ctx()).status).toBe('pass')
    expect(judgeCertificates([cert('/a.crt', -70 * DAY, 20 * DAY)], ctx()).status).toBe('warn')
  })

  it('an expired certificate is critical and says so in words (no negative days, no undefined line)', () => {
    const judged = judgeCertificates([cert('/etc/nginx/ssl/old.crt', -1034 * DAY, -669 * DAY)], ctx())
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_expired', summary: "certificate /etc/nginx/ssl/old.crt expired 669 days ago: clients refuse the gateway's TLS", hints: [{text: 'renew /etc/nginx/ssl/old.crt'}]})
    expect(judged.evidence).toEqual(['/etc/nginx/ssl/old.crt: notBefore 2024-02-01T12:00:00.000Z, notAfter 2025-01-31T12:00:00.000Z (expired 669 days ago)'])
  })

  it('a certificate that cannot be read is said, not judged', () => {
    expect(judgeCertificates([{file: '/x.crt', error: 'not readable in the gateway CT'}], ctx())).toMatchObject({status: 'pass', summary: 'no certificate readable (/x.crt: not readable in the gateway CT)'})
  })
})

describe('a stalled renewal', () => {
  it('gateway.renewEvery 1h: a 24-hour certificate 3 hours old has missed two renewals (warning, the cron line named)', () => {
    const judged = judgeCertificates([cert('/etc/step/certs/gw.crt', -3 * HOUR, 21 * HOUR)], ctx({everyMs: HOUR, jobs: [HOURLY_CRON]}))
    expect(judged).toMatchObject({status: 'warn', finding: 'renewal_stalled', summary: 'certificate /etc/step/certs/gw.crt is 3 hours old where gateway.renewEvery says it is replaced every 60 minutes: its renewal has stalled; renewed by cron /etc/cron.d/step-renew:2'})
    expect(judged.evidence).toContain('  renewed by cron /etc/cron.d/step-renew:2: 0 * * * * root step ca renew --force /etc/step/certs/gw.crt /etc/step/certs/gw.key (every 60 minutes)')
    expect(judged.hints!.map((h) => h.text)).toEqual(['look at /etc/cron.d/step-renew:2', 'renew /etc/step/certs/gw.crt'])
  })

  it('90 minutes old with renewEvery 1h is healthy: one late run is not a stall', () => {
    expect(judgeCertificates([cert('/etc/step/certs/gw.crt', -1.5 * HOUR, 22.5 * HOUR)], ctx({everyMs: HOUR})).status).toBe('pass')
  })

  it('without renewEvery, the interval is the period of a job that renews on every run (an hourly cron line naming the file)', () => {
    const judged = judgeCertificates([cert('/etc/step/certs/gw.crt', -3 * HOUR, 21 * HOUR)], ctx({jobs: [HOURLY_CRON]}))
    expect(judged).toMatchObject({status: 'warn', finding: 'renewal_stalled', summary: 'certificate /etc/step/certs/gw.crt is 3 hours old where its renewal job runs every 60 minutes: its renewal has stalled; renewed by cron /etc/cron.d/step-renew:2'})
  })

  it("step's cert-renewer timer renews only when due: 10 hours old is healthy, under a third of the life left is stalled with the timer named", () => {
    expect(judgeCertificates([cert('/etc/step/certs/gw.crt', -10 * HOUR, 14 * HOUR)], ctx({jobs: [STEP_TIMER]})).status).toBe('pass')
    const judged = judgeCertificates([cert('/etc/step/certs/gw.crt', -18 * HOUR, 6 * HOUR)], ctx({jobs: [STEP_TIMER]}))
    expect(judged).toMatchObject({status: 'warn', finding: 'renewal_stalled', summary: 'certificate /etc/step/certs/gw.crt is 25% of its lifetime left, yet a renewal job is there: its renewal has stalled; renewed by timer cert-renewer@gw.timer'})
    expect(judged.evidence!.join('\n')).toContain('renews only when due, last ran Tue 2026-12-01 11:46:00 UTC')
  })

  it('an expired certificate is critical, with its renewal job in the evidence', () => {
    const judged = judgeCertificates([cert('/etc/step/certs/gw.crt', -30 * HOUR, -6 * HOUR)], ctx({jobs: [HOURLY_CRON], everyMs: HOUR}))
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_expired'})
    expect(judged.evidence!.join('\n')).toContain('renewed by cron /etc/cron.d/step-renew:2')
  })
})
