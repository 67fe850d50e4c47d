import {describe, expect, it} from 'vitest'

import {clusterView, parseHa, parseQuorum, parseResources, parseStatus} from '../../../src/io/cluster/cluster-output.js'
import {clusterScript, splitSections} from '../../../src/io/cluster/cluster-query.js'
import {haStatus, pvecmStatus} from '../../helpers/fake-cluster.js'

/** /cluster/resources --type vm as pve-manager's extract_vm_stats builds it (a stale rrd: status unknown). */
const RESOURCES = JSON.stringify([
  {cpu: 0.01, disk: 0, diskread: 0, diskwrite: 0, id: 'lxc/954', maxcpu: 2, maxdisk: 8589934592, maxmem: 2147483648, mem: 51234816, name: 'n8n-lxc', netin: 1, netout: 2, node: 'pve2', status: 'running', template: 0, type: 'lxc', uptime: 1234, vmid: 954, hastate: 'started'},
  {id: 'qemu/1002', node: 'pve1', status: 'stopped', type: 'qemu', vmid: 1002, name: 'drphoenix', template: 0},
  {id: 'lxc/957', node: 'pve3', status: 'unknown', type: 'lxc', vmid: 957},
])
const STATUS = JSON.stringify([
  {id: 'cluster', name: 'lab', nodes: 2, quorate: 1, type: 'cluster', version: 3},
  {id: 'node/pve1', ip: '10.0.0.1', level: '', local: 1, name: 'pve1', nodeid: 1, online: 1, type: 'node'},
  {id: 'node/pve2', ip: '10.0.0.2', level: '', local: 0, name: 'pve2', nodeid: 2, online: 0, type: 'node'},
])

describe('the cluster\'s own words', () => {
  it('reads /cluster/resources: vmid, type, node, status, HA state', () => {
    expect(parseResources(RESOURCES)).toEqual([
      {vmid: 954, type: 'lxc', node: 'pve2', status: 'running', hastate: 'started'},
      {vmid: 1002, type: 'qemu', node: 'pve1', status: 'stopped'},
      {vmid: 957, type: 'lxc', node: 'pve3', status: 'unknown'},
    ])
    expect(parseResources('ipcc_send_rec[1] failed: Connection refused')).toMatch(/did not print a JSON list: ipcc_send_rec/)
  })

  it('reads /cluster/status: each node online or not, its address, which one answered', () => {
    expect(parseStatus(STATUS)).toEqual([{name: 'pve1', online: true, local: true, ip: '10.0.0.1'}, {name: 'pve2', online: false, local: false, ip: '10.0.0.2'}])
  })

  it('reads pvecm status: Quorate Yes/No, with its vote lines', () => {
    expect(parseQuorum(pvecmStatus({nodes: ['a', 'b']}, 0))).toEqual({quorate: true, lines: ['Quorate: Yes', 'Expected votes: 2', 'Total votes: 2', 'Quorum: 2']})
    expect(parseQuorum(pvecmStatus({nodes: ['a', 'b'], offline: ['b']}, 0))).toMatchObject({quorate: false, lines: ['Quorate: No', 'Expected votes: 2', 'Total votes: 1', 'Quorum: 2 Activity blocked']})
    expect(parseQuorum('Error: Corosync config \'/etc/pve/corosync.conf\' does not exist - is this node part of a cluster?')).toEqual({lines: []})
  })

  it('reads ha-manager status: its service lines by sid', () => {
    const text = haStatus({nodes: ['pve1', 'pve2'], quorate: false, guests: new Map([[954, {node: 'pve2'}]]), ha: new Map([['ct:954', 'stopped'], ['vm:1002', 'started']])}, 'pve1')
    expect(text).toMatch(/^quorum No quorum on node 'pve1'!$/m)
    expect([...parseHa(text)]).toEqual([['ct:954', {node: 'pve2', state: 'stopped', line: 'service ct:954 (pve2, stopped)'}], ['vm:1002', {node: '---', state: 'started', line: 'service vm:1002 (---, started)'}]])
  })

  it('splits the one query\'s output by its nonce markers; a forged marker in an output is text', () => {
    const nonce = 'n0nce'
    expect(clusterScript(nonce)).toContain('pvesh get /cluster/resources --type vm --output-format json 2>&1 </dev/null')
    const out = `\n@@n0nce resources\n${RESOURCES}\n@@n0nce status\n${STATUS}\n@@n0nce pvecm\nQuorate: Yes\n@@x end\n@@n0nce ha\n\n@@n0nce end\n`
    const sections = splitSections(out, nonce)!
    expect(sections.pvecm).toContain('@@x end')
    const view = clusterView(sections)
    expect(view).toMatchObject({asked: 'pve1', quorate: true, nodes: [{name: 'pve1'}, {name: 'pve2', online: false}]})
    expect(splitSections(out.replace('@@n0nce end', ''), nonce)).toBeUndefined()
  })
})
