import {describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import type {Layer, Status} from '../../src/model/status.js'
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

  it('a row closes, marked by its verdict (✔ ! ?), once its planned layers are judged: the gateway\'s three, while the run goes on', async () => {
    let out = ''
    const progress = terminalProgress(['gateway', 'w', 'u', 'slow'], {write: (t) => (out += t), columns: 80, rows: 24}, false)
    const heard: Array<[string, Layer, Status]> = [['gateway', 'service', 'pass'], ['gateway', 'host', 'pass'], ['gateway', 'client', 'pass'], ['w', 'service', 'warn'], ['u', 'service', 'pass'], ['u', 'host', 'unknown']]
    progress.listener!.planned('gateway', ['service', 'host', 'client'])
    progress.listener!.planned('w', ['service'])
    progress.listener!.planned('u', ['service', 'host'])
    progress.listener!.planned('slow', ['service', 'host'])
    for (const [target, layer, status] of heard) progress.listener!.layer(target, layer, status)
    const closed = ['✔ gateway   service ✔  host ✔  client ✔', '! w         service !', '? u         service ✔  host ?']
    const during: string[][] = []
    // Still running ('slow' has no marks): the run ends once the three rows are closed on screen (10 s: a hang guard).
    const work = new Promise<Report>((resolve) => {
      const started = Date.now()
      const poll = setInterval(() => {
        const screen = render(out)
        if (!closed.every((row) => screen.includes(row)) && Date.now() - started < 10_000) return
        clearInterval(poll)
        during.push(screen)
        resolve({...report([]), services: []})
      }, 20)
    })
    await progress.around(work)
    expect(during[0]).toEqual(expect.arrayContaining(closed))
    expect(during[0]!.find((l) => l.includes('slow'))).toMatch(/^. slow\s+service …  host …$/)
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
    // The run ends once the counting line is on screen (polled; the 10 s guard only stops a hang).
    const work = new Promise<Report>((resolve) => {
      const started = Date.now()
      const poll = setInterval(() => {
        const frame = render(out).join('')
        if (!frame && Date.now() - started < 10_000) return
        clearInterval(poll)
        frames.push(frame)
        resolve(report(names))
      }, 20)
    })
    await progress.around(work)
    expect(frames[0]).toMatch(/^. 3\/30 checked: 2 ok, 1 warning$/)
    expect(render(out).join('')).toBe('')
  })
})
