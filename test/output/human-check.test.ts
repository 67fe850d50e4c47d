import {describe, expect, it} from 'vitest'

import type {Report, ServiceReport} from '../../src/model/report.js'
import {formatCheck} from '../../src/output/human-check.js'

/** A service whose CT phoenix could not get into, for this reason (the gate's summary). */
const blind = (why: string): ServiceReport => ({
  name: 'n8n', kind: 'n8n', ctid: 954, status: 'unknown',
  layers: [{layer: 'service', status: 'unknown', checks: [
    {id: 'service.ct', status: 'unknown', summary: why, durationMs: 5},
    {id: 'service.runtime', status: 'unknown', summary: 'not observed: service.ct is unknown', durationMs: 5},
  ]}],
  verdict: {layer: 'service', cause: 'vantage_unreachable', summary: '', hints: [{text: 'check SSH', command: 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub'}], evidence: []},
})
const report = (s: ServiceReport): Report => ({schemaVersion: 1, status: s.status, startedAt: '', durationMs: 1, inventory: 'x', layers: ['service'], services: [s]})

describe('check\'s one-liner for a vantage phoenix could not reach (D16)', () => {
  it.each([
    'CT 954: the Proxmox host (root@198.18.0.2:22): HOST KEY CHANGED: SHA256:abc is not the key in known_hosts',
    'CT 954: the Proxmox host (root@198.18.0.2:22): authentication failed (publickey)',
    'CT 954: pct is not installed here (not on PATH)',
  ])('says why: %s', (why) => {
    const line = formatCheck(report(blind(why)), false).split('\n')[0]!
    expect(line).toBe(`? n8n      unknown CT 954   service/vantage_unreachable  ${why}`)
  })
})
