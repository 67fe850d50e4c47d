import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {writeFileAtomic} from '../../src/io/textfile.js'

describe('writeFileAtomic (the --textfile writer)', () => {
  it('a concurrent reader only ever sees a whole file, the old one or the new one; no temporary file is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phoenix-atomic-'))
    try {
      // Big enough that a plain write() lands in several pieces a reader could catch half-way.
      const versions = ['a', 'b', 'c'].map((c) => `# HELP x\n${c.repeat(2_000_000)}\n# END\n`)
      await writeFileAtomic(dir, 'phoenix.prom', versions[0]!)
      let reads = 0
      let writing = true
      const reader = (async () => {
        while (writing) {
          const text = await readFile(join(dir, 'phoenix.prom'), 'utf8')
          expect(versions).toContain(text)
          reads++
        }
      })()
      for (let i = 0; i < 40; i++) await writeFileAtomic(dir, 'phoenix.prom', versions[i % versions.length]!)
      writing = false
      await reader
      expect(reads).toBeGreaterThan(1)
      expect(await readdir(dir)).toEqual(['phoenix.prom'])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }, 60_000)

  it('an unwritable directory throws and leaves the old file as it was', async () => {
    await expect(writeFileAtomic('/nonexistent-dir', 'phoenix.prom', 'x')).rejects.toThrow(/ENOENT/)
  })
})
