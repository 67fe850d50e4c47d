import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createLocalShell} from '../../src/io/local-shell.js'

describe('local shell (phoenix on the Proxmox host)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-local-shell-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('runs commands with PATH, LANG and TERM only: PVE 8 `pct exec` hands its environment to the CT (keep-env)', async () => {
    process.env.PHOENIX_TEST_SECRET_KEY = 'sk-must-not-reach-a-ct'
    try {
      const r = await createLocalShell().exec(['env'], {timeoutMs: 10_000})
      if (!r.ok) throw new Error(r.message)
      expect(r.stdout).not.toContain('sk-must-not-reach-a-ct')
      const names = r.stdout.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('=')))
      expect(names.every((n) => ['PATH', 'LANG', 'TERM'].includes(n))).toBe(true)
      expect(names).toContain('PATH')
    } finally {
      delete process.env.PHOENIX_TEST_SECRET_KEY
    }
  })

  it('starts nothing once the run signal has aborted (D4: a listener added to an aborted signal never fires)', async () => {
    const marker = join(dir, 'started')
    const r = await createLocalShell().exec(['sh', '-c', `touch ${marker}; sleep 30`], {timeoutMs: 60_000, signal: AbortSignal.abort()})
    expect(r).toMatchObject({ok: false, reason: 'timeout'})
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(existsSync(marker)).toBe(false)
  })
})
