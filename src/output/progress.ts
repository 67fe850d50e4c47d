import type {RunProgress} from '../run/diagnose.js'
import type {Report} from '../model/report.js'
import {runListrView} from './listr-view.js'
import type {Screen} from './listr-view.js'
import {ProgressBoard} from './progress-board.js'
import {makeStyle} from './style.js'

export type {Screen} from './listr-view.js'

/** Live progress: per target and layer, the outcome as it is judged. */
export interface Progress {
  listener?: RunProgress
  /** Shows progress while `work` runs; resolves with the report once the work has and the view is closed. */
  around(work: Promise<Report>): Promise<Report>
}

/** No progress at all, and listr2 never loaded: piped output, --json, or a monitor reading stdout. */
export const SILENT: Progress = {around: (work) => work}

/**
 * Progress on a terminal, drawn by listr2 (src/output/listr-view.ts). The listener is ready before
 * the run starts and listr2 loads while the run goes on, so nothing heard is lost and the run waits
 * for no import. Each target's row waits on a promise settled when its planned layers are judged
 * (the gateway's three close its row); the run's end settles every one before listr2 is awaited, so
 * the view can never hold the verdict back, and the report is printed after listr2 has ended.
 */
export function terminalProgress(targets: readonly string[], screen: Screen, colour: boolean): Progress {
  const st = makeStyle(colour)
  const board = new ProgressBoard(targets, st)
  const settle = new Map<string, () => void>()
  const settled = new Map(targets.map((t) => [t, new Promise<void>((resolve) => settle.set(t, resolve))]))
  const retitle = new Map<string, (title: string) => void>()
  const compact = targets.length > Math.max(4, (screen.rows || 24) - 4)
  const refresh = (name: string) => (compact ? retitle.get('')?.(board.count()) : retitle.get(name)?.(board.row(name)))
  const listener: RunProgress = {
    planned: (name, layers) => {
      board.plan(name, layers)
      refresh(name)
    },
    layer: (name, layer, status) => {
      board.judge(name, layer, status)
      refresh(name)
      if (board.finished(name)) settle.get(name)?.()
    },
  }
  return {
    listener,
    around: async (work) => {
      // A view that fails to draw costs the progress, never the report.
      const shown = runListrView({board, settled, retitle, compact, screen, st, colour}).catch(() => {})
      try {
        const report = await work
        board.adopt(report)
        return report
      } finally {
        for (const resolve of settle.values()) resolve()
        await shown
      }
    },
  }
}
