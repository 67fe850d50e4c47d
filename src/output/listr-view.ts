import type {ListrDefaultRendererTask, ListrTask} from 'listr2'

import type {Status} from '../model/status.js'
import type {ProgressBoard} from './progress-board.js'
import type {Style} from './style.js'

/** Where progress is drawn: a terminal (process.stdout), or in tests a stand-in with its size. */
export interface Screen {
  write(text: string): unknown
  columns?: number
  rows?: number
}

/** What the listr2 view shows and waits on; the live progress owns it and feeds it. */
export interface ListrView {
  board: ProgressBoard
  /** Per target: settles when its planned layers are all judged, or when the run ends. */
  settled: ReadonlyMap<string, Promise<void>>
  /** Per target ('' for the counting line), once its task runs: sets the task's title. */
  retitle: Map<string, (title: string) => void>
  compact: boolean
  screen: Screen
  st: Style
  colour: boolean
}

/**
 * Runs listr2 for the view until every target is settled. One task per target, all created here
 * before any runs (a layer judged before its task starts is kept by the board, not lost), each
 * awaiting its target's promise with the layer marks as its title; or one counting task. A row's
 * icon is its verdict (✔ passed, ! warning, ✖ critical, ? unknown), never "the task ended".
 */
export async function runListrView(view: ListrView): Promise<void> {
  const {DefaultRenderer, Listr, ListrDefaultRendererLogLevels, ListrLogger, ProcessOutput} = await import('listr2')
  const {board, settled, retitle, st} = view
  const verdicts = new Map<string, Status>()

  class VerdictRenderer extends DefaultRenderer {
    // Whether the screen is a terminal is phoenix's decision (a TTY, no --json), made before listr2 is loaded.
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
      await settled.get(name)
      task.title = board.row(name)
      const verdict = board.verdict(name)
      verdicts.set(task.task.id, verdict)
      // A critical target is a failed task (listr2 records it); its row keeps its title, not the message.
      if (verdict === 'fail') throw new Error(`${name}: critical`)
    },
  })
  const counting: ListrTask = {
    title: board.count(),
    task: async (_ctx, task) => {
      retitle.set('', (title) => (task.title = title))
      task.title = board.count()
      await Promise.all(settled.values())
    },
  }
  const {screen} = view
  const output = new ProcessOutput(screen as NodeJS.WriteStream, screen === process.stdout ? process.stderr : (screen as NodeJS.WriteStream))
  const plain = Object.fromEntries(Object.values(ListrDefaultRendererLogLevels).map((l) => [l, (s: string) => s]))
  const list = new Listr(view.compact ? [counting] : board.targets.map(row), {
    concurrent: true,
    exitOnError: false,
    // Ctrl-C belongs to phoenix (src/cli/interrupt.ts: the report of what was seen, exit 130); listr2's own handler exits 127.
    registerSignalListeners: false,
    renderer: VerdictRenderer,
    rendererOptions: {
      logger: new ListrLogger({useIcons: true, toStderr: [], processOutput: output}),
      showErrorMessage: false,
      formatOutput: 'truncate',
      // The counting line goes at the end (the report follows); target rows stay as the per-layer view.
      clearOutput: view.compact,
      color: view.colour ? {[ListrDefaultRendererLogLevels.PENDING]: st.c.cyan} : plain,
    },
  })
  await list.run()
}
