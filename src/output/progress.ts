import type {ProgressListener} from '../diagnosis/engine.js'
import type {Layer} from '../diagnosis/status.js'

/** Live progress: what is still running, per service and layer. */
export interface Progress {
  listener: ProgressListener
  /** Shows progress while `work` runs; resolves with its result once the display is closed. */
  around<T>(work: Promise<T>): Promise<T>
}

/** No progress at all: piped output, --json, or a monitor reading stdout. */
export const SILENT: Progress = {listener: () => {}, around: (work) => work}

/**
 * listr2 progress on a terminal: one line per service whose title fills in layer by layer, so a
 * person watching sees the inside-out walk happen. listr2 is imported only when it is shown.
 */
export async function terminalProgress(services: readonly string[], layers: readonly Layer[]): Promise<Progress> {
  const {Listr} = await import('listr2')
  const state = new Map(services.map((s) => [s, new Set<Layer>()]))
  const waiting = new Map<string, () => void>()
  const titles = new Map<string, (title: string) => void>()
  const title = (name: string) => `${name}  ${layers.map((l) => (state.get(name)?.has(l) ? `${l} ✓` : `${l} …`)).join('  ')}`
  const list = new Listr(
    services.map((name) => ({
      title: title(name),
      task: (_ctx: unknown, task: {title: string}) =>
        new Promise<void>((resolve) => {
          titles.set(name, (t) => (task.title = t))
          waiting.set(name, resolve)
          if (state.get(name)?.size === layers.length) resolve()
        }),
    })),
    {concurrent: true, exitOnError: false, rendererOptions: {collapseSubtasks: false}},
  )
  const listener: ProgressListener = (service, layer) => {
    const done = state.get(service)
    if (!done) return
    done.add(layer)
    titles.get(service)?.(title(service))
    if (done.size === layers.length) waiting.get(service)?.()
  }
  return {
    listener,
    around: async (work) => {
      const shown = list.run().catch(() => {})
      try {
        return await work
      } finally {
        for (const name of services) waiting.get(name)?.()
        await shown
      }
    },
  }
}
