import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CAUSES} from '../../src/verdict/causes.js'
import type {CauseCode} from '../../src/verdict/causes.js'
import {hintsFor} from '../../src/verdict/hints.js'
import {ConfigError} from '../../src/inventory/errors.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory, ServiceDef} from '../../src/model/inventory.js'

/** Commands a hint may call; stubbed so that running a hint here touches nothing but the marker. */
const STUBS = ['journalctl', 'systemctl', 'docker', 'ollama', 'curl', 'nc', 'ss', 'openssl', 'getent', 'nginx', 'ssh', 'phoenix', 'nft', 'iptables', 'top', 'uptime']

describe('printed hints are safe to paste (D11, issue 9 item 4c)', () => {
  let dir: string
  let bin: string
  let marker: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-hints-'))
    bin = join(dir, 'bin')
    marker = join(dir, 'marker')
    mkdirSync(bin)
    mkdirSync(marker)
    for (const name of STUBS) writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n', {mode: 0o755})
    // pct exec N -- CMD... runs CMD here, as the real one runs it in the CT: what is inside is run too.
    writeFileSync(join(bin, 'pct'), '#!/bin/sh\n[ "$1" = exec ] || exit 0\nshift 2; [ "$1" = -- ] && shift\nexec "$@"\n', {mode: 0o755})
    chmodSync(join(bin, 'pct'), 0o755)
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  /** Values that would run `touch` if a hint left them unquoted, in every form sh knows. */
  const payloads = () => [
    `/h;touch$IFS${marker}/semicolon`,
    `/r/$(touch$IFS${marker}/dollar)/`,
    `/b/\`touch ${marker}/backtick\`/`,
    `/q/'$(touch ${marker}/quote)'/`,
    `/d/"; touch ${marker}/double; "/`,
    `/n/\ntouch ${marker}/newline\n`,
  ]

  /** A service and gateway carrying a payload in every field a hint prints (as if validation let it through). */
  function hostile(payload: string): {service: ServiceDef; inventory: Inventory} {
    const service: ServiceDef = {
      name: `svc${payload}`,
      kind: 'ollama',
      guest: {kind: 'ct', id: 954},
      address: `10.0.0.1${payload}`,
      port: 8080,
      runtime: {systemd: `unit${payload}`},
      health: payload,
      route: {path: payload, host: `h${payload}`},
      model: `m${payload}`,
      apiKeyEnv: `K${payload}`,
      dim: 3,
    }
    const inventory: Inventory = {
      source: 'test',
      proxmox: {mode: 'ssh', host: `pve${payload}`, port: 22, user: `root${payload}`, knownHosts: '/dev/null'},
      gateway: {guest: {kind: 'ct', id: 953}, address: '10.0.0.153', url: 'https://gw.lan:8443', errorLog: `/log${payload}`, unit: `nginx${payload}`, nginxConf: `/etc/nginx${payload}`},
      thresholds: {slowMs: 1000},
      services: [service],
    }
    return {service, inventory}
  }

  it('every hint of every cause, with a payload in every field, runs without running the payload', () => {
    const commands: string[] = []
    for (const payload of payloads()) {
      const {service, inventory} = hostile(payload)
      for (const kind of ['ollama', 'vllm', 'qdrant', 'n8n', 'http'] as const) {
        for (const runtime of [{systemd: `u${payload}`}, {docker: `c${payload}`}]) {
          const s = {...service, kind, runtime}
          for (const cause of Object.keys(CAUSES) as CauseCode[]) {
            for (const hint of hintsFor(cause, s, inventory)) if (hint.command) commands.push(hint.command)
          }
        }
      }
    }
    expect(commands.length).toBeGreaterThan(500)
    for (const command of new Set(commands)) {
      const syntax = spawnSync('sh', ['-n', '-c', command], {encoding: 'utf8'})
      expect(syntax.status, `${command}\n${syntax.stderr}`).toBe(0)
      spawnSync('sh', ['-c', command], {cwd: dir, env: {PATH: `${bin}:/usr/bin:/bin`, HOME: dir}, encoding: 'utf8', timeout: 5000})
      expect(readdirSync(marker), command).toEqual([])
    }
  })

  it.each([
    ['a health path with ;', 'health: "/h;touch$IFS/tmp/pwned"'],
    ['a route with $(…)', 'route: "/r/$(touch$IFS/tmp/pwned2)/"'],
    ['a route with a quote', `route: "/r/'x'/"`],
    ['a route with a space', 'route: "/r x/"'],
  ])('the D11 repro values are refused by the config rules: %s', (_what, field) => {
    const text = `proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.12, url: "http://127.0.0.12:8080" }\nservices:\n  web: { kind: http, ctid: 960, address: 127.0.0.12, port: 8080, ${field} }\n`
    expect(() => parseInventory(text, 'p.yaml')).toThrow(ConfigError)
  })

  it('paths that URLs need still pass', () => {
    const text = `proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.12, url: "http://127.0.0.12:8080" }\nservices:\n  web: { kind: http, ctid: 960, address: 127.0.0.12, port: 8080, health: "/health?ready=1&full=true", route: "/v1/api~x/%20a,b=c:d@e+f/" }\n`
    expect(parseInventory(text, 'p.yaml').services[0]).toMatchObject({health: '/health?ready=1&full=true', route: {path: '/v1/api~x/%20a,b=c:d@e+f/'}})
  })

  it('gateway hints use gateway.errorLog, gateway.unit and gateway.nginxConf; the TLS hint the URL\'s port (D18)', () => {
    const {service, inventory} = hostile('')
    const gw = {...inventory, gateway: {...inventory.gateway, errorLog: '/srv/nginx/err.log', unit: 'openresty', nginxConf: '/srv/nginx/nginx.conf'}}
    const text = (cause: CauseCode) => hintsFor(cause, service, gw).map((h) => h.command ?? '').join('\n')
    expect(text('upstream_error')).toContain('pct exec 953 -- tail -n 30 /srv/nginx/err.log')
    expect(text('gateway_down')).toContain('systemctl status openresty')
    expect(text('gateway_down')).toContain(`sh -c 'nginx -c /srv/nginx/nginx.conf -t && systemctl start openresty'`)
    expect(text('route_missing')).toContain('nginx -c /srv/nginx/nginx.conf -T')
    expect(text('gateway_tls')).toContain('openssl s_client -connect gw.lan:8443 ')
    expect(text('upstream_error') + text('gateway_down') + text('route_missing')).not.toMatch(/\/var\/log\/nginx|systemctl \w+ nginx\b/)
  })

  it('the gateway_tls hint shakes hands as the route\'s client did: its name as SNI, verified against gateway.ca (operators\' shape)', () => {
    const {service, inventory} = hostile('')
    const named = {...service, route: {host: 'ollama.internal.example', path: '/'}}
    const https = {...inventory, gateway: {...inventory.gateway, url: 'https://gateway.internal.example', ca: '/etc/ssl/lab ca.crt'}}
    const [hint] = hintsFor('gateway_tls', named, https)
    expect(hint?.command).toBe(`openssl s_client -connect gateway.internal.example:443 -servername ollama.internal.example -CAfile "/etc/ssl/lab ca.crt" -verify_return_error -showcerts </dev/null`)
    expect(hint?.text).toContain('for ollama.internal.example against gateway.ca')
    // Over plain http, or without a name, there is no SNI to give.
    const plain = hintsFor('gateway_tls', {...named, route: {path: '/ollama/'}}, https)[0]!.command!
    expect(plain).not.toContain('-servername')
  })

  it('the missing-key hint names the variable in its answer (it printed " is empty")', () => {
    const {service, inventory} = hostile('')
    const command = hintsFor('api_auth_failed', {...service, apiKeyEnv: 'PHR_KEY'}, inventory)[0]!.command!
    const run = (env: NodeJS.ProcessEnv) => spawnSync('sh', ['-c', command], {env: {PATH: '/usr/bin:/bin', ...env}, encoding: 'utf8'}).stdout.trim()
    expect(run({})).toBe('PHR_KEY is empty or not exported')
    expect(run({PHR_KEY: 'x'})).toBe('PHR_KEY is set')
  })
})
