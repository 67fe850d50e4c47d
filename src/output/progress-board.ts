import type {Report} from '../model/report.js'
import type {Layer, Status} from '../model/status.js'
import {worstStatus} from '../model/status.js'
import type {Style} from './style.js'

/**
 * What the live view knows of a run: per target, the layers it has and each layer's status as it
 * is judged. Pure state and text; src/output/progress.ts hands the text to listr2.
 */
export class ProgressBoard {
  private readonly planned = new Map<string, readonly Layer[]>()
  private readonly done = new Map<string, Map<Layer, Status>>()
  private readonly width: number

  constructor(readonly targets: readonly string[], private readonly st: Style) {
    for (const t of targets) this.done.set(t, new Map())
    this.width = Math.min(24, Math.max(8, ...targets.map((t) => t.length)))
  }

  plan(target: string, layers: readonly Layer[]): void {
    if (this.done.has(target)) this.planned.set(target, layers)
  }

  judge(target: string, layer: Layer, status: Status): void {
    this.done.get(target)?.set(layer, status)
  }

  /** The report's own layers replace what was heard: the last word on every target still open. */
  adopt(report: Report): void {
    for (const s of report.services) {
      if (!this.done.has(s.name)) continue
      this.planned.set(s.name, s.layers.map((l) => l.layer))
      this.done.set(s.name, new Map(s.layers.map((l) => [l.layer, l.status])))
    }
  }

  /** Every planned layer of the target is judged (a target with none planned is never finished by the live view). */
  finished(target: string): boolean {
    const layers = this.planned.get(target) ?? []
    return layers.length > 0 && layers.every((l) => this.done.get(target)?.has(l))
  }

  /** The row's verdict: the worst of its layers' marks. */
  verdict(target: string): Status {
    return worstStatus(this.done.get(target)?.values() ?? [])
  }

  /** `n8n       service ✔  host ✔  gateway …  client …`: the title of a target's row. */
  row(target: string): string {
    const done = this.done.get(target)!
    const marks = (this.planned.get(target) ?? []).map((l) => `${l} ${done.has(l) ? this.st.icon(done.get(l)!) : this.st.c.gray('…')}`)
    return `${target.padEnd(this.width)}  ${marks.join('  ')}`.trimEnd()
  }

  /** `37/200 checked: 35 ok, 1 warning, 1 critical`: for more targets than the screen has rows. */
  count(): string {
    const finished = this.targets.filter((t) => this.finished(t))
    const n = (s: Status) => finished.filter((t) => this.verdict(t) === s).length
    const {c} = this.st
    const parts = [`${n('pass')} ok`, n('warn') ? c.yellow(`${n('warn')} warning`) : '', n('fail') ? c.red(`${n('fail')} critical`) : '', n('unknown') ? c.magenta(`${n('unknown')} unknown`) : '']
    return `${finished.length}/${this.targets.length} checked: ${parts.filter(Boolean).join(', ')}`
  }
}
