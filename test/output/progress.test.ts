import {describe, expect, it} from 'vitest'

import type {Report} from '../../src/diagnosis/report.js'
import {terminalProgress} from '../../src/output/progress.js'
import {render} from '../helpers/terminal.js'

const report = (names: string[]): Report => ({
  schemaVersion: 1, status: 'fail', startedAt: '', durationMs: 1, inventory: 'x', layers: ['service', 'host'],
  services: names.map((name, i) => ({name, kind: 'http', ctid: 900 + i, status: i ? 'pass' : 'fail', verdict: {layer: null, cause: 'healthy', summary: '', hints: [], evidence: []},
    layers: [{layer: 'service', status: i ? 'pass' : 'fail', checks: []}, {layer: 'host', status: i ? 'pass' : 'unknown', checks: []}]})),
})

describe('terminal progress', () => {
  it('ends with the run, whatever the listener heard, and the last frame is the report\'s marks', async () => {
    let out = ''
    const progress = terminalProgress(['a', 'b'], {write: (t) => (out += t), columns: 80, rows: 24}, false)
    progress.listener!.planned('a', ['service', 'host', 'gateway', 'client'])
    progress.listener!.layer('a', 'service', 'pass')
    await progress.around(Promise.resolve(report(['a', 'b'])))
    expect(render(out).filter(Boolean)).toEqual(['✖ a         service ✖  host ?', '✔ b         service ✔  host ✔'])
  })

  it('more targets than the screen has rows: one counting line, cleared at the end', async () => {
    let out = ''
    const names = Array.from({length: 30}, (_, i) => `s${i}`)
    const progress = terminalProgress(names, {write: (t) => (out += t), columns: 80, rows: 24}, false)
    for (const n of names.slice(0, 3)) {
      progress.listener!.planned(n, ['service'])
      progress.listener!.layer(n, 'service', n === 's1' ? 'warn' : 'pass')
    }
    const frames: string[] = []
    const work = new Promise<Report>((resolve) => setTimeout(() => (frames.push(render(out).join('')), resolve(report(names))), 250))
    await progress.around(work)
    expect(frames[0]).toMatch(/^. 3\/30 checked: 2 ok, 1 warning$/)
    expect(render(out).join('')).toBe('')
  })
})
