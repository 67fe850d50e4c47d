import {describe, expect, it} from 'vitest'

import {batchRows, exitCodeOf, MAX_BATCH, rowStatuses, runsAlone} from './fault-batches.js'
import {FAULTS} from './faults.js'
import type {Fault} from './faults.js'
import {PROXIED_SERVICES, SERVICES, VM_SERVICES} from './topology.js'

/** The matrix's packing over the real fault table: what may share one injection and one check. */

const NAMES = [...SERVICES, ...VM_SERVICES, ...PROXIED_SERVICES].map((s) => s.name)
const targets = (f: Fault) => (f.shared ? f.appliesTo.slice(0, 1) : f.appliesTo.filter((n) => NAMES.includes(n)))
const code = (f: Fault) => exitCodeOf(rowStatuses(f, targets(f).some((n) => VM_SERVICES.some((s) => s.name === n))))

describe('fault batches', () => {
  const batches = batchRows(FAULTS, targets, code)

  it('holds every row once, in table order within a batch', () => {
    expect(batches.flat().map((f) => f.name).sort()).toEqual(FAULTS.map((f) => f.name).sort())
    for (const b of batches) expect(b.map((f) => FAULTS.indexOf(f))).toEqual(b.map((f) => FAULTS.indexOf(f)).sort((x, y) => x - y))
  })

  it('puts together only rows on disjoint services with one exit code, at most three', () => {
    for (const b of batches.filter((x) => x.length > 1)) {
      const all = b.flatMap(targets)
      expect(new Set(all).size, b.map((f) => f.name).join(' + ')).toBe(all.length)
      expect(new Set(b.map(code)).size).toBe(1)
      expect(b.length).toBeLessThanOrEqual(MAX_BATCH)
      expect(b.filter(runsAlone)).toEqual([])
    }
  })

  it('leaves the gateway\'s own rows, --deep and audit rows alone', () => {
    for (const f of FAULTS.filter(runsAlone)) expect(batches.find((b) => b.includes(f))).toEqual([f])
    expect(FAULTS.filter(runsAlone).map((f) => f.name)).toEqual(expect.arrayContaining(['gateway-down', 'cert-expired', 'embedding-dim', 'fw-not-enforced']))
  })

  it('folds the VM\'s and web\'s rows into the seven services\' rows: fewer checks than rows', () => {
    expect(batches.find((b) => b[0]?.name === 'stopped')?.map((f) => f.name)).toEqual(['stopped', 'vm-stopped', 'fw-blocks-proxy'])
    expect(batches.length).toBeLessThan(FAULTS.length * 0.7)
  })

  it('keeps apart rows with one service in common, or another exit code', () => {
    const row = (name: string, appliesTo: string[], status?: 'warn'): Fault => ({name, does: name, appliesTo, inject: async () => {}, heal: async () => {},
      expect: {layer: 'service', cause: 'service_down', ...(status ? {status} : {})}})
    const rows = [row('a', ['n8n', 'qdrant']), row('b', ['qdrant']), row('c', ['ollama'], 'warn'), row('d', ['ollama']), row('e', ['web'])]
    expect(batchRows(rows, (f) => f.appliesTo, code).map((b) => b.map((f) => f.name))).toEqual([['a', 'd', 'e'], ['b'], ['c']])
  })
})
