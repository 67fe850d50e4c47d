import {describe, expect, it} from 'vitest'

import {agentEnabled, configAddress, parseGuestConfig, parsePctList, parseQmList} from '../../../src/inventory/discovery/proxmox-lists.js'

/**
 * The host's CLIs as they print: pve-container's `pct list` (printf "%-10s %-10s %-12s %-20s\n" of
 * VMID Status Lock Name, src/PVE/CLI/pct.pm) and `pct config` (sorted "key: value", then the raw
 * lxc.* lines); qemu-server's `qm list` (printf "%10s %-20s %-10s %-10s %12.2f %-10s\n",
 * src/PVE/CLI/qm.pm) and `qm config`.
 */
describe('pct list', () => {
  it('reads each CT, with and without a lock', () => {
    const out = [
      `${'VMID'.padEnd(10)} ${'Status'.padEnd(10)} ${'Lock'.padEnd(12)} ${'Name'.padEnd(20)}`,
      `${'101'.padEnd(10)} ${'running'.padEnd(10)} ${''.padEnd(12)} ${'Nginx-Phoenix'.padEnd(20)}`,
      `${'914'.padEnd(10)} ${'stopped'.padEnd(10)} ${'backup'.padEnd(12)} ${'ollama-gpu0'.padEnd(20)}`,
      '',
    ].join('\n')
    expect(parsePctList(out)).toEqual([
      {id: 101, type: 'ct', status: 'running', name: 'Nginx-Phoenix'},
      {id: 914, type: 'ct', status: 'stopped', name: 'ollama-gpu0'},
    ])
  })

  it('prints nothing at all on a host without CTs', () => {
    expect(parsePctList('')).toEqual([])
  })
})

describe('qm list', () => {
  it('reads each VM from the right-aligned VMID column', () => {
    const out = [
      `${'VMID'.padStart(10)} ${'NAME'.padEnd(20)} ${'STATUS'.padEnd(10)} ${'MEM(MB)'.padEnd(10)} ${'BOOTDISK(GB)'.padStart(12)} ${'PID'.padEnd(10)}`,
      `${'1001'.padStart(10)} ${'Portainer'.padEnd(20)} ${'running'.padEnd(10)} ${'8192'.padEnd(10)} ${'32.00'.padStart(12)} ${'2811'.padEnd(10)}`,
      `${'1002'.padStart(10)} ${'drphoenix'.padEnd(20)} ${'stopped'.padEnd(10)} ${'4096'.padEnd(10)} ${'64.00'.padStart(12)} ${'0'.padEnd(10)}`,
    ].join('\n')
    expect(parseQmList(out)).toEqual([
      {id: 1001, type: 'vm', name: 'Portainer', status: 'running'},
      {id: 1002, type: 'vm', name: 'drphoenix', status: 'stopped'},
    ])
  })
})

describe('pct config and qm config', () => {
  it("reads a CT's address from net0's ip=", () => {
    const config = parseGuestConfig([
      'arch: amd64', 'cores: 6', 'features: nesting=1', 'hostname: granite-embedding', 'memory: 72000',
      'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=52:54:00:67:89:A1,ip=10.0.0.141/24,type=veth',
      'ostype: ubuntu', 'rootfs: quickOS-lxc-disks:subvol-801-disk-0,size=128G', 'swap: 512', 'unprivileged: 1',
      'lxc.apparmor.profile: unconfined', 'lxc.cgroup2.devices.allow: c 195:* rwm', '',
    ].join('\n'))
    expect(config.get('hostname')).toBe('granite-embedding')
    expect(config.get('lxc.apparmor.profile')).toBe('unconfined')
    expect(configAddress(config)).toEqual({address: '10.0.0.141', key: 'net0'})
  })

  it('a CT on DHCP has no address in its config', () => {
    expect(configAddress(parseGuestConfig('net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:2A:4B:5C,ip=dhcp,type=veth\n'))).toBeUndefined()
  })

  it("reads a VM's cloud-init address and whether its guest agent is enabled; a snapshot section is not the config", () => {
    const config = parseGuestConfig([
      'agent: 1', 'boot: order=scsi0', 'cores: 4', 'ipconfig0: ip=10.0.0.102/24,gw=10.0.0.1', 'memory: 4096', 'name: drphoenix',
      'net0: virtio=BC:24:11:8E:21:7F,bridge=vmbr0,firewall=1', 'scsi0: quickOS-vm-disks:vm-1002-disk-0,size=64G', '',
      '[before-upgrade]', 'agent: 0', 'ipconfig0: ip=10.0.0.99/24',
    ].join('\n'))
    expect(configAddress(config)).toEqual({address: '10.0.0.102', key: 'ipconfig0'})
    expect(agentEnabled(config)).toBe(true)
  })

  it.each([['agent: 1', true], ['agent: 0', false], ['agent: enabled=1,fstrim_cloned_disks=1', true], ['agent: 1,type=virtio', true], ['agent: enabled=0', false], ['cores: 2', false]])('%s: agent enabled %s', (line, enabled) => {
    expect(agentEnabled(parseGuestConfig(line))).toBe(enabled)
  })
})
