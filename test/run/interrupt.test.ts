/**
 * Ctrl-C and SIGTERM in the middle of a run (hostile-findings D5): every local `pct exec` group is
 * ended, the report of what was seen is printed (the rest unknown), and phoenix exits 130 or 143.
 * The shim `pct` (first on PATH) logs each call and hangs, as a wedged lxc-attach does.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {hangingPctRig, runPhoenix} from '../helpers/hanging-pct.js'
import type {HangingPctRig} from '../helpers/hanging-pct.js'

describe('an interrupted run', () => {
  let rig: HangingPctRig
  beforeAll(async () => {
    rig = await hangingPctRig(10)
  })
  afterAll(async () => {
    await rig?.close()
  })

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exits %i with the report, and no pct it started is left running', async (signal, code) => {
    const before = (await rig.calls()).length
    const run = await runPhoenix(['check', '--all', '--layer', 'service', '--timeout', '20s', '--deadline', '60s', '--json', '--config', rig.config], rig.env, (pid) => {
      // Signalled once some batches hang in pct exec (the default concurrency starts them all).
      let sent = false
      const poll = setInterval(async () => {
        if (sent || (await rig.calls()).length - before < 5) return
        sent = true
        clearInterval(poll)
        process.kill(pid, signal)
      }, 100)
    })
    expect(run.code).toBe(code)
    const report = JSON.parse(run.stdout) as Report
    expect(report.services.length).toBeGreaterThan(0)
    for (const s of report.services) expect([s.status, s.verdict.cause]).toEqual(['unknown', 'deadline'])
    expect(run.stdout).toContain(`stopped (${signal})`)
    const calls = (await rig.calls()).slice(before)
    expect(calls.length).toBeGreaterThanOrEqual(5)
    expect(await rig.alive(calls)).toEqual([])
  })
})
