import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RoutesReport} from '../../src/cli/gateway-routes.js'
import type {Report} from '../../src/diagnosis/report.js'
import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {REPO} from '../helpers/processes.js'

/** Runs phoenix in-process (the built dist), as a user would from a shell. */
async function phoenix(args: string[]) {
  const {stdout, stderr, error} = await runCommand(args, {root: REPO})
  return {stdout, stderr, code: error?.oclif?.exit ?? 0, error}
}

describe('phoenix check / diag / services against the loopback rig', () => {
  let rig: Rig
  const savedEnv = {...process.env}
  beforeAll(async () => {
    rig = await startRig([
      {name: 'n8n', kind: 'n8n', profile: 'n8n', runtime: 'docker', route: '/n8n/'},
      {name: 'ollama', kind: 'ollama', profile: 'ollama', runtime: 'systemd', route: '/ollama/', extraArgs: ['--model', 'llama3.2:latest']},
      {name: 'qdrant', kind: 'qdrant', profile: 'qdrant', runtime: 'docker', route: '/qdrant/'},
    ])
    Object.assign(process.env, rig.env)
  })
  afterAll(async () => {
    process.env = savedEnv
    await rig?.close()
  })

  it('services lists the inventory without touching the network', async () => {
    const {stdout, code} = await phoenix(['services', '--config', rig.configFile, '--json'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).services.map((s: {name: string}) => s.name)).toEqual(['n8n', 'ollama', 'qdrant'])
  })

  it('check --json exits 0 with the report when every service is healthy', async () => {
    const {stdout, code} = await phoenix(['check', 'n8n', 'ollama', 'qdrant', '--config', rig.configFile, '--json'])
    const report = JSON.parse(stdout) as Report
    expect(report.schemaVersion).toBe(1)
    expect(report.services.map((s) => [s.name, s.status, s.verdict.layer, s.verdict.cause])).toEqual([
      ['n8n', 'pass', null, 'healthy'],
      ['ollama', 'pass', null, 'healthy'],
      ['qdrant', 'pass', null, 'healthy'],
    ])
    expect(report.services[0]!.layers.map((l) => l.layer)).toEqual(['service', 'host', 'gateway', 'client'])
    expect(report.services[0]!.layers[2]!.checks.map((c) => c.id)).toEqual(['gateway.ct', 'gateway.tcp', 'gateway.http', 'gateway.route'])
    expect(code).toBe(0)
  })

  it('check --all adds the gateway itself: the rig\'s bare nginx passes but warns on hardening (exit 1)', async () => {
    const {stdout, code} = await phoenix(['check', '--all', '--config', rig.configFile, '--json'])
    const report = JSON.parse(stdout) as Report
    const gateway = report.services.find((s) => s.name === 'gateway')!
    expect(report.services.map((s) => s.name)).toEqual(['n8n', 'ollama', 'qdrant', 'gateway'])
    expect(gateway.layers.map((l) => l.layer)).toEqual(['service', 'host', 'client'])
    expect(gateway.verdict).toMatchObject({layer: 'service', cause: 'hardening_weak'})
    const checks = Object.fromEntries(gateway.layers[0]!.checks.map((c) => [c.id, c.status]))
    expect(checks).toMatchObject({'service.runtime': 'pass', 'service.config': 'pass', 'service.routes': 'pass', 'service.hardening': 'warn'})
    expect(gateway.verdict.hints.map((h) => h.text).join('\n')).toMatch(/server_tokens off;.*nginx\.conf/)
    expect(code).toBe(1)
  })

  it('a report bigger than a pipe\'s buffer reaches a reader whole, even when phoenix exits non-zero', async () => {
    // A real pipe to a reader that is slow to start, as `phoenix check --all --json | jq` in cron on a busy host.
    const pipeline = `set -o pipefail; "${process.execPath}" bin/run.js check --all --deep --json --config "${rig.configFile}" | (sleep 1; cat)`
    const {stdout, code} = await new Promise<{stdout: string; code: number | null}>((resolve) => {
      const child = spawn('bash', ['-c', pipeline], {cwd: REPO, env: rig.env, stdio: ['ignore', 'pipe', 'ignore']})
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
      child.once('close', (exit) => resolve({stdout: out, code: exit}))
    })
    // Well past the 64 KiB a pipe holds: the bug this guards against cut the report there.
    expect(stdout.length, `${stdout.length} bytes`).toBeGreaterThan(65_536)
    expect((JSON.parse(stdout) as Report).services).toHaveLength(4)
    expect(code).toBe(1)
  })

  it('gateway routes lines up nginx\'s loaded routes with the inventory', async () => {
    const {stdout, code} = await phoenix(['gateway', 'routes', '--config', rig.configFile, '--json'])
    const report = JSON.parse(stdout) as RoutesReport
    expect(report.test.ok).toBe(true)
    expect(report.routes.map((r) => [r.route.location.path, r.service, r.match?.status])).toEqual([
      ['/n8n/', 'n8n', 'pass'],
      ['/ollama/', 'ollama', 'pass'],
      ['/qdrant/', 'qdrant', 'pass'],
    ])
    expect(report.routes[0]!.route.location.file).toBe(join(rig.dir, 'nginx', 'nginx.conf'))
    expect(code).toBe(0)
  })

  it('a stopped service exits 2, names the service layer and the fix for its CT', async () => {
    await rig.stopService('ollama')
    try {
      const {stdout, code} = await phoenix(['check', '--all', '--config', rig.configFile, '--json'])
      const report = JSON.parse(stdout) as Report
      const ollama = report.services.find((s) => s.name === 'ollama')!
      expect(code).toBe(2)
      expect(report.status).toBe('fail')
      expect(ollama.verdict).toMatchObject({layer: 'service', cause: 'service_down'})
      expect(ollama.verdict.hints.map((h) => h.command)).toContain('pct exec 961 -- systemctl restart ollama')
      expect(report.services.find((s) => s.name === 'n8n')!.status).toBe('pass')

      const diag = await phoenix(['diag', 'ollama', '--config', rig.configFile])
      expect(diag.code).toBe(2)
      expect(diag.stdout).toContain('verdict: service / service_down')
      expect(diag.stdout).toContain('$ pct exec 961 -- systemctl restart ollama')
    } finally {
      await rig.startService('ollama')
    }
  })

  it('a stopped CT is named as such', async () => {
    await writeFile(join(rig.dir, 'ct962.stopped'), '')
    try {
      const {stdout, code} = await phoenix(['diag', 'qdrant', '--config', rig.configFile, '--json', '--layer', 'service'])
      expect(code).toBe(2)
      expect(JSON.parse(stdout).services[0].verdict).toMatchObject({layer: 'service', cause: 'container_stopped'})
    } finally {
      await import('node:fs/promises').then((fs) => fs.rm(join(rig.dir, 'ct962.stopped')))
    }
  })

  it('--layer client runs only the client layer', async () => {
    const {stdout, code} = await phoenix(['check', 'n8n', '--layer', 'client', '--config', rig.configFile, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as Report
    expect(report.services[0]!.layers.map((l) => l.layer)).toEqual(['client'])
  })

  it.each([
    [['diag', 'olama'], /no service "olama".*Did you mean "ollama"\?/],
    [['check', '--timeout', 'soon'], /--timeout soon: expected a duration/],
  ])('bad input %j exits 64 with one clear paragraph', async (args, message) => {
    const {stderr, code} = await phoenix([...args, '--config', rig.configFile])
    expect(code).toBe(64)
    expect(stderr).toMatch(message)
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('a broken config exits 64 naming the file, line and key', async () => {
    const bad = join(rig.dir, 'bad.yaml')
    await writeFile(bad, 'proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.1, url: http://127.0.0.1 }\nservices:\n  x: { kind: http, ctid: 960, address: 127.0.0.1, port: 1, runtime: { systemd: "a;b" } }\n')
    const {stderr, code} = await phoenix(['check', '--config', bad])
    expect(code).toBe(64)
    expect(stderr).toContain(`${bad}:4: services.x.runtime.systemd: "a;b" is not a systemd unit name`)
  })
})
