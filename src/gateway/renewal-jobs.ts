import type {RenewalJob} from '../model/nginx.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Words of a renewal that runs only when the certificate is due (step's cert-renewer, openssl -checkend). */
const CONDITIONAL = /needs-renewal|--expires-in|-checkend|--renew-period/

/**
 * How often a schedule with these minute and hour fields runs (cron's, or systemd's normalised
 * OnCalendar `*-*-* HH:MM:SS`): `*` every minute, `*\/15` or `1/15` every 15 minutes, a fixed minute
 * hourly, a fixed hour daily, `*\/6` in the hour every 6 hours. Day fields other than `*` are not read.
 */
export function schedulePeriod(minute: string, hour: string, daysAllStar = true): number | undefined {
  const step = (f: string) => /^(\*|\d+)\/(\d+)$/.exec(f)?.[2]
  const count = (f: string) => (/^\d+(,\d+)*$/.test(f) ? f.split(',').length : undefined)
  if (!daysAllStar) return undefined
  if (hour === '*') {
    if (minute === '*') return MINUTE
    const every = step(minute)
    if (every) return Number(every) * MINUTE
    const n = count(minute)
    return n ? HOUR / n : undefined
  }
  if (count(minute) === undefined) return undefined
  const everyHours = step(hour)
  if (everyHours) return Number(everyHours) * HOUR
  const n = count(hour)
  return n ? (24 * HOUR) / n : undefined
}

const NICKNAMES: Readonly<Record<string, number>> = {'@hourly': HOUR, '@daily': 24 * HOUR, '@midnight': 24 * HOUR, '@weekly': 7 * 24 * HOUR}

/** A `grep -Hn` line (`/etc/cron.d/renew:3:0 * * * * root step ca renew …`) as a job, for each certificate it names. */
export function cronJob(line: string, certs: readonly string[]): RenewalJob[] {
  const m = /^([^:]+):(\d+):(.*)$/.exec(line)
  if (!m) return []
  const text = m[3]!.trim()
  if (!text || text.startsWith('#')) return []
  const fields = text.split(/\s+/)
  const everyMs = fields[0]!.startsWith('@') ? NICKNAMES[fields[0]!] : schedulePeriod(fields[0]!, fields[1] ?? '', fields.slice(2, 5).every((f) => f === '*'))
  return certs.filter((c) => text.includes(c)).map((cert) => ({
    cert, kind: 'cron', where: `${m[1]}:${m[2]}`, text: text.slice(0, 300), ...(everyMs ? {everyMs} : {}), conditional: CONDITIONAL.test(text),
  }))
}

/** A systemd time span as `systemctl show` prints it: `1h`, `15min`, `1h 30min`, `1d`. */
export function timeSpan(text: string): number | undefined {
  const units: Record<string, number> = {us: 0.001, ms: 1, s: 1000, min: MINUTE, h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR}
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)\s*(us|ms|min|s|h|d|w)\b/g)]
  if (!parts.length) return undefined
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0)
}

/** A timer's period from `systemctl show`: OnUnitActiveUSec / OnUnitInactiveUSec, or its OnCalendar. */
function timerPeriod(lines: readonly string[]): number | undefined {
  const joined = lines.join('\n')
  const mono = /On(?:Unit(?:Active|Inactive))USec=([^;}]+)/.exec(joined)?.[1]
  if (mono) return timeSpan(mono)
  const calendar = /OnCalendar=([^;}]+)/.exec(joined)?.[1]?.trim()
  if (!calendar) return undefined
  const time = /(\S+):(\S+):(\S+)$/.exec(calendar)
  const date = calendar.split(/\s+/).find((w) => w.includes('-'))
  return time ? schedulePeriod(time[2]!, time[1]!, !date || date === '*-*-*') : undefined
}

/** A timer whose service names a certificate (in its ExecStart, ExecCondition or Environment), as a job. */
export function timerJob(timer: string, lines: readonly string[], certs: readonly string[]): RenewalJob[] {
  const service = lines.filter((l) => /^(ExecStart|ExecCondition|ExecStartPre|Environment)=/.test(l)).join('\n')
  const command = /argv\[\]=([^;]+)/.exec(lines.find((l) => l.startsWith('ExecStart=')) ?? '')?.[1]?.trim()
  const schedule = /(OnCalendar|OnUnitActiveUSec|OnUnitInactiveUSec)=([^;}]+)/.exec(lines.join('\n'))
  const last = lines.find((l) => l.startsWith('LastTriggerUSec='))?.slice('LastTriggerUSec='.length).trim()
  const everyMs = timerPeriod(lines)
  const text = [schedule ? `${schedule[1]}=${schedule[2]!.trim()}` : '', command ? `runs ${command}` : ''].filter(Boolean).join('; ')
  return certs.filter((c) => service.includes(c)).map((cert) => ({
    cert, kind: 'timer', where: timer, text: text.slice(0, 300), ...(everyMs ? {everyMs} : {}), conditional: CONDITIONAL.test(service),
    ...(last && last !== 'n/a' && last !== '0' ? {lastRun: last} : {}),
  }))
}
