import type {RunProgress} from '../diagnosis/diagnose.js'
import type {Report} from '../diagnosis/report.js'
import type {Layer, Status} from '../diagnosis/status.js'
import {worstStatus} from '../diagnosis/status.js'
import {makeStyle} from './style.js'
import type {Style} from './style.js'

/** Live progress: per target and layer, the outcome as it is judged. */
export interface Progress {
  listener?: RunProgress
  /** Shows progress while `work` runs; resolves with the report as soon as the work does. */
  around(work: Promise<Report>): Promise<Report>
}

/** No progress at all: piped output, --json, or a monitor reading stdout. */
export const SILENT: Progress = {around: (work) => work}

/** Where progress is drawn: a terminal's write and size. */
export interface Screen {
  write(text: string): void
  columns?: number
  rows?: number
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 100

/**
 * Progress on a terminal, drawn by hand (listr2 was dropped: its tasks end when their promise does, so a row
 * waited for layers a target does not have, and its ✔ meant "done", not "passed"). One row per target
 * with a mark per layer as each is judged; a single counting line when the rows would not fit. Drawing
 * is a timer that never holds the process open, and the run's end redraws once from the report:
 * nothing here can delay the verdict, and the final marks are the report's own.
 */
export function terminalProgress(targets: readonly string[], screen: Screen, colour: boolean): Progress {
  const st = makeStyle(colour)
  const planned = new Map<string, readonly Layer[]>(targets.map((t) => [t, []]))
  const done = new Map<string, Map<Layer, Status>>(targets.map((t) => [t, new Map()]))
  const columns = screen.columns || 80
  const compact = targets.length > Math.max(4, (screen.rows || 24) - 4)
  const width = Math.min(24, Math.max(8, ...targets.map((t) => t.length)))
  let tick = 0
  let drawn = 0
  const draw = (final: boolean) => {
    const lines = compact ? [countLine(done, planned, st, final ? '' : SPINNER[tick % SPINNER.length]!)] : targets.map((t) => row(t, width, planned.get(t)!, done.get(t)!, st, SPINNER[tick % SPINNER.length]!))
    // Cursor up over the last frame, then each line cleared and rewritten, cut to the screen's width.
    const up = drawn ? `\u001B[${drawn}A` : ''
    // The last frame stays on screen as the per-layer view, a blank line before the report; the count goes.
    const body = final && compact ? '\u001B[2K' : lines.map((l) => `\u001B[2K${cut(l, columns - 1)}\n`).join('') + (final ? '\n' : '')
    screen.write(up + body)
    drawn = final && compact ? 0 : lines.length
    tick++
  }
  const listener: RunProgress = {
    planned: (target, layers) => planned.set(target, layers),
    layer: (target, layer, status) => done.get(target)?.set(layer, status),
  }
  return {
    listener,
    around: async (work) => {
      draw(false)
      const timer = setInterval(() => draw(false), FRAME_MS)
      timer.unref()
      try {
        const report = await work
        for (const s of report.services) {
          planned.set(s.name, s.layers.map((l) => l.layer))
          done.set(s.name, new Map(s.layers.map((l) => [l.layer, l.status])))
        }
        return report
      } finally {
        clearInterval(timer)
        draw(true)
      }
    },
  }
}

/** `✔ n8n       service ✔  host ✔  gateway ⠋  client …`: a spinner until every planned layer is judged. */
function row(target: string, width: number, layers: readonly Layer[], done: ReadonlyMap<Layer, Status>, st: Style, spin: string): string {
  const finished = layers.length > 0 && layers.every((l) => done.has(l))
  const head = finished ? st.icon(worstStatus(done.values())) : st.c.cyan(spin)
  const marks = layers.map((l) => `${l} ${done.has(l) ? st.icon(done.get(l)!) : st.c.gray('…')}`)
  return `${head} ${target.padEnd(width)}  ${marks.join('  ')}`
}

/** `⠋ 37/200 checked: 35 ok, 1 warning, 1 critical`: for more targets than the screen has rows. */
function countLine(done: ReadonlyMap<string, ReadonlyMap<Layer, Status>>, planned: ReadonlyMap<string, readonly Layer[]>, st: Style, spin: string): string {
  const finished = [...done].filter(([t, d]) => (planned.get(t)?.length ?? 0) > 0 && planned.get(t)!.every((l) => d.has(l)))
  const count = (s: Status) => finished.filter(([, d]) => worstStatus(d.values()) === s).length
  const parts = [`${count('pass')} ok`, count('warn') ? st.c.yellow(`${count('warn')} warning`) : '', count('fail') ? st.c.red(`${count('fail')} critical`) : '', count('unknown') ? st.c.magenta(`${count('unknown')} unknown`) : '']
  return `${st.c.cyan(spin)} ${finished.length}/${done.size} checked: ${parts.filter(Boolean).join(', ')}`
}

/** A line cut to `max` visible characters (colour codes do not count, and are kept). */
function cut(line: string, max: number): string {
  let visible = 0
  let out = ''
  for (const part of line.split(/(\u001B\[[0-9;]*m)/)) {
    if (part.startsWith('\u001B[')) {
      out += part
      continue
    }
    const room = max - visible
    out += [...part].slice(0, Math.max(0, room)).join('')
    visible += Math.min([...part].length, Math.max(0, room))
  }
  return out
}
