import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {formatCheck} from '../../src/output/human-check.js'
import {CONFIG_CLUSTER, ON_NODE2, placeGuest, setNode2Sshd, setOffline} from './cluster.js'
import {down, phoenixEnv, phoenixNs, sshConnectionCount, up} from './lab.js'
import type {Mode} from './lab.js'
import {setLink} from './namespaces.js'
import {run} from './proc.js'
import {NODE2_SSHD_LOG} from './sshd.js'
import {CLIENT_KEY, KNOWN_HOSTS} from './sshd.js'
import {ctById, HOST, NODE2, NODE_NAMES, REPO, SERVICES, STATE} from './topology.js'

/**
 * The lab as a two-node Proxmox cluster (issue 15), in both modes: phoenix on node pve with pve2 over
 * SSH (proxmox.nodes), and on the admin machine asking pve (proxmox.cluster) and reaching pve2 at the
 * address /cluster/status gives. CT 957 (llamacpp) runs on pve2, whose pct alone sees it; the other
 * CTs on pve. `check --all` opens one SSH connection per node with work (counted in each real sshd's
 * VERBOSE log), follows a migration, names a node it cannot reach as the blind spot, and says when
 * the cluster has lost quorum.
 */
const MODES: readonly Mode[] = ['local', 'ssh']
const ARGS = ['check', '--all', '--timeout', '5s', '--deadline', '30s']
const NAMES = [...SERVICES.map((s) => s.name), 'gateway']
const MIGRATED = SERVICES.find((s) => s.name === 'ollama')!
const ON2 = SERVICES.find((s) => s.ctid === ON_NODE2)!

/** One run, its JSON report, and the human text of that same report (the formatter is pure: one run serves both). */
async function check(mode: Mode): Promise<{code: number; report: Report; human: string}> {
  const argv = [...phoenixNs(mode), process.execPath, join(REPO, 'bin/run.js'), ...ARGS, '--json', '--config', CONFIG_CLUSTER[mode]]
  const r = await run(argv, {env: await phoenixEnv(mode), cwd: REPO, timeoutMs: 120_000})
  try {
    const report = JSON.parse(r.stdout) as Report
    return {code: r.code, report, human: formatCheck(report, false)}
  } catch {
    throw new Error(`phoenix (${mode}) exited ${r.code} without a JSON report:\n${r.stderr.slice(0, 3000)}\n${r.stdout.slice(0, 3000)}`)
  }
}

const verdicts = (r: Report) => Object.fromEntries(r.services.map((s) => [s.name, `${s.status} ${s.verdict.cause} @${s.node}`]))
const healthy = (except: Record<string, string> = {}, on: Record<string, string> = {}) =>
  Object.fromEntries(NAMES.map((n) => [n, except[n] ?? `pass healthy @${on[n] ?? (n === ON2.name ? NODE_NAMES.node2 : NODE_NAMES.host)}`]))

describe('lab: a two-node Proxmox cluster', () => {
  beforeAll(async () => {
    await up()
    await placeGuest(ON_NODE2, NODE_NAMES.node2)
  }, 180_000)
  afterAll(async () => {
    await down()
  }, 60_000)

  it.each(MODES)('check --all finds every guest on its node, with one SSH connection per node with work (%s)', async (mode) => {
    const before = [await sshConnectionCount(), await sshConnectionCount(NODE2_SSHD_LOG)]
    const {code, report} = await check(mode)
    const after = [await sshConnectionCount(), await sshConnectionCount(NODE2_SSHD_LOG)]
    expect(verdicts(report)).toEqual(healthy())
    expect(code).toBe(0)
    // Over SSH: one to pve (the cluster query and its batches), one to pve2. On pve: none to itself.
    expect([after[0]! - before[0]!, after[1]! - before[1]!]).toEqual(mode === 'ssh' ? [1, 1] : [0, 1])
    expect(report.cluster).toEqual({asked: NODE_NAMES.host, quorate: true, moved: [], nodes: [{name: 'pve', online: true, guests: 7}, {name: 'pve2', online: true, guests: 1}]})
  })

  it.each(MODES)('phoenix init covers every node with guests: the draft asks the cluster, CT 957 on pve2, and check passes with it (%s)', async (mode) => {
    const host = mode === 'ssh' ? ['--host', HOST.address, '--identity-file', CLIENT_KEY, '--known-hosts', KNOWN_HOSTS] : []
    const init = await run([...phoenixNs(mode), process.execPath, join(REPO, 'bin/run.js'), 'init', '--dry-run', ...host], {env: await phoenixEnv(mode), cwd: REPO, timeoutMs: 120_000})
    expect(init.code, init.stderr).toBe(0)
    if (mode === 'local') {
      // On pve itself, pve2 is reached as Proxmox's nodes reach each other (root's id_rsa): the lab has none.
      expect(init.stderr).toMatch(/note: node pve2 could not be read \(.*no key to log in with/)
      return
    }
    expect(init.stdout).toMatch(/^proxmox:\n(  #.*\n)*  cluster:\n    host: 198\.18\.0\.1\n/m)
    expect(init.stdout).toMatch(/ctid: 957 # pct list: CT 957 \(llamacpp-lxc\)\n(.*\n)*? {4}node: pve2 # found on node pve2/)
    const draft = join(STATE, 'phoenix-cluster-init.yaml')
    await writeFile(draft, init.stdout)
    const r = await run([...phoenixNs(mode), process.execPath, join(REPO, 'bin/run.js'), ...ARGS, '--json', '--config', draft], {env: await phoenixEnv(mode), cwd: REPO, timeoutMs: 120_000})
    const report = JSON.parse(r.stdout) as Report
    expect(report.services.filter((s) => s.status !== 'pass').map((s) => `${s.name} ${s.verdict.cause}`)).toEqual([])
    expect(report.services.find((s) => s.ctid === ON_NODE2)?.node).toBe(NODE_NAMES.node2)
  })

  describe('a guest migrated to the other node since the inventory was written', () => {
    beforeAll(() => placeGuest(MIGRATED.ctid, NODE_NAMES.node2))
    afterAll(() => placeGuest(MIGRATED.ctid, NODE_NAMES.host))

    it.each(MODES)('is found there, and the report says where (%s)', async (mode) => {
      const {code, report, human} = await check(mode)
      expect(verdicts(report)).toEqual(healthy({}, {[MIGRATED.name]: NODE_NAMES.node2}))
      expect(report.services.find((s) => s.name === MIGRATED.name)?.movedFrom).toBe(NODE_NAMES.host)
      expect(report.cluster?.moved).toEqual([{guest: `CT ${MIGRATED.ctid}`, from: NODE_NAMES.host, to: NODE_NAMES.node2}])
      expect(code).toBe(0)
      expect(human).toContain(`CT ${MIGRATED.ctid} found on pve2 (the inventory says pve)`)
      expect(human).toMatch(new RegExp(`^✔ ${MIGRATED.name} +pass +CT ${MIGRATED.ctid}@pve2 `, 'm'))
    })
  })

  describe('node pve2 down for SSH (its sshd stopped)', () => {
    beforeAll(() => setNode2Sshd(false), 60_000)
    afterAll(() => setNode2Sshd(true), 60_000)

    it.each(MODES)('its guest is a blind spot named after the node; the other verdicts stand (%s)', async (mode) => {
      const {code, report} = await check(mode)
      expect(verdicts(report)).toEqual(healthy({[ON2.name]: 'unknown node_unreachable @pve2'}))
      const s = report.services.find((x) => x.name === ON2.name)!
      expect(s.layers.find((l) => l.layer === 'service')?.checks.find((c) => c.id === 'service.ct')?.summary).toMatch(/^CT 957: node pve2: ssh root@198\.18\.0\.2:22: connection refused/)
      // The route through the gateway (on pve) still answers: seen, not blamed.
      expect(s.layers.find((l) => l.layer === 'client')?.status).toBe('pass')
      expect(code).toBe(3)
    })
  })

  describe('node pve2 offline in the cluster (its link down, corosync lost it): quorum lost in a two-node cluster', () => {
    beforeAll(async () => {
      await setOffline(NODE_NAMES.node2, true)
      await setLink(NODE2.ns, false)
      await setLink(ctById(ON_NODE2).ns, false)
    }, 60_000)
    afterAll(async () => {
      await setLink(ctById(ON_NODE2).ns, true)
      await setLink(NODE2.ns, true)
      await setOffline(NODE_NAMES.node2, false)
    }, 60_000)

    it.each(MODES)('its guest is node_offline, not tried; quorum lost is said once (%s)', async (mode) => {
      const {code, report, human} = await check(mode)
      expect(verdicts(report)).toEqual(healthy({[ON2.name]: 'unknown node_offline @pve2'}))
      expect(report.cluster).toMatchObject({quorate: false, nodes: [{name: 'pve', online: true}, {name: 'pve2', online: false, guests: 1}]})
      expect(report.rootCauses?.[0]).toMatchObject({cause: 'quorum_lost', services: [ON2.name]})
      expect(report.services.find((x) => x.name === ON2.name)!.verdict.evidence.join('\n')).toMatch(/pvecm status: Quorate: No/)
      expect(code).toBe(3)
      expect(human).toMatch(/^cluster: asked pve; nodes pve \(7 guests\), pve2 \(1 guest, offline\); quorum lost$/m)
      expect(human).toMatch(/root cause of 1 services \(llamacpp\): The cluster has lost quorum/)
    })
  })
})
