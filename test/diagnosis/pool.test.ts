import {describe, expect, it} from 'vitest'

import {runFair} from '../../src/diagnosis/pool.js'

describe('runFair: slots shared between lanes', () => {
  it('slow tasks in one lane cannot starve the other (D9: hung CT batches and the native probes)', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let inFlight = 0
    let most = 0
    const track = async (work: () => Promise<void>) => {
      most = Math.max(most, ++inFlight)
      await work()
      inFlight--
    }
    const quickDone: number[] = []
    const slow = Array.from({length: 100}, () => () => track(() => gate))
    const quick = Array.from({length: 10}, (_, i) => () => track(async () => void quickDone.push(i)))
    const run = runFair([slow, quick], 4)
    // Every quick task finishes while the slow ones still hold their share of the slots.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(quickDone).toHaveLength(10)
    release()
    await run
    expect(most).toBeLessThanOrEqual(4)
  })

  it('a lane with nothing left gives its slots to the other', async () => {
    let inFlight = 0
    let most = 0
    const task = () => async () => {
      most = Math.max(most, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight--
    }
    await runFair([Array.from({length: 20}, task), []], 8)
    expect(most).toBe(8)
  })
})
