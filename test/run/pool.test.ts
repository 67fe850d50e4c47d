import {describe, expect, it} from 'vitest'

import {runFair} from '../../src/run/pool.js'

/** Tasks of 5 ms that record the most of them ever in flight at once. */
function concurrencyProbe() {
  let inFlight = 0
  let peak = 0
  const task = () => async () => {
    peak = Math.max(peak, ++inFlight)
    await new Promise((resolve) => setTimeout(resolve, 5))
    inFlight--
  }
  return {task, most: () => peak}
}

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
    const run = runFair([{tasks: slow}, {tasks: quick}], 4)
    // Every quick task finishes while the slow ones still hold their share of the slots.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(quickDone).toHaveLength(10)
    release()
    await run
    expect(most).toBeLessThanOrEqual(4)
  })

  it('a lane with nothing left gives its slots to the other', async () => {
    const {task, most} = concurrencyProbe()
    await runFair([{tasks: Array.from({length: 20}, task)}, {tasks: []}], 8)
    expect(most()).toBe(8)
  })

  it('each lane stays within its own limit, and a capped lane does not hold back the other', async () => {
    const inFlight = [0, 0]
    const most = [0, 0]
    const task = (lane: number, ms: number) => async () => {
      most[lane] = Math.max(most[lane]!, ++inFlight[lane]!)
      await new Promise((resolve) => setTimeout(resolve, ms))
      inFlight[lane]!--
    }
    // Few remote batches, many sockets: 30 slow batches never take more than 3 slots, and the
    // 200 probes fill the rest of the pool's 64 at once (all done long before the batches).
    const remote = Array.from({length: 30}, () => task(0, 20))
    const native = Array.from({length: 200}, () => task(1, 5))
    await runFair([{tasks: remote, limit: 3}, {tasks: native, limit: 500}], 64)
    expect(most).toEqual([3, 61])
  })

  it('a lane limit above the pool limit is the pool limit', async () => {
    const {task, most} = concurrencyProbe()
    await runFair([{tasks: Array.from({length: 20}, task), limit: 100}], 4)
    expect(most()).toBe(4)
  })

  it('a task still waiting after parkAfterMs gives its slot to the next, within inFlight', async () => {
    // 40 hanging probes and 100 quick ones, 4 slots: without parking the quick ones wait for
    // ten rounds of the hang; parked, they all finish while the hanging ones still wait.
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let running = 0
    let most = 0
    const quickDone: number[] = []
    const tasks = Array.from({length: 140}, (_, i) => async () => {
      most = Math.max(most, ++running)
      if (i % 7 === 0 || i < 20) await gate
      else await new Promise((resolve) => setTimeout(resolve, 1)).then(() => quickDone.push(i))
      running--
    })
    const run = runFair([{tasks, limit: 4, parkAfterMs: 10, inFlight: 64}], 4)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(quickDone.length).toBe(140 - 20 - tasks.filter((_, i) => i >= 20 && i % 7 === 0).length)
    expect(most).toBeLessThanOrEqual(64)
    release()
    await run
    expect(running).toBe(0)
  })

  it('inFlight bounds the tasks waiting aside: a full lane waits for one to end', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let started = 0
    const tasks = Array.from({length: 10}, () => async () => void (started++, await gate))
    const run = runFair([{tasks, limit: 2, parkAfterMs: 5, inFlight: 6}], 2)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(started).toBe(6)
    release()
    await run
    expect(started).toBe(10)
  })
})
