import {readFile} from 'node:fs/promises'

/**
 * The most files (sockets, pipes) this process may have open: the soft "Max open files" of
 * /proc/self/limits. Node raises its soft limit to the hard one at start, so this is what a run
 * really has (`ulimit -n 256` in the shell that started phoenix: 256). Undefined where there is
 * no /proc (phoenix run from a workstation that is not Linux): the caller assumes a safe value.
 */
export async function openFileLimit(): Promise<number | undefined> {
  try {
    const limits = await readFile('/proc/self/limits', 'utf8')
    const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)?.[1]
    if (soft === undefined) return undefined
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft)
  } catch {
    return undefined
  }
}
