import {describe, expect, it} from 'vitest'

import {ConfigError} from '../../src/inventory/errors.js'
import {parseInventory} from '../../src/inventory/load.js'

const REST = `gateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153, node: pve1 }
services:
  n8n: { kind: n8n, ctid: 954, address: 10.0.0.154, port: 5678, node: pve2 }
`
const NODES = `proxmox:
  nodes:
    - { name: pve1, host: 10.0.0.1, identityFile: /k, knownHosts: /kh }
    - { name: pve2, host: local }
`

describe('inventory: a Proxmox cluster (issue 15)', () => {
  it('the single-host forms are unchanged: no cluster', () => {
    expect(parseInventory(`proxmox: { host: local }\n${REST}`, 'p.yaml').cluster).toBeUndefined()
    expect(parseInventory(`proxmox: { host: 10.0.0.1 }\n${REST}`, 'p.yaml').proxmox).toMatchObject({mode: 'ssh', host: '10.0.0.1', port: 22, user: 'root'})
  })

  it('nodes: every node by name; proxmox stands for the node phoenix runs on; node: on a guest is where it ran', () => {
    const inv = parseInventory(`${NODES}${REST}`, 'p.yaml')
    expect(inv.cluster).toEqual({form: 'nodes', nodes: [
      {name: 'pve1', target: {mode: 'ssh', host: '10.0.0.1', port: 22, user: 'root', identityFile: '/k', knownHosts: '/kh'}},
      {name: 'pve2', target: {mode: 'local'}},
    ]})
    expect(inv.proxmox).toEqual({mode: 'local'})
    expect(inv.gateway.node).toBe('pve1')
    expect(inv.services[0]!.node).toBe('pve2')
  })

  it('cluster: one node to ask (an address, or a map); the others over SSH as that one', () => {
    const short = parseInventory(`proxmox: { cluster: 10.0.0.1 }\n${REST}`, 'p.yaml')
    expect(short.cluster).toMatchObject({form: 'cluster', node: {mode: 'ssh', host: '10.0.0.1'}, ssh: {port: 22, user: 'root'}})
    const map = parseInventory(`proxmox: { cluster: { host: 10.0.0.1, port: 2222, user: admin, knownHosts: /kh } }\n${REST}`, 'p.yaml')
    expect(map.cluster).toEqual({form: 'cluster', node: {mode: 'ssh', host: '10.0.0.1', port: 2222, user: 'admin', knownHosts: '/kh'}, ssh: {port: 2222, user: 'admin', knownHosts: '/kh'}})
    expect(map.proxmox).toEqual({mode: 'ssh', host: '10.0.0.1', port: 2222, user: 'admin', knownHosts: '/kh'})
  })

  it.each([
    ['both forms', 'proxmox: { cluster: local, nodes: [{ name: a, host: local }] }', /proxmox\.cluster: both nodes and cluster are set[^]*fix: keep nodes:/],
    ['host beside nodes', 'proxmox: { host: local, nodes: [{ name: a, host: local }] }', /proxmox\.host: host is set beside nodes[^]*fix: move host into each node of nodes:/],
    ['an empty list', 'proxmox: { nodes: [] }', /proxmox\.nodes: expected a list of nodes/],
    ['a node without a name', 'proxmox: { nodes: [{ host: local }] }', /proxmox\.nodes\.0\.name: missing/],
    ['a name twice', 'proxmox: { nodes: [{ name: a, host: local }, { name: a, host: 10.0.0.2 }] }', /proxmox\.nodes\.1\.name: the node a is listed twice/],
    ['two local nodes', 'proxmox: { nodes: [{ name: a, host: local }, { name: b, host: local }] }', /proxmox\.nodes\.1\.host: two nodes are "local"/],
    ['a shell word as a node name', 'proxmox: { nodes: [{ name: "a;reboot", host: local }] }', /proxmox\.nodes\.0\.name: "a;reboot" is not a Proxmox node name/],
    ['a service node that is not a name', `proxmox: { host: local }\n${REST.replace('node: pve2', 'node: "$(reboot)"')}`, /services\.n8n\.node: .* is not a Proxmox node name/],
  ])('%s: a clear error naming the key', (_name, text, message) => {
    const full = text.includes('services:') ? text : `${text}\n${REST}`
    let error: unknown
    try {
      parseInventory(full, 'p.yaml')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(message)
  })
})
