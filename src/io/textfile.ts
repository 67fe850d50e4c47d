import {randomBytes} from 'node:crypto'
import {open, rename, rm} from 'node:fs/promises'
import {join} from 'node:path'

/**
 * Writes DIR/NAME so that a reader (node_exporter's textfile collector) sees the old file or the
 * new one, never a part: the text goes to a temporary file in the same directory (a rename is
 * atomic only within one filesystem), is synced, then renamed over NAME. The temporary name does
 * not end in `.prom`, so the collector never reads it.
 */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<string> {
  const target = join(dir, name)
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const file = await open(temp, 'wx', 0o644)
  try {
    await file.writeFile(text, 'utf8')
    await file.sync()
    await file.close()
    await rename(temp, target)
  } catch (error) {
    await file.close().catch(() => {})
    await rm(temp, {force: true})
    throw error
  }
  return target
}
