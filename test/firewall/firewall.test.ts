import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {firewallSnippet, parseFirewall} from '../../src/checks/probes/firewall.js'
import {auditFirewall} from '../../src/firewall/fw-audit.js'
import {decideHop, enforcement, hostSource, whereOf} from '../../src/firewall/fw-path.js'
import type {Hop} from '../../src/firewall/fw-path.js'
import type {FirewallState} from '../../src/model/firewall.js'
import type {FirewallProbe} from '../../src/model/probes.js'
import {CLUSTER_FW, GUEST_801, GUEST_914, GUEST_917, GUEST_BAD, NETS} from './fw-files.js'

/**
 * The Proxmox firewall read as the host has it: real files in a directory shaped like /etc/pve,
 * read by the probe's own snippet in a real sh (as the host's batch runs it), then judged hop by
 * hop as pve-firewall's ruleset would treat the probe's packets.
 */

let dir: string
let state: FirewallState
let hostOwn: string[]
const GUESTS = [801, 914, 917, 918, 919, 920, 101]

async function runSnippet(probe: FirewallProbe): Promise<FirewallState> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('/bin/sh', ['-s'], (error, out) => (error ? reject(error) : resolve(out)))
    child.stdin!.end(batchScript([firewallSnippet(probe)], 'f00d'))
  })
  const obs = parseFirewall(splitBatchOutput(stdout, 1, 'f00d').lines[0]!, probe)
  if (obs.kind !== 'firewall' || !obs.state) throw new Error(`not read: ${JSON.stringify(obs)}`)
  return obs.state
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phoenix-pve-'))
  await mkdir(join(dir, 'firewall'))
  await mkdir(join(dir, 'nodes', 'pve', 'lxc'), {recursive: true})
  const files: Record<string, string> = {cluster: CLUSTER_FW, 801: GUEST_801, 914: GUEST_914, 917: GUEST_917, 918: GUEST_BAD, 920: GUEST_801}
  for (const [id, text] of Object.entries(files)) await writeFile(join(dir, 'firewall', `${id}.fw`), text)
  // Its last line without a newline, as an editor may leave it.
  await writeFile(join(dir, 'firewall', '919.fw'), '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 22')
  // A snapshot section after the current config: pct config shows the current one only.
  for (const [id, net] of Object.entries(NETS)) await writeFile(join(dir, 'nodes', 'pve', 'lxc', `${id}.conf`), `arch: amd64\n${net}\nostype: debian\n\n[before-upgrade]\nnet0: name=eth0,bridge=vmbr0,firewall=0,ip=10.0.0.99/24\n`)
  state = await runSnippet({kind: 'firewall', dir, guests: GUESTS.map((id) => ({id, config: 'lxc'})), })
  hostOwn = state.hostAddresses
  // The host as the estate's: 10.0.0.13 on vmbr0.
  state.hostAddresses = ['127.0.0.1/8', '10.0.0.13/24']
})

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

const fromHost = (id: number, address: string, port: number): Hop => ({from: {kind: 'host'}, to: {id: String(id), address, port, proto: 'tcp'}})
const fromGuest = (src: string, id: number, address: string, port: number): Hop => ({from: {kind: 'guest', id: '101', address: src}, to: {id: String(id), address, port, proto: 'tcp'}})
const f = (id: string | number) => `${join(dir, 'firewall')}/${id}.fw`

describe('reading the files on the host', () => {
  it('reads each file, a missing one as absent, the NICs of the current config only, the host\'s source address', () => {
    expect(state.cluster.present).toBe(true)
    expect(state.guests['101']!.present).toBe(false)
    expect(state.nics['801']!.nics).toEqual([{name: 'net0', firewall: true, ip: '10.0.0.141', text: NETS[801]}])
    expect(state.nics['920']!.nics[0]!.firewall).toBe(false)
    expect(hostOwn).toContain('127.0.0.1/8')
    expect(hostSource(state.hostAddresses, '10.0.0.141')).toBe('10.0.0.13')
    expect(hostSource(state.hostAddresses, '192.0.2.7')).toBeUndefined()
    expect(state.guests['919']!.rules.map((r) => [r.line, r.dport])).toEqual([[4, '22']])
  })

  it('parses options, aliases, ipsets with nomatch, groups and rules with their lines', () => {
    expect(state.cluster.options.enable).toEqual({value: '1', line: 3})
    expect(state.cluster.aliases).toEqual({traefik: '10.0.0.12', lan: '10.0.0.0/24'})
    expect(state.cluster.ipsets.admins).toEqual([{cidr: '10.0.0.0/24', nomatch: false}, {cidr: '10.0.0.153', nomatch: true}])
    expect(state.cluster.rules.map((r) => [r.line, r.type, r.action, r.macro])).toEqual([[16, 'in', 'ACCEPT', 'SSH'], [17, 'in', 'ACCEPT', undefined]])
    expect(state.cluster.groups.inference!.map((r) => [r.line, r.source, r.dport])).toEqual([[21, 'traefik', '8000,11434,8081'], [22, '10.0.0.153', undefined]])
    expect(state.guests['801']!.rules).toMatchObject([{line: 7, type: 'in', action: 'ACCEPT', source: '10.0.0.12', proto: 'tcp', dport: '8000', enabled: true}])
    expect(state.guests['914']!.rules[2]).toMatchObject({line: 7, enabled: false})
    expect(state.cluster.problems).toEqual([])
  })

  it('bad lines are problems with their line, never a crash; the rest of the file still counts', () => {
    const bad = state.guests['918']!
    expect(bad.problems.map((p) => [p.line, p.problem]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [4, "can't parse option 'colour: blue'"],
      [6, "unknown action 'ALLOW' (ACCEPT, DROP or REJECT, or MACRO(ACTION))"],
      [7, '-dport needs -p (missing property: proto)'],
      [8, "no such ipset 'nosuchset'"],
      [9, "unknown macro 'FOO'"],
      [10, 'unable to parse rule parameters: -frobnicate 1'],
    ].sort((a, b) => Number(a[0]) - Number(b[0])))
    expect(decideHop(state, fromGuest('10.0.0.153', 918, '10.0.0.158', 8000))).toMatchObject({allowed: false, by: {file: f(918), line: 11}})
  })

  it('reads every file line as text (grep -Hn prefixes it), and says when nothing was read', () => {
    const parsed = parseFirewall(['@@fw', 'firewall/cluster.fw:1: @@fw', 'firewall/cluster.fw:2:[OPTIONS]', 'firewall/cluster.fw:3:enable: 1', ' @@conf'], {kind: 'firewall', dir: '/etc/pve', guests: []})
    expect(parsed).toMatchObject({kind: 'firewall', state: {cluster: {options: {enable: {value: '1', line: 3}}}}})
    expect(parseFirewall(['sh: 1: cat: Permission denied'], {kind: 'firewall', dir: '/etc/pve', guests: []})).toMatchObject({kind: 'firewall', unread: expect.stringContaining('/etc/pve')})
  })
})

describe('a large estate', () => {
  it('reads a thousand guests\' files in one batch, past the lines a probe may print (MAX_PIECES)', async () => {
    const big = await mkdtemp(join(tmpdir(), 'phoenix-pve-big-'))
    try {
      await mkdir(join(big, 'firewall'))
      await mkdir(join(big, 'nodes', 'pve2', 'lxc'), {recursive: true})
      const ids = Array.from({length: 1000}, (_, i) => 2000 + i)
      await Promise.all(ids.flatMap((id) => [
        writeFile(join(big, 'firewall', `${id}.fw`), `[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.12 -p tcp -dport ${id}\n`),
        writeFile(join(big, 'nodes', 'pve2', 'lxc', `${id}.conf`), `net0: name=eth0,bridge=vmbr0,firewall=1,ip=10.1.${Math.floor(id / 256)}.${id % 256}/16\n`),
      ]))
      const read = await runSnippet({kind: 'firewall', dir: big, guests: ids.map((id) => ({id, config: 'lxc'}))})
      expect(ids.filter((id) => read.guests[id]!.rules[0]?.dport !== String(id) || read.nics[id]!.nics[0]?.firewall !== true)).toEqual([])
    } finally {
      await rm(big, {recursive: true, force: true})
    }
  })
})

describe('whether a probe\'s hop gets through', () => {
  it.each([
    ['the host to 801: no rule admits it, the guest\'s default policy_in DROP', fromHost(801, '10.0.0.141', 8000), false, undefined, /policy_in DROP \(the default/],
    ['Traefik to 801: its ACCEPT rule', fromGuest('10.0.0.12', 801, '10.0.0.141', 8000), true, 7, /^IN ACCEPT -source 10.0.0.12/],
    ['the gateway to 801: blocked by the default policy', fromGuest('10.0.0.153', 801, '10.0.0.141', 8000), false, undefined, /policy_in DROP/],
    ['Traefik to 801 on another port', fromGuest('10.0.0.12', 801, '10.0.0.141', 8001), false, undefined, /policy_in/],
    ['Traefik to 914: the security group\'s alias and port list', fromGuest('10.0.0.12', 914, '10.0.0.155', 11434), true, 21, /-source traefik/],
    ['the gateway to 914: the group drops it', fromGuest('10.0.0.153', 914, '10.0.0.155', 11434), false, 22, /IN DROP -source 10.0.0.153/],
    ['the host to 914: the admins\' ipset and port range', fromHost(914, '10.0.0.155', 11434), true, 6, /\+admins/],
    ['10.0.0.99 to 914 on 8000: the group does not match (port), the ipset port range neither: policy REJECT', fromGuest('10.0.0.99', 914, '10.0.0.155', 8000), false, 3, /policy_in: REJECT/],
  ])('%s', (_name, hop, allowed, line, text) => {
    const d = decideHop(state, hop)
    expect(d.allowed).toBe(allowed)
    expect(d.by?.line).toBe(line)
    expect(d.by?.text).toMatch(text)
  })

  it('rules declared but not enforced let everything through, and say why', () => {
    expect(decideHop(state, fromHost(917, '10.0.0.157', 8081))).toMatchObject({allowed: true, why: expect.stringMatching(/917\.fw \[OPTIONS\] does not set enable: 1/)})
    expect(enforcement(state, '920', '10.0.0.160')).toMatchObject({on: false, why: expect.stringMatching(/net0 has no firewall=1/)})
    expect(decideHop(state, fromHost(920, '10.0.0.160', 8000)).allowed).toBe(true)
  })

  it('nothing is enforced while cluster.fw does not enable the firewall', () => {
    const off = {...state, cluster: {...state.cluster, options: {...state.cluster.options, enable: {value: '0', line: 3}}}}
    expect(decideHop(off, fromHost(801, '10.0.0.141', 8000))).toMatchObject({allowed: true, why: expect.stringMatching(/cluster firewall is off/)})
  })

  it('a rule on a source phoenix could not read is "cannot tell", not blocked', () => {
    const blind = {...state, hostAddresses: []}
    expect(decideHop(blind, fromHost(914, '10.0.0.155', 11434))).toMatchObject({allowed: 'unknown', by: {line: 21}, why: expect.stringMatching(/security group inference/)})
  })

  it('the host\'s OUT rules in cluster.fw apply to the host\'s probes', () => {
    const out = {...state, cluster: {...state.cluster, rules: [...state.cluster.rules, {file: f('cluster'), line: 30, text: 'OUT REJECT -p tcp -dport 11434', type: 'out', action: 'REJECT', proto: 'tcp', dport: '11434', enabled: true}]}}
    expect(whereOf(decideHop(out, fromHost(914, '10.0.0.155', 11434)).by!)).toBe(`${f('cluster')}:30`)
  })
})

describe('audit: declared but not enforced, and lines left out', () => {
  const guest = (id: number, address: string) => ({guest: {kind: 'ct' as const, id}, address, label: `CT ${id}`})
  const guests = [guest(801, '10.0.0.141'), guest(917, '10.0.0.157'), guest(918, '10.0.0.158'), guest(920, '10.0.0.160'), guest(101, '10.0.0.153')]

  it('names each guest whose rules do not bite, with the line to change or the command that turns it on', () => {
    const findings = auditFirewall(state, guests)
    expect(findings.filter((x) => x.id === 'firewall_not_enforced')).toEqual([
      {id: 'firewall_not_enforced', summary: `CT 917's firewall rules are declared but not enforced: ${f(917)} [OPTIONS] does not set enable: 1 (a guest's firewall is off by default)`, fix: `set enable: 1 under [OPTIONS] in ${f(917)} (a guest's firewall is off until then)`, file: f(917)},
      {id: 'firewall_not_enforced', summary: `CT 920's firewall rules are declared but not enforced: guest 920's net0 has no firewall=1 (${NETS[920]})`, fix: "pct set 920 --net0 'name=eth0,bridge=vmbr0,gw=10.0.0.1,hwaddr=BC:24:11:00:00:04,ip=10.0.0.160/24,type=veth,firewall=1'", file: 'pct config 920'},
    ])
    expect(findings.filter((x) => x.id === 'firewall_bad_line').map((x) => `${x.file}:${x.line}`)).toEqual([4, 6, 7, 8, 9, 10].map((n) => `${f(918)}:${n}`))
    expect(findings.some((x) => x.id === 'firewall_off')).toBe(false)
  })

  it('the cluster firewall off is one finding for every guest whose rules it leaves unenforced', () => {
    const off = {...state, cluster: {...state.cluster, options: {}}}
    const findings = auditFirewall(off, guests).filter((x) => x.id !== 'firewall_bad_line')
    expect(findings).toEqual([expect.objectContaining({id: 'firewall_off', summary: expect.stringMatching(/the rules of CT 801, CT 917, CT 918, CT 920 are not enforced$/), file: f('cluster')})])
  })
})
