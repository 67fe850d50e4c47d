import type {Judgement} from '../model/check-spec.js'
import type {Hint} from '../model/report.js'
import type {CertificateInfo, RenewalJob} from '../model/nginx.js'

/**
 * Less than this share of a certificate's lifetime left is a warning: renewal is due and did not
 * happen. A share, not a number of days: step-ca's 24-hour certificates renewed hourly always have
 * most of their day ahead, and a 90-day ACME certificate renewed at 30 days left never warns.
 */
export const RENEW_BY_SHARE = 1 / 3

/** Older than this many renewal intervals, a certificate's renewal has stalled: one run may be missed, not two. */
export const STALLED_AFTER_INTERVALS = 2

/** `expires in 3 days`, `expires in 5 hours`, `expired 2 days ago`: notAfter as seen when read. */
export function untilExpiry(cert: CertificateInfo): string {
  const ms = cert.msLeft ?? 0
  return ms < 0 ? `expired ${span(ms)} ago` : `expires in ${span(ms)}`
}

/** `3 days`, `5 hours`, `40 minutes`. */
export function span(ms: number): string {
  const abs = Math.abs(ms)
  return abs >= 2 * 86_400_000 ? `${Math.floor(abs / 86_400_000)} days` : abs >= 2 * 3_600_000 ? `${Math.floor(abs / 3_600_000)} hours` : `${Math.max(1, Math.floor(abs / 60_000))} minutes`
}

/** What phoenix knows of how the certificates are renewed: the inventory's interval, the jobs seen in the CT. */
export interface RenewalContext {
  /** gateway.renewEvery: how often the operator says the certificates are replaced. */
  everyMs?: number
  jobs: readonly RenewalJob[]
  /** The hint to renew a file by hand (see its dates, renew, reload). */
  renewHint: (file: string) => Hint
  /** Hints to look at a job (its unit's status and log, or its cron file). */
  jobHints: (job: RenewalJob) => Hint[]
}

/** How a job reads in evidence: `/etc/cron.d/renew:2: 0 * * * * root step ca renew … (every 1 hours)`. */
export function jobLine(job: RenewalJob): string {
  const every = job.everyMs ? `every ${span(job.everyMs)}` : 'schedule not read'
  return `${job.kind === 'cron' ? 'cron' : 'timer'} ${job.where}: ${job.text} (${every}${job.conditional ? ', renews only when due' : ''}${job.lastRun ? `, last ran ${job.lastRun}` : ''})`
}

/**
 * Why a certificate counts as not renewed in time, if it does: older than twice the interval
 * (the inventory's, else that of a job that renews on every run), or with under a third of its
 * life left while a renewal job is there (it renews only when due, and it did not).
 */
function stalled(c: CertificateInfo, ctx: RenewalContext): {why: string; job?: RenewalJob} | undefined {
  const job = ctx.jobs.find((j) => j.cert === c.file)
  const age = c.msOld ?? 0
  if (ctx.everyMs && age > STALLED_AFTER_INTERVALS * ctx.everyMs) {
    return {why: `${span(age)} old where gateway.renewEvery says it is replaced every ${span(ctx.everyMs)}`, ...(job ? {job} : {})}
  }
  if (job && !ctx.everyMs && !job.conditional && job.everyMs && age > STALLED_AFTER_INTERVALS * job.everyMs) {
    return {why: `${span(age)} old where its renewal job runs every ${span(job.everyMs)}`, job}
  }
  if (job && (c.lifeLeft ?? 1) < RENEW_BY_SHARE) return {why: `${Math.round((c.lifeLeft ?? 0) * 100)}% of its lifetime left, yet a renewal job is there`, job}
  return undefined
}

/**
 * The served certificates as health: one expired is critical (clients refuse the gateway now); a
 * stalled renewal (renewal_stalled, naming the job where phoenix sees it) or under a third of the
 * lifetime left with no job in sight (cert_expiring) is a warning.
 */
export function judgeCertificates(certs: readonly CertificateInfo[], ctx: RenewalContext): Judgement {
  const read = certs.filter((c) => c.msLeft !== undefined)
  if (!read.length) return {status: 'pass', summary: certs.length ? `no certificate readable (${certs[0]!.file}: ${certs[0]!.error})` : 'no ssl_certificate in the config'}
  const line = (c: CertificateInfo) => `${c.file}: notBefore ${c.notBefore ?? '?'}, notAfter ${c.notAfter} (${untilExpiry(c)})`
  const jobsOf = (c: CertificateInfo) => ctx.jobs.filter((j) => j.cert === c.file)
  const expired = read.filter((c) => c.msLeft! <= 0)
  if (expired.length) {
    const first = expired[0]!
    return {
      status: 'fail',
      summary: `certificate ${first.file} ${untilExpiry(first)}: clients refuse the gateway's TLS`,
      finding: 'cert_expired',
      evidence: expired.flatMap((c) => [line(c), ...jobsOf(c).map((j) => `  renewed by ${jobLine(j)}`)]),
      hints: expired.flatMap((c) => [...jobsOf(c).flatMap(ctx.jobHints), ctx.renewHint(c.file)]),
    }
  }
  const stalls = read.flatMap((c) => {
    const s = stalled(c, ctx)
    return s ? [{c, ...s}] : []
  })
  if (stalls.length) {
    const first = stalls[0]!
    const by = first.job ? `; renewed by ${first.job.kind} ${first.job.where}` : '; no renewal job naming it seen in the gateway CT'
    return {
      status: 'warn',
      summary: `certificate ${first.c.file} is ${first.why}: its renewal has stalled${by}`,
      finding: 'renewal_stalled',
      evidence: stalls.flatMap((s) => [line(s.c), ...jobsOf(s.c).map((j) => `  renewed by ${jobLine(j)}`)]),
      hints: stalls.flatMap((s) => [...jobsOf(s.c).flatMap(ctx.jobHints), ctx.renewHint(s.c.file)]),
    }
  }
  const due = read.filter((c) => (c.lifeLeft ?? 1) < RENEW_BY_SHARE)
  if (!due.length) return {status: 'pass', summary: `${read.length} certificate(s) valid: ${read.map((c) => `${c.file.split('/').pop()} ${untilExpiry(c)}`).join(', ')}`}
  const first = due[0]!
  return {
    status: 'warn',
    summary: `certificate ${first.file} ${untilExpiry(first)}, ${Math.round((first.lifeLeft ?? 0) * 100)}% of its lifetime left: its renewal did not happen`,
    finding: 'cert_expiring',
    evidence: due.map(line),
    hints: due.map((c) => ctx.renewHint(c.file)),
  }
}
