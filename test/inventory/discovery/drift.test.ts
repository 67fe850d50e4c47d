import {describe, expect, it} from 'vitest'

import {compareEstate} from '../../../src/inventory/discovery/drift.js'
import type {Estate, FoundService} from '../../../src/inventory/discovery/estate.js'
import {parseInventory} from '../../../src/inventory/load.js'

const INVENTORY = `proxmox: { host: local }
gateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }
services:
  ollama:
    kind: ollama
    ctid: 955
    address: 10.0.0.155
    port: 11434
    runtime: { systemd: ollama }
  n8n: { kind: n8n, ctid: 954, address: 10.0.0.154, port: 5678, route: /n8n/ }
  qdrant: { kind: qdrant, ctid: 952, address: 10.0.0.152, port: 6333 }
  gone: { kind: ollama, ctid: 990, address: 10.0.0.190, port: 11434 }
  web: { kind: http, ctid: 960, address: 10.0.0.160, port: 8080 }
`

const found = (name: string, kind: FoundService['kind']['value'], ctid: number, address: string, port: number, extra: Partial<FoundService> = {}): FoundService => ({
  name,
  kind: {value: kind, how: 'GET /'},
  ctid: {value: ctid, how: `pct list: CT ${ctid}`},
  address: {value: address, how: `pct config ${ctid}: net0 ip=`},
  port: {value: port, how: `ss in CT ${ctid}`},
  todo: [],
  ...extra,
})

describe('inventory diff', () => {
  const estate: Estate = {
    host: 'local',
    gateway: {ctid: {value: 101, how: 'CT 101 runs nginx'}, address: {value: '10.0.0.153', how: 'pct config 101'}, url: {value: 'http://10.0.0.153', how: 'nginx -T'}, todo: []},
    services: [
      // Renumbered: the same unit in CT 914, at a new address.
      found('ollama', 'ollama', 914, '10.0.0.160', 11434, {runtime: {value: {systemd: 'ollama'}, how: 'systemctl list-units in CT 914'}}),
      // Its port moved, its route renamed.
      found('n8n', 'n8n', 954, '10.0.0.154', 5679, {route: {value: '/automation/', how: 'nginx -T: location /automation/'}}),
      found('qdrant', 'qdrant', 952, '10.0.0.152', 6333),
      found('granite', 'vllm', 801, '10.0.0.141', 8000),
    ],
    notes: [],
  }
  const drift = compareEstate(parseInventory(INVENTORY, 'phoenix.yaml'), estate, INVENTORY)

  it('names each difference with the line to change, the value on each side and how the estate\'s was found', () => {
    expect(drift.differences).toEqual([
      {key: 'services.ollama.ctid', line: 6, inventory: '955', estate: '914', how: 'pct list: CT 914'},
      {key: 'services.ollama.address', line: 7, inventory: '10.0.0.155', estate: '10.0.0.160', how: 'pct config 914: net0 ip='},
      {key: 'services.n8n.port', line: 10, inventory: '5678', estate: '5679', how: 'ss in CT 954'},
      {key: 'services.n8n.route', line: 10, inventory: '/n8n/', estate: '/automation/', how: 'nginx -T: location /automation/'},
      {key: 'gateway.ctid', line: 2, inventory: '953', estate: '101', how: 'CT 101 runs nginx'},
    ])
  })

  it('a service no CT runs is missing; a running one the inventory lacks is unlisted', () => {
    expect(drift.missing).toEqual([{service: 'gone', summary: 'no running CT serves ollama on port 11434 at CT 990 or 10.0.0.190 (discovery on local)'}])
    expect(drift.unlisted).toEqual([{name: 'granite', kind: 'vllm', ctid: 801, port: 8000}])
    // Discovery cannot tell a generic HTTP service: not compared, and said so.
    expect(drift.unchecked).toEqual(['web'])
  })

  it('an inventory that matches has nothing to say', () => {
    const same: Estate = {...estate, gateway: {...estate.gateway!, ctid: {value: 953, how: ''}}, services: [found('ollama', 'ollama', 955, '10.0.0.155', 11434, {runtime: {value: {systemd: 'ollama'}, how: ''}}), found('n8n', 'n8n', 954, '10.0.0.154', 5678, {route: {value: '/n8n/', how: ''}}), found('qdrant', 'qdrant', 952, '10.0.0.152', 6333), found('gone', 'ollama', 990, '10.0.0.190', 11434)]}
    expect(compareEstate(parseInventory(INVENTORY, 'phoenix.yaml'), same, INVENTORY)).toEqual({differences: [], missing: [], unlisted: [], unchecked: ['web']})
  })
})
