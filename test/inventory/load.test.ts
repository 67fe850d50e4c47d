import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ConfigError, UsageError} from '../../src/inventory/errors.js'
import {findConfigFile, loadInventory, parseInventory} from '../../src/inventory/load.js'

const GOOD = `proxmox: { host: local }
gateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }
services:
  n8n:    { kind: n8n,    ctid: 954, address: 10.0.0.154, port: 5678,  runtime: { docker: n8n },     route: /n8n/ }
  ollama: { kind: ollama, ctid: 955, address: 10.0.0.155, port: 11434, runtime: { systemd: ollama }, route: /ollama/ }
  web:    { kind: http,   ctid: 960, address: 10.0.0.160, port: 8080,  health: /healthz,             route: /web/ }
  portainer: { kind: http, ctid: 961, address: 10.0.0.99, port: 9443, route: { host: portainer.phoenix.local, path: / } }
`

describe('inventory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-inv-'))
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('parses the documented keys', () => {
    const inv = parseInventory(GOOD, 'p.yaml')
    expect(inv.proxmox).toEqual({mode: 'local'})
    expect(inv.services.map((s) => s.name)).toEqual(['n8n', 'ollama', 'web', 'portainer'])
    expect(inv.services[0]).toMatchObject({kind: 'n8n', guest: {kind: 'ct', id: 954}, runtime: {docker: 'n8n'}, route: {path: '/n8n/'}})
    expect(inv.services[3]!.route).toEqual({host: 'portainer.phoenix.local', path: '/'})
    expect(inv.thresholds.slowMs).toBe(1000)
  })

  it('a service or the gateway in a VM: vmid: instead of ctid:', () => {
    const inv = parseInventory(GOOD.replace('gateway: { ctid: 953,', 'gateway: { vmid: 1001,').replace('ctid: 955,', 'vmid: 1002,'), 'p.yaml')
    expect(inv.gateway.guest).toEqual({kind: 'vm', id: 1001})
    expect(inv.services.map((s) => s.guest)).toEqual([{kind: 'ct', id: 954}, {kind: 'vm', id: 1002}, {kind: 'ct', id: 960}, {kind: 'ct', id: 961}])
  })

  it('gateway.renewEvery: how often the certificates are replaced, as milliseconds', () => {
    expect(parseInventory(GOOD.replace('url: http://10.0.0.153 }', 'url: http://10.0.0.153, renewEvery: 1h }'), 'p.yaml').gateway.renewEveryMs).toBe(3_600_000)
    expect(parseInventory(GOOD.replace('url: http://10.0.0.153 }', 'url: http://10.0.0.153, renewEvery: 60d }'), 'p.yaml').gateway.renewEveryMs).toBe(60 * 86_400_000)
    expect(parseInventory(GOOD, 'p.yaml').gateway.renewEveryMs).toBeUndefined()
  })

  it('resolves an SSH target with defaults and paths relative to the file', () => {
    const inv = parseInventory(GOOD.replace('{ host: local }', '{ host: pve.lan, identityFile: keys/id }'), '/etc/phoenix/p.yaml')
    expect(inv.proxmox).toMatchObject({mode: 'ssh', host: 'pve.lan', port: 22, user: 'root', identityFile: '/etc/phoenix/keys/id'})
  })

  it.each([
    ['YAML syntax error', GOOD.replace('kind: n8n,', 'kind: [n8n,'), /p\.yaml:\d+: YAML syntax error/],
    ['unknown key with a suggestion', GOOD.replace('port: 5678,', 'prot: 5678,'), /p\.yaml:4: services\.n8n\.prot: unknown key "prot"\. Did you mean "port"\?/],
    ['wrong type', GOOD.replace('port: 5678,', 'port: "many",'), /services\.n8n\.port: expected a whole number from 1 to 65535/],
    ['unknown kind', GOOD.replace('kind: ollama,', 'kind: olama,'), /services\.ollama\.kind: expected one of .*Did you mean "ollama"\?/],
    ['shell metacharacters in a unit name', GOOD.replace('systemd: ollama', 'systemd: "ollama; rm -rf /"'), /services\.ollama\.runtime\.systemd: "ollama; rm -rf \/" is not a systemd unit name/],
    ['shell metacharacters in a CT id', GOOD.replace('ctid: 954,', 'ctid: "954; reboot",'), /services\.n8n\.ctid: expected a whole number/],
    ['address that is not one', GOOD.replace('address: 10.0.0.154', 'address: "$(id)"'), /services\.n8n\.address: "\$\(id\)" is not an IPv4/],
    ['missing gateway', GOOD.replace(/gateway:.*\n/, ''), /gateway: missing/],
    ['both runtimes', GOOD.replace('{ docker: n8n }', '{ docker: n8n, systemd: n8n }'), /exactly one of systemd, docker or compose/],
    ['a CT and a VM at once', GOOD.replace('ctid: 954,', 'ctid: 954, vmid: 1002,'), /p\.yaml:4: services\.n8n\.vmid: both ctid and vmid are set[^]*fix: keep ctid: for a CT or vmid: for a VM, not both/],
    ['neither a CT nor a VM', GOOD.replace('ctid: 954, ', ''), /p\.yaml:4: services\.n8n\.ctid: missing[^]*fix: add ctid: 954 \(or vmid: 1002, for a VM\)/],
    ['a renewal interval that is not one', GOOD.replace('url: http://10.0.0.153 }', 'url: http://10.0.0.153, renewEvery: hourly }'), /p\.yaml:2: gateway\.renewEvery: "hourly" is not a renewal interval[^]*fix: write it as minutes, hours or days: 15m, 1h, 12h, 60d/],
    ['shell metacharacters in a VM id', GOOD.replace('ctid: 955,', 'vmid: "1002 && reboot",'), /services\.ollama\.vmid: expected a whole number/],
  ])('%s gets a clear error naming file, line and key', (_name, text, message) => {
    let error: unknown
    try {
      parseInventory(text, 'p.yaml')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).toContain('fix:')
  })

  it('looks up --config, then $PHOENIX_CONFIG, then the XDG file; without any, says how to make one (never a seed estate)', async () => {
    const xdg = join(dir, 'xdg')
    await writeFile(join(dir, 'flag.yaml'), GOOD)
    expect(findConfigFile(join(dir, 'flag.yaml'), {})).toBe(join(dir, 'flag.yaml'))
    expect(findConfigFile(undefined, {PHOENIX_CONFIG: join(dir, 'env.yaml')})).toBe(join(dir, 'env.yaml'))
    expect(findConfigFile(undefined, {XDG_CONFIG_HOME: xdg, HOME: dir})).toBeUndefined()
    // The seed topology was someone else's 10.0.0.x network: it is `phoenix init --example` now.
    expect(() => loadInventory(undefined, {XDG_CONFIG_HOME: xdg, HOME: dir})).toThrow(UsageError)
    expect(() => loadInventory(undefined, {XDG_CONFIG_HOME: xdg, HOME: dir})).toThrow(/^no inventory file \(--config, \$PHOENIX_CONFIG, .*phoenix\.yaml, .*xdg\/phoenix\/config\.yaml\)\n  fix: run phoenix init on the Proxmox host/)
    const found: string[] = []
    loadInventory(join(dir, 'flag.yaml'), {}, (w) => found.push(w))
    expect(found).toEqual([])
  })

  it('an unreadable config names the file', () => {
    expect(() => loadInventory(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: the config file cannot be read \(ENOENT\)/)
  })
})
