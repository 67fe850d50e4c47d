/**
 * The run's deadline is hard (hostile-findings D3, D4): timers get whole milliseconds, nothing
 * starts after the deadline, and what was not observed is unknown (deadline), never a fault.
 * phoenix runs as its own process (the built dist), against a server that accepts and never
 * answers and a shim `pct` (first on PATH) that logs each call and hangs.
 */
import {createServer} from 'node:net'
import type {AddressInfo, Server, Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {hangingPctRig, runPhoenix} from '../helpers/hanging-pct.js'
import type {HangingPctRig} from '../helpers/hanging-pct.js'

describe('the deadline bounds the run', () => {
  let server: Server
  let port: number
  const sockets = new Set<Socket>()
  let rig: HangingPctRig
  beforeAll(async () => {
    server = createServer((s) => (sockets.add(s), s.on('error', () => {})))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    rig = await hangingPctRig(10)
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    server?.close()
    await rig?.close()
  })

  it('a probe that starts close to the deadline is unknown (deadline), not "delay out of range" (D3)', async () => {
    const config = await rig.writeConfig(`proxmox: { host: local }
gateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${port}" }
services:
  a: { kind: http, ctid: 101, address: 127.0.0.1, port: ${port}, route: /a/ }
  b: { kind: http, ctid: 102, address: 127.0.0.1, port: ${port}, route: /b/ }
`)
    // b starts when a has waited 0.5 s aside (lanes.ts, PARK_AFTER_MS), or when a ends: either
    // way with less than the 2 s timeout left before the 2.5 s deadline.
    const run = await runPhoenix(['check', 'a', 'b', '--layer', 'client', '--timeout', '2s', '--deadline', '2500ms', '--concurrency', '1', '--json', '--config', config], rig.env)
    expect(run.stdout + run.stderr).not.toMatch(/out of range|must be an integer/)
    const report = JSON.parse(run.stdout) as Report
    const b = report.services.find((s) => s.name === 'b')!
    // b's turn comes with less than --timeout left: not observed, so unknown, never client/gateway_down.
    expect([b.status, b.verdict.cause]).toEqual(['unknown', 'deadline'])
    for (const s of report.services) expect(s.verdict.cause).not.toBe('gateway_down')
  })

  it('no pct call starts after the deadline, and none outlives phoenix (D4)', async () => {
    // --timeout as long as the deadline: the first batch is allowed past the deadline (its timeout
    // is what is left plus the remote slack), so it holds the only slot until the deadline, and
    // then nothing else may start (before the fix: all ten, at once, at the deadline). 10 s of
    // room, counted from phoenix's own start: a loaded machine's Node start-up (seconds) can eat a
    // short deadline before the first batch, so that is allowed (no exec), never a second one.
    const run = await runPhoenix(['check', '--all', '--layer', 'service', '--timeout', '10s', '--deadline', '10s', '--concurrency', '1', '--json', '--config', rig.config], rig.env)
    const report = JSON.parse(run.stdout) as Report
    const calls = await rig.calls()
    expect(calls.filter((c) => c.args.startsWith('exec')).length).toBeLessThanOrEqual(1)
    expect(report.services.every((s) => s.status === 'unknown')).toBe(true)
    expect(report.services.filter((s) => s.verdict.cause === 'deadline')).toHaveLength(report.services.length)
    expect(await rig.alive(calls)).toEqual([])
  })

  it('a service layer not seen in time is unknown, not a firewall between the CTs (D9)', async () => {
    const one = await hangingPctRig(1, {hang: [101]})
    try {
      const config = await one.writeConfig(`proxmox: { host: local }
gateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${port}" }
services:
  a: { kind: http, ctid: 101, address: 127.0.0.1, port: ${port}, route: /a/ }
`)
      const run = await runPhoenix(['diag', 'a', '--layer', 'service', '--layer', 'gateway', '--timeout', '2s', '--deadline', '12s', '--json', '--config', config], one.env)
      const a = (JSON.parse(run.stdout) as Report).services[0]!
      // The gateway CT's own batch ran: its TCP connect passed, its HTTP timed out. (12 s: room for
      // a loaded machine's start-up; the hanging batch still ends at its timeout plus the slack.)
      const gateway = a.layers.find((l) => l.layer === 'gateway')!
      expect(gateway.checks.find((c) => c.id === 'gateway.tcp')?.status).toBe('pass')
      expect([a.verdict.layer, a.verdict.cause]).toEqual(['service', 'deadline'])
    } finally {
      await one.close()
    }
  })
})
