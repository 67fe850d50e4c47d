/**
 * Ctrl-C typed at a terminal while the live progress is drawn: phoenix's own handling stands (the
 * report of what was seen, exit 130), not the progress library's (listr2's SIGINT handler exits 127
 * with no report, and is switched off). The shim `pct` hangs every batch, as a wedged lxc-attach does.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hangingPctRig} from '../helpers/hanging-pct.js'
import type {HangingPctRig} from '../helpers/hanging-pct.js'
import {inTerminal} from '../helpers/terminal.js'

describe('Ctrl-C on a terminal during the live progress', () => {
  let rig: HangingPctRig
  beforeAll(async () => {
    rig = await hangingPctRig(3)
  })
  afterAll(async () => rig?.close())

  it('exits 130 with the report, the rows closed with the report\'s marks', async () => {
    let calls = 0
    const ready = (raw: string) => {
      // Typed once the rows are drawn and every batch hangs in pct exec.
      void rig.calls().then((c) => (calls = c.filter((x) => x.args.startsWith('exec')).length))
      return raw.includes('s3') && calls >= 3
    }
    const run = await inTerminal(['check', '--all', '--layer', 'service', '--timeout', '20s', '--deadline', '60s', '--config', rig.config], rig.env, 45_000, [], {when: ready, keys: '\u0003'})
    expect(run.hung, run.raw).toBe(false)
    expect(run.code, run.screen.join('\n')).toBe(130)
    const screen = run.screen.join('\n')
    expect(screen).toContain('stopped (SIGINT)')
    for (const name of ['s1', 's2', 's3']) expect(run.screen).toContain(`? ${name.padEnd(8)}  service ?`)
  })
})
