/** Label pairs in the order the service declares them (prometheus clients keep declaration order). */
export type Labels = ReadonlyArray<readonly [string, string]>

/**
 * Prometheus text exposition 0.0.4. `style` mimics how each client prints numbers: Python's
 * prometheus_client writes floats as `12.0`, the Rust `prometheus` crate writes `12`.
 */
export class Exposition {
  private readonly lines: string[] = []
  constructor(private readonly style: 'python' | 'rust') {}

  private value(v: number): string {
    return this.style === 'python' && Number.isInteger(v) ? v.toFixed(1) : String(v)
  }

  private sample(name: string, labels: Labels, v: number): void {
    const l = labels.map(([k, val]) => `${k}="${val.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')
    this.lines.push(`${name}${l ? `{${l}}` : ''} ${this.value(v)}`)
  }

  private family(name: string, type: string, help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }

  gauge(name: string, help: string, samples: ReadonlyArray<readonly [Labels, number]>): this {
    this.family(name, 'gauge', help)
    for (const [labels, v] of samples) this.sample(name, labels, v)
    return this
  }

  /** `name` already ends in `_total`, as prometheus_client prints counters in the 0.0.4 format. */
  counter(name: string, help: string, samples: ReadonlyArray<readonly [Labels, number]>): this {
    this.family(name, 'counter', help)
    for (const [labels, v] of samples) this.sample(name, labels, v)
    return this
  }

  /** A histogram with every observation in the first bucket whose bound holds `sum / count`. */
  histogram(name: string, help: string, labels: Labels, bounds: readonly number[], count: number, sum: number): this {
    this.family(name, 'histogram', help)
    const mean = count ? sum / count : 0
    for (const le of bounds) this.sample(`${name}_bucket`, [...labels, ['le', this.value(le)]], mean <= le ? count : 0)
    this.sample(`${name}_bucket`, [...labels, ['le', '+Inf']], count)
    this.sample(`${name}_count`, labels, count)
    this.sample(`${name}_sum`, labels, sum)
    return this
  }

  text(): string {
    return `${this.lines.join('\n')}\n`
  }
}
