/**
 * The bench's settings: flags, else PHOENIX_BENCH_* env vars, else defaults chosen so that a
 * full run takes a few minutes on a 2-core machine. BENCHMARKS.md says why each default.
 */

export interface BenchOptions {
  /** Runs per figure (each figure is their median). */
  runs: number
  /**
   * What each `pct exec` costs on a real Proxmox host before the command starts (the pct CLI's
   * Perl start-up, then lxc-attach). The lab's pct shim sleeps this long.
   */
  pctDelayMs: number
  /** Also measure time to verdict with a free pct (0 ms): what the delay itself costs. */
  zeroDelay: boolean
  /** Per-probe timeout, the same for phoenix (--timeout) and the baseline (curl/nc/ping). */
  timeoutMs: number
  /** Synthetic inventory sizes of the scale test. */
  scaleSizes: number[]
  /** Runs per start-up figure (start-up is short and noisy: more runs). */
  startupRuns: number
  /** Sections to run. */
  sections: Section[]
}

export const SECTIONS = ['startup', 'verdict', 'scale', 'cluster'] as const
export type Section = (typeof SECTIONS)[number]

export const USAGE = `usage: npm run bench -- [options]
  --runs N            runs per figure, the figure is their median (default 5; env PHOENIX_BENCH_RUNS)
  --pct-delay-ms MS   what one pct exec costs on a real host (default 300; env PHOENIX_BENCH_PCT_DELAY_MS)
  --no-zero-delay     skip the time-to-verdict runs with a free pct (0 ms)
  --timeout-ms MS     per-probe timeout of phoenix and the baseline (default 2000; env PHOENIX_BENCH_TIMEOUT_MS)
  --scale N,N         scale-test inventory sizes (default 50,200,1000; from 1000 up, the deadline bound too)
  --startup-runs N    runs per start-up figure (default 21)
  --only S,S          sections: ${SECTIONS.join(', ')} (default all)`

function int(value: string | undefined, name: string, min: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer ≥ ${min}, got "${value}"\n${USAGE}`)
  return n
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const o: BenchOptions = {
    runs: int(env.PHOENIX_BENCH_RUNS ?? '5', 'PHOENIX_BENCH_RUNS', 1),
    pctDelayMs: int(env.PHOENIX_BENCH_PCT_DELAY_MS ?? '300', 'PHOENIX_BENCH_PCT_DELAY_MS', 0),
    zeroDelay: true,
    timeoutMs: int(env.PHOENIX_BENCH_TIMEOUT_MS ?? '2000', 'PHOENIX_BENCH_TIMEOUT_MS', 1000),
    scaleSizes: [50, 200, 1000],
    startupRuns: 21,
    sections: [...SECTIONS],
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!
    const value = () => argv[++i]
    switch (flag) {
      case '--runs': o.runs = int(value(), flag, 1); break
      case '--pct-delay-ms': o.pctDelayMs = int(value(), flag, 0); break
      case '--no-zero-delay': o.zeroDelay = false; break
      case '--timeout-ms': o.timeoutMs = int(value(), flag, 1000); break
      case '--scale': o.scaleSizes = (value() ?? '').split(',').map((v) => int(v, flag, 10)); break
      case '--startup-runs': o.startupRuns = int(value(), flag, 1); break
      case '--only': o.sections = (value() ?? '').split(',').map((s) => section(s)); break
      case '--help': case '-h': console.log(USAGE); process.exit(0)
      default: throw new Error(`unknown option ${flag}\n${USAGE}`)
    }
  }
  return o
}

function section(s: string): Section {
  if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (${SECTIONS.join(', ')})`)
  return s as Section
}
