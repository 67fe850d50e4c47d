import {describe, expect, it} from 'vitest'

import type {CheckSpec} from '../../src/model/check-spec.js'
import {groupByVantage, HOST_BATCH_SPECS} from '../../src/run/groups.js'
import {laneLimits, MAX_REMOTE_BATCHES} from '../../src/run/lanes.js'

describe('laneLimits: a bound per lane', () => {
  it('--concurrency bounds the work of both lanes; remote batches stay few; waiting probes 8x', () => {
    expect(laneLimits(64, {openFiles: 1_048_576, localBatches: true})).toEqual({remote: 64, native: 64, nativeInFlight: 512})
    expect(laneLimits(512, {openFiles: 1_048_576, localBatches: true}).remote).toBe(MAX_REMOTE_BATCHES)
    expect(laneLimits(1, {openFiles: 1024, localBatches: true})).toEqual({remote: 1, native: 1, nativeInFlight: 8})
  })

  it('stays inside the open-file limit with room to spare (ulimit -n 256: no EMFILE)', () => {
    const {remote, native, nativeInFlight} = laneLimits(1024, {openFiles: 256, localBatches: true})
    expect(remote * 3 + nativeInFlight).toBeLessThanOrEqual(256 - 64)
    expect([remote, native, nativeInFlight]).toEqual([32, 96, 96])
    // Over SSH a batch is a channel on one socket: the sockets get the whole budget.
    expect(laneLimits(1024, {openFiles: 256, localBatches: false}).nativeInFlight).toBe(192)
  })

  it('assumes a common limit when it is unknown, and never goes below one', () => {
    expect(laneLimits(1024, {localBatches: true}).nativeInFlight).toBeLessThanOrEqual(1024 - 64)
    expect(laneLimits(64, {openFiles: 10, localBatches: true})).toEqual({remote: 1, native: 1, nativeInFlight: 1})
  })
})

describe('groupByVantage: the host in batches', () => {
  const hostSpecs = (services: number): CheckSpec[] =>
    Array.from({length: services}, (_, i) =>
      (['ping', 'tcp', 'http'] as const).map((kind) => ({
        service: `s${i}`,
        id: `host.${kind}`,
        layer: 'host' as const,
        vantage: {at: 'host' as const},
        probe: kind === 'ping' ? {kind, host: '127.0.0.1'} : kind === 'tcp' ? {kind, host: '127.0.0.1', port: 1} : {kind, url: 'http://127.0.0.1:1/'},
        judge: () => ({status: 'pass' as const, summary: ''}),
      })),
    ).flat()

  it('1000 pings on this host are 10 batches, not one sh that can blind every service', () => {
    const {remote, native} = groupByVantage(hostSpecs(1000), true)
    expect(remote.map((g) => g.specs.length)).toEqual(Array.from({length: 10}, () => HOST_BATCH_SPECS))
    expect(remote.every((g) => g.specs.every((s) => s.probe.kind === 'ping'))).toBe(true)
    expect(native).toHaveLength(2000)
  })

  it('over SSH, no more batches than channels, and a service never split across two', () => {
    const {remote} = groupByVantage(hostSpecs(1000), false, 8)
    expect(remote).toHaveLength(8)
    for (const g of remote) expect(g.specs.length % 3).toBe(0)
    expect(new Set(remote.flatMap((g) => g.specs.map((s) => s.service))).size).toBe(1000)
  })

  it('a small estate is still one host batch', () => {
    expect(groupByVantage(hostSpecs(15), false, 8).remote).toHaveLength(1)
  })
})
