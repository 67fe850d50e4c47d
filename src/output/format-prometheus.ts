import type {Report, ServiceReport} from '../model/report.js'
import {exitCodeFor} from '../model/status.js'
import type {Formatter} from './formats.js'

/** One metric family: its samples, each a set of labels and a value. */
interface Family {
  name: string
  help: string
  samples: {labels: Record<string, string>; value: number}[]
}

/**
 * The Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector or
 * a scrape: gauges only (every value is the state of the last run), base units (seconds), one
 * HELP and TYPE line a family. What is unknown is left out rather than reported as 0.
 */
const prometheus: Formatter = {render: (report) => families(report).map(family).join('')}
export default prometheus

function families(report: Report): Family[] {
  const services = report.services
  const each = (f: (s: ServiceReport) => Family['samples']) => services.flatMap(f)
  const endSeconds = (Date.parse(report.startedAt) + report.durationMs) / 1000
  return [
    {name: 'phoenix_up', help: 'Whether the layer of the service works: 1 passed (or degraded), 0 failed. Layers phoenix could not see are left out.',
      samples: each((s) => s.layers.filter((l) => l.status !== 'unknown' && l.status !== 'skip').map((l) => ({labels: {service: s.name, layer: l.layer}, value: l.status === 'fail' ? 0 : 1})))},
    {name: 'phoenix_service_status', help: 'The status of the service as a Nagios code: 0 ok, 1 warning, 2 critical, 3 unknown.',
      samples: each((s) => [{labels: {service: s.name}, value: exitCodeFor(s.status)}])},
    {name: 'phoenix_verdict', help: 'The verdict of the service: the layer that broke (none when healthy) and its cause; always 1.',
      samples: each((s) => [{labels: {service: s.name, layer: s.verdict.layer ?? 'none', cause: s.verdict.cause}, value: 1}])},
    {name: 'phoenix_check_duration_seconds', help: 'How long each check of the service took.',
      samples: each((s) => s.layers.flatMap((l) => l.checks.filter((c) => c.status !== 'skip').map((c) => ({labels: {service: s.name, check: c.id}, value: c.durationMs / 1000}))))},
    {name: 'phoenix_certificate_expiry_timestamp_seconds', help: 'When each certificate the gateway serves expires (notAfter), in seconds since the epoch.',
      samples: each(certificates)},
    {name: 'phoenix_root_cause_services', help: 'A fault that explains several services\' verdicts at once (the gateway CT stopped, nginx down, a vantage not reached): how many it explains.',
      samples: (report.rootCauses ?? []).map((rc) => ({labels: {cause: rc.cause, layer: rc.layer ?? 'none', scope: rc.scope}, value: rc.services.length}))},
    {name: 'phoenix_services', help: 'How many services the run found in each status.',
      samples: (['pass', 'warn', 'fail', 'unknown'] as const).map((status) => ({labels: {status}, value: services.filter((s) => s.status === status).length}))},
    {name: 'phoenix_run_status', help: 'The status of the whole run as a Nagios code: 0 ok, 1 warning, 2 critical, 3 unknown.', samples: [{labels: {}, value: exitCodeFor(report.status)}]},
    {name: 'phoenix_run_duration_seconds', help: 'How long the run took.', samples: [{labels: {}, value: report.durationMs / 1000}]},
    {name: 'phoenix_last_run_timestamp_seconds', help: 'When the run ended, in seconds since the epoch.', samples: [{labels: {}, value: endSeconds}]},
  ]
}

/** The certificates the gateway's own checks read, with their notAfter. */
function certificates(s: ServiceReport): Family['samples'] {
  return s.layers.flatMap((l) => l.checks).flatMap((c) => {
    if (c.observed?.kind !== 'nginx') return []
    return c.observed.certificates.flatMap((cert) => (cert.notAfter ? [{labels: {service: s.name, file: cert.file}, value: Date.parse(cert.notAfter) / 1000}] : []))
  })
}

function family(f: Family): string {
  if (!f.samples.length) return ''
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`]
  // A series appears once: a second check with the same id (or a certificate served twice) is not a new series.
  const seen = new Set<string>()
  for (const {labels, value} of f.samples) {
    const series = `${f.name}${labelSet(labels)}`
    if (!seen.has(series)) lines.push(`${series} ${number(value)}`)
    seen.add(series)
  }
  return `${lines.join('\n')}\n`
}

function labelSet(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return pairs.length ? `{${pairs.join(',')}}` : ''
}

/** Label values escape backslash, double quote and line feed (the exposition format's rule). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}
