import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {startNginx} from './fault-mechanics.js'
import {down, fault, heal, phoenix, up} from './lab.js'
import type {Mode} from './lab.js'
import {pct} from './services.js'
import {NOWHERE} from './faults.js'
import {GATEWAY_CTID, SERVICES} from './topology.js'

/**
 * One root cause, not a cascade (issue 14 item 2), on the namespace lab in both modes: with the
 * gateway CT stopped, or nginx in it stopped, every route fails for the same reason; the report
 * says that reason once, on its first line, and each service keeps its own verdict.
 */
const MODES: readonly Mode[] = ['local', 'ssh']
const EVERY = [...SERVICES.map((s) => s.name), 'gateway']

/** A service the root cause leaves out must be one phoenix could not see in time (a loaded machine), never another fault. */
function expectEveryOtherBlind(stdout: string, named: readonly string[]): void {
  for (const name of EVERY.filter((n) => !named.includes(n))) expect(stdout).toMatch(new RegExp(`^\\? ${name} +unknown `, 'm'))
}
const ARGS = ['check', '--all', '--timeout', '5s', '--deadline', '40s']

describe('lab: one root cause, not a cascade', () => {
  beforeAll(async () => {
    await up()
  }, 180_000)
  afterAll(async () => {
    await down()
  }, 60_000)

  describe('the gateway CT stopped (pct stop 953)', () => {
    beforeAll(async () => {
      await pct(['stop', GATEWAY_CTID])
    }, 60_000)
    afterAll(async () => {
      await pct(['start', GATEWAY_CTID])
      await startNginx()
    }, 60_000)

    it.each(MODES)('the first line names it as the root cause of every route\'s failure (%s)', async (mode) => {
      const human = await phoenix(ARGS, {mode})
      expect(human.code).toBe(2)
      const [first, second] = human.stdout.split('\n')
      const listed = new RegExp(`^✖ root cause of \\d+ services \\((.+)\\): the gateway CT ${GATEWAY_CTID} is stopped: every route through it fails \\[gateway/gateway_ct_stopped\\]$`).exec(first!)
      expect(listed, first).not.toBeNull()
      expect(second).toBe(`  → pct start ${GATEWAY_CTID}`)
      // Every service whose own line says the gateway CT is stopped is named, and only those.
      const own = human.stdout.split('\n').flatMap((l) => /^✖ (\S+) .* (gateway\/gateway_ct_stopped|service\/container_stopped) /.exec(l)?.[1] ?? [])
      expect(listed![1]!.split(', ')).toEqual(own)
      expectEveryOtherBlind(human.stdout, own)
      const report = JSON.parse((await phoenix([...ARGS, '--json'], {mode})).stdout) as Report
      expect(report.rootCauses).toMatchObject([{cause: 'gateway_ct_stopped'}])
      // Each service keeps its own verdict.
      for (const s of report.services.filter((x) => report.rootCauses![0]!.services.includes(x.name))) {
        expect(s.verdict.cause).toBe(s.name === 'gateway' ? 'container_stopped' : 'gateway_ct_stopped')
      }
      const nagios = await phoenix([...ARGS, '--format', 'nagios'], {mode})
      expect(nagios.stdout.split('\n')[0]).toMatch(new RegExp(`^PHOENIX CRITICAL - root cause gateway/gateway_ct_stopped \\(gateway CT ${GATEWAY_CTID}\\) of \\d+ services; `))
    })
  })

  describe('nginx stopped in the gateway CT (the gateway-down fault)', () => {
    beforeAll(async () => {
      await fault(SERVICES[0]!.name, 'gateway-down')
    }, 60_000)
    afterAll(async () => {
      await heal(SERVICES[0]!.name)
    }, 60_000)

    it.each(MODES)('is one root cause, gateway_down, naming the gateway target\'s own verdict (%s)', async (mode) => {
      const report = JSON.parse((await phoenix([...ARGS, '--json'], {mode})).stdout) as Report
      const gateway = report.services.find((s) => s.name === 'gateway')!
      expect(report.rootCauses).toHaveLength(1)
      expect(report.rootCauses![0]).toMatchObject({cause: 'gateway_down', layer: 'client'})
      // Every route that says gateway_down, and the gateway itself; a service left out was blind (a slow, loaded machine).
      const named = report.rootCauses![0]!.services
      expect(named).toEqual(report.services.filter((s) => s.verdict.cause === 'gateway_down' || s.name === 'gateway').map((s) => s.name))
      for (const s of report.services.filter((x) => !named.includes(x.name))) expect(s.status, s.name).toBe('unknown')
      expect(report.rootCauses![0]!.summary).toContain(`(gateway: ${gateway.verdict.layer}/${gateway.verdict.cause})`)
      const human = await phoenix(ARGS, {mode})
      expect(human.stdout.split('\n')[0]).toMatch(/^✖ root cause of \d+ services .*\[client\/gateway_down\]$/)
    })
  })

  describe('two routes sent to one address where nothing answers (vllm-chat and vllm-embed, both port 8000)', () => {
    const both = SERVICES.filter((s) => s.name === 'vllm-chat' || s.name === 'vllm-embed')
    beforeAll(async () => {
      for (const s of both) await fault(s.name, 'upstream-wrong-address')
    }, 60_000)
    afterAll(async () => {
      for (const s of both) await heal(s.name)
    }, 60_000)

    it.each(MODES)('is one root cause named by that backend, each service keeping its own verdict (%s)', async (mode) => {
      const report = JSON.parse((await phoenix([...ARGS, '--json'], {mode})).stdout) as Report
      const behind = report.services.filter((s) => both.some((b) => b.name === s.name))
      for (const s of behind) expect(s.verdict, s.name).toMatchObject({layer: 'client', cause: 'upstream_mismatch', via: `${NOWHERE}:8000`})
      expect(report.rootCauses).toEqual([expect.objectContaining({cause: 'upstream_mismatch', layer: 'client', scope: `nginx → ${NOWHERE}:8000`, services: both.map((s) => s.name)})])
      const human = await phoenix(ARGS, {mode})
      expect(human.stdout.split('\n')[0]).toBe(`✖ root cause of 2 services (${both.map((s) => s.name).join(', ')}): nginx cannot use ${NOWHERE}:8000 for any route it sends there: the gateway CT reaches the service directly, yet nginx answers 502/504: its upstream address or port is wrong [client/upstream_mismatch]`)
    })
  })
})
