import {readdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/diagnosis/report.js'
import {apiKeys} from './api-keys.js'
import {down, phoenix, up} from './lab.js'
import type {Mode} from './lab.js'
import {STATE} from './topology.js'

/**
 * What a run leaves in the estate (issue 10): no API key in any CT's environment. The lab's pct
 * passes its caller's environment into the CT as PVE 8's does (lxc-attach --keep-env), and logs
 * what each `pct exec` received in pct-env/PID.
 */
const MODES: readonly Mode[] = ['local', 'ssh']
const ENV_DIR = join(STATE, 'pct-env')

describe('lab: a run leaves nothing behind', () => {
  beforeAll(async () => {
    await up()
  }, 300_000)
  afterAll(async () => {
    await down()
  }, 120_000)

  it.each(MODES)('no API key reaches a CT through pct exec (%s)', async (mode) => {
    const keys = await apiKeys()
    expect(Object.keys(keys).length).toBeGreaterThan(0)
    await rm(ENV_DIR, {recursive: true, force: true})
    const r = await phoenix(['check', '--all', '--json', '--timeout', '3s', '--deadline', '20s'], {mode})
    expect((JSON.parse(r.stdout) as Report).services.length).toBeGreaterThan(0)
    const received = await Promise.all((await readdir(ENV_DIR)).map((f) => readFile(join(ENV_DIR, f), 'utf8')))
    // One exec per CT at least (the seven services' and the gateway's).
    expect(received.length).toBeGreaterThanOrEqual(8)
    for (const env of received) {
      for (const [name, value] of Object.entries(keys)) {
        expect(env).not.toContain(value)
        expect(env).not.toContain(`${name}=`)
      }
    }
  })
})
