import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createNodeShells} from '../../src/io/cluster/node-shells.js'
import {createNetIo} from '../../src/io/net-io.js'
import {createSshShell} from '../../src/io/ssh-shell.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {Report} from '../../src/model/report.js'
import type {Shell} from '../../src/model/ports.js'
import {diagnose} from '../../src/run/diagnose.js'
import {formatCheck} from '../../src/output/human-check.js'
import {startFakeCluster} from '../helpers/fake-cluster.js'
import type {ClusterState, FakeCluster} from '../helpers/fake-cluster.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'
import {freePort} from '../helpers/processes.js'
import {generateKey} from '../helpers/sshd.js'

/**
 * A cluster (issue 15) on loopback: three nodes whose pct, pvesh, pvecm and ha-manager are shims
 * answering as the real tools do (test/helpers/fake-cluster.ts), every CT this machine, each service
 * a real HTTP server. phoenix asks the cluster once, sends each guest's batch to its node, and never
 * touches a node without work.
 */
describe('a Proxmox cluster', () => {
  let fake: FakeCluster
  let server: TestServer
  let closedPort: number
  const key = generateKey(mkdtempSync(join(tmpdir(), 'phoenix-cluster-key-')), 'id_ed25519')
  beforeAll(async () => {
    fake = await startFakeCluster()
    server = await startHttpServer((_req, res) => res.end('ok'))
    closedPort = await freePort()
  })
  afterAll(async () => {
    await fake.close()
    await server.close()
  })

  const port = () => Number(new URL(server.url).port)
  const yaml = (proxmox: string, nodes: Record<number, string> = {}) => `proxmox: ${proxmox}
gateway: { ctid: 953, address: 127.0.0.1, url: http://127.0.0.1:1 }
services:
${[950, 951, 952].map((ct) => `  s${ct}: { kind: http, ctid: ${ct}, address: 127.0.0.1, port: ${port()}${nodes[ct] ? `, node: ${nodes[ct]}` : ''} }`).join('\n')}
`
  const NODES = `{ nodes: [{ name: pve1, host: local }, { name: pve2, host: 127.0.0.2 }, { name: pve3, host: 127.0.0.3, port: PORT, identityFile: ${key}, knownHosts: /dev/null }] }`

  /** One run: pve3 is an SSH shell to a closed port (never reached unless it has work); the others the fake's. */
  async function run(inv: Inventory, state: ClusterState, deadlineMs = 20_000): Promise<Report> {
    await fake.set(state)
    fake.execs.clear()
    const make = (t: Inventory['proxmox']): Shell =>
      t.mode === 'local' ? fake.shell('pve1') : t.host === '127.0.0.3' ? createSshShell({...t, port: closedPort}, {acceptNewHostKey: false}) : fake.shell(`pve${t.host.split('.')[3]}`)
    const nodes = createNodeShells(inv.cluster!, make)
    try {
      const io = {net: createNetIo(), host: nodes.candidates[0]!, hostIsLocal: true, nodes}
      const options = {timeoutMs: 3000, deadlineMs, concurrency: 16, layers: ['service', 'host'] as const, deep: false}
      return await diagnose({inventory: inv, services: inv.services, options: {...options, layers: [...options.layers]}, apiKeys: new Map()}, io)
    } finally {
      await nodes.close()
    }
  }
  const inventory = (nodes: Record<number, string> = {}) => parseInventory(yaml(NODES.replace('PORT', String(closedPort)), nodes), '(test)')
  const verdicts = (r: Report) => Object.fromEntries(r.services.map((s) => [s.name, `${s.status} ${s.verdict.cause} @${s.node}`]))
  const guests = (a: Record<number, string>, status: Record<number, 'stopped'> = {}) => new Map(Object.entries(a).map(([ct, node]) => [Number(ct), {node, ...(status[Number(ct)] ? {status: status[Number(ct)]} : {})}]))
  const NAMES = ['pve1', 'pve2', 'pve3']

  it('asks the node phoenix runs on, runs each guest\'s batch on its node, and leaves a node without work alone', async () => {
    const r = await run(inventory(), {nodes: NAMES, guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve2', 953: 'pve1'})})
    expect(verdicts(r)).toEqual({s950: 'pass healthy @pve1', s951: 'pass healthy @pve2', s952: 'pass healthy @pve2'})
    // pve1 answered the cluster query and ran 950's batch; pve2 ran its two CTs' and its host batch; pve3 was never asked.
    expect(fake.execs.get('pve3')).toBeUndefined()
    expect(fake.execs.get('pve2')).toBe(3)
    expect(r.cluster).toEqual({asked: 'pve1', quorate: true, nodes: [{name: 'pve1', online: true, guests: 2}, {name: 'pve2', online: true, guests: 2}, {name: 'pve3', online: true, guests: 0}], moved: []})
    expect(r.status).toBe('pass')
  })

  it('follows a guest that migrated, and says where it was found (JSON and human)', async () => {
    const r = await run(inventory({951: 'pve1'}), {nodes: NAMES, guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve1', 953: 'pve1'})})
    expect(verdicts(r)).toEqual({s950: 'pass healthy @pve1', s951: 'pass healthy @pve2', s952: 'pass healthy @pve1'})
    expect(r.services.find((s) => s.name === 's951')?.movedFrom).toBe('pve1')
    expect(r.cluster?.moved).toEqual([{guest: 'CT 951', from: 'pve1', to: 'pve2'}])
    const text = formatCheck(r, false)
    expect(text).toContain('CT 951 found on pve2 (the inventory says pve1)')
    expect(text).toMatch(/s951 +pass +CT 951@pve2/)
  })

  it('a node SSH cannot reach: its guests are unknown, a blind spot named after it; the others stand', async () => {
    const r = await run(inventory(), {nodes: NAMES, guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve3', 953: 'pve1'})})
    expect(verdicts(r)).toEqual({s950: 'pass healthy @pve1', s951: 'pass healthy @pve2', s952: 'unknown node_unreachable @pve3'})
    const gate = r.services[2]!.layers[0]!.checks.find((c) => c.id === 'service.ct')
    expect(gate?.summary).toMatch(/^CT 952: node pve3: ssh root@127\.0\.0\.3:\d+: connection refused/)
    expect(r.status).toBe('unknown')
  })

  it('a node the cluster says is offline is not tried: node_offline, and quorum holds with two of three', async () => {
    const r = await run(inventory(), {nodes: NAMES, offline: ['pve3'], guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve3', 953: 'pve1'})})
    expect(verdicts(r)).toEqual({s950: 'pass healthy @pve1', s951: 'pass healthy @pve2', s952: 'unknown node_offline @pve3'})
    expect(r.services[2]!.verdict.summary).toContain('could not see the service layer')
    expect(r.services[2]!.verdict.evidence.join('\n')).toContain('node pve3 is offline in the cluster')
    expect(r.cluster?.quorate).toBe(true)
    expect(r.cluster?.nodes.find((n) => n.name === 'pve3')).toEqual({name: 'pve3', online: false, guests: 1})
  })

  it('a guest HA keeps stopped, with quorum lost: ha_stopped with HA\'s words, and quorum lost said once', async () => {
    const r = await run(inventory(), {nodes: NAMES, offline: ['pve2', 'pve3'], quorate: false, ha: new Map([['ct:950', 'stopped']]), guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve1', 953: 'pve1'}, {950: 'stopped'})})
    expect(verdicts(r)).toEqual({s950: 'fail ha_stopped @pve1', s951: 'unknown node_offline @pve2', s952: 'pass healthy @pve1'})
    const v = r.services[0]!.verdict
    expect(v.evidence.join('\n')).toContain('ha-manager status: service ct:950 (pve1, stopped)')
    expect(v.evidence.join('\n')).toContain('pvecm status: Quorate: No')
    expect(v.hints.map((h) => h.command)).toContain('ha-manager set ct:950 --state started')
    expect(r.rootCauses?.[0]).toMatchObject({cause: 'quorum_lost', services: ['s950', 's951']})
    expect(formatCheck(r, false)).toMatch(/^cluster: asked pve1; nodes .*pve2 \(1 guest, offline\).*; quorum lost$/m)
  })

  it('quorum lost with every service healthy is a warning of its own', async () => {
    const r = await run(inventory(), {nodes: NAMES, quorate: false, guests: guests({950: 'pve1', 951: 'pve1', 952: 'pve1', 953: 'pve1'})})
    expect(r.services.every((s) => s.status === 'pass')).toBe(true)
    expect(r.status).toBe('warn')
    expect(formatCheck(r, false)).toMatch(/^✖ cluster \(asked pve1\): The cluster has lost quorum/m)
  })

  it('a cluster query that hangs is bounded by the deadline: guests stay where the inventory says, the report says why', async () => {
    await fake.hang(true)
    try {
      const t0 = performance.now()
      const r = await run(inventory({950: 'pve1', 951: 'pve2'}), {nodes: NAMES, guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve1', 953: 'pve1'})}, 4000)
      // Generous: a hang guard on a loaded machine, not a timing assertion.
      expect(performance.now() - t0).toBeLessThan(15_000)
      expect(r.cluster?.error).toMatch(/pve1/)
      expect(r.services.map((s) => s.node)).toEqual(['pve1', 'pve2', 'pve1'])
    } finally {
      await fake.hang(false)
    }
  })

  it('proxmox: {cluster: local}: the other nodes at the addresses /cluster/status gives, over SSH as configured', async () => {
    const inv = parseInventory(yaml(`{ cluster: { host: local, identityFile: ${key}, knownHosts: /dev/null } }`), '(test)')
    expect(inv.cluster).toMatchObject({form: 'cluster', node: {mode: 'local'}, ssh: {user: 'root', port: 22}})
    const r = await run(inv, {nodes: ['pve1', 'pve2'], guests: guests({950: 'pve1', 951: 'pve2', 952: 'pve2', 953: 'pve1'})})
    expect(verdicts(r)).toEqual({s950: 'pass healthy @pve1', s951: 'pass healthy @pve2', s952: 'pass healthy @pve2'})
    expect(fake.execs.get('pve2')).toBe(3)
  })
})
