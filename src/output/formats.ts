import type {Report} from '../model/report.js'

/** What a formatter is told besides the report. */
export interface RenderContext {
  /** Which command ran: the human view of `check` is one line a service, `diag` the whole walk. */
  command: 'check' | 'diag'
  colour: boolean
  /** The per-probe timeout: the top of a time a service may take (Nagios perfdata's max). */
  timeoutMs: number
  /** An answer slower than this is a warning (the inventory's thresholds.slowMs): Nagios perfdata's warn. */
  slowMs: number
}

/**
 * One output format: a pure function of the report. A format whose readers read exit codes their
 * own way (Nagios: 0-3 only) says so; otherwise the Nagios plugin codes of exitCodeFor() apply.
 */
export interface Formatter {
  render(report: Report, context: RenderContext): string
  /** The exit code of a finished run, when it differs from exitCodeFor(report.status). */
  exitCode?(report: Report, interrupted: number | undefined): number
  /** How this format reports a usage/config error or a bug instead of one line on stderr and exit 64/70. */
  error?(message: string): {stdout: string; exitCode: number}
}

/**
 * Every format `--format NAME` knows (goss's pattern): one file each, one line here. Loaded
 * lazily, so `--help` reads none of them.
 */
export const FORMATS = {
  human: () => import('./format-human.js'),
  json: () => import('./format-json.js'),
  prometheus: () => import('./format-prometheus.js'),
  nagios: () => import('./format-nagios.js'),
  junit: () => import('./format-junit.js'),
} satisfies Record<string, () => Promise<{default: Formatter}>>

export type FormatName = keyof typeof FORMATS
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[]
