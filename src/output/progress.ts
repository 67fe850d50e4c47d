import type {ListrDefaultRendererTask, ListrTask} from 'listr2'

import type {RunProgress} from '../diagnosis/diagnose.js'
import type {Report} from '../diagnosis/report.js'
import type {Status} from '../diagnosis/status.js'
import {ProgressBoard} from './progress-board.js'
import {makeStyle} from './style.js'

/** Live progress: per target and layer, the outcome as it is judged. */
export interface Progress {
  listener?: RunProgress
  /** Shows progress while `work` runs; resolves with the report once the work has and the view is closed. */
  around(work: Promise<Report>): Promise<Report>
}

/** No progress at all, and listr2 not even loaded: piped output, --json, or a monitor reading stdout. */
export const SILENT: Progress = {around: (work) => work}

/** Where progress is drawn: a terminal (process.stdout), or in tests a stand-in with its size. */
export interface Screen {
  write(text: string): unknown
  columns?: number
  rows?: number
}

/** A target's row is open until this settles: when its layers are all judged, or the run ends. */
interface Deferred {
  promise: Promise<void>
  resolve(): void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return {promise, resolve}
}

/**
 * listr2 progress on a terminal: one task per target, every one created before the run starts (a
 * layer judged before its task runs is not lost), each awaiting its target's deferred, its title the
 * layer marks as each is judged. A row's icon is its verdict (✔ passed, ! warning, ✖ critical,
 * ? unknown), never "done". When the rows would not fit, one task whose title counts. The run's
 * end settles every deferred before listr2 is awaited, so no task can hold the verdict back.
 */
export async function terminalProgress(targets: readonly string[], screen: Screen, colour: boolean): Promise<Progress> {
  const {DefaultRenderer, Listr, ListrDefaultRendererLogLevels, ListrLogger, ProcessOutput} = await import('listr2')
  const st = makeStyle(colour)
  const board = new ProgressBoard(targets, st)
  const settled = new Map(targets.map((t) => [t, deferred()]))
  const retitle = new Map<string, (title: string) => void>()
  const verdicts = new Map<string, Status>()

  /** The default renderer, its finished rows marked by verdict rather than by "the task ended". */
  class VerdictRenderer extends DefaultRenderer {
    // Whether the screen is a terminal is phoenix's decision (a TTY, no --json), made before listr2 runs.
    static override nonTTY = true
    protected override style(task: ListrDefaultRendererTask, output = false): string {
      const verdict = output ? undefined : verdicts.get(task.id)
      return verdict ? st.icon(verdict) : super.style(task, output)
    }
  }

  const row = (name: string): ListrTask => ({
    title: board.row(name),
    task: async (_ctx, task) => {
      retitle.set(name, (title) => (task.title = title))
      task.title = board.row(name)
      await settled.get(name)!.promise
      task.title = board.row(name)
      const verdict = board.verdict(name)
      verdicts.set(task.task.id, verdict)
      // A critical target is a failed task (listr2 records it); its row keeps the title, not the message.
      if (verdict === 'fail') throw new Error(`${name}: critical`)
    },
  })
  const all = Promise.all([...settled.values()].map((d) => d.promise))
  const counting: ListrTask = {
    title: board.count(),
    task: async (_ctx, task) => {
      retitle.set('', (title) => (task.title = title))
      task.title = board.count()
      await all
    },
  }
  const compact = targets.length > Math.max(4, (screen.rows || 24) - 4)
  const refresh = (name: string) => (compact ? retitle.get('')?.(board.count()) : retitle.get(name)?.(board.row(name)))
  const output = new ProcessOutput(screen as NodeJS.WriteStream, screen === process.stdout ? process.stderr : (screen as NodeJS.WriteStream))
  const plain = Object.fromEntries(Object.values(ListrDefaultRendererLogLevels).map((l) => [l, (s: string) => s]))
  const list = new Listr(compact ? [counting] : targets.map(row), {
    concurrent: true,
    exitOnError: false,
    // Ctrl-C belongs to phoenix (src/cli/interrupt.ts: the report of what was seen, exit 130); listr2's own handler would exit 127.
    registerSignalListeners: false,
    renderer: VerdictRenderer,
    rendererOptions: {
      logger: new ListrLogger({useIcons: true, toStderr: [], processOutput: output}),
      showErrorMessage: false,
      formatOutput: 'truncate',
      // The counting line goes at the end (the report follows); target rows stay as the per-layer view.
      clearOutput: compact,
      color: colour ? {[ListrDefaultRendererLogLevels.PENDING]: st.c.cyan} : plain,
    },
  })
  const listener: RunProgress = {
    planned: (name, layers) => {
      board.plan(name, layers)
      refresh(name)
    },
    layer: (name, layer, status) => {
      board.judge(name, layer, status)
      refresh(name)
      if (board.finished(name)) settled.get(name)?.resolve()
    },
  }
  return {
    listener,
    around: async (work) => {
      const shown = list.run().catch(() => {})
      try {
        const report = await work
        board.adopt(report)
        return report
      } finally {
        for (const d of settled.values()) d.resolve()
        await shown
      }
    },
  }
}
