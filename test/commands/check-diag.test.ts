import {execFileSync, spawn} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditReport} from '../../src/run/gateway-audit.js'
import type {RoutesReport} from '../../src/run/gateway-routes.js'
import type {Report} from '../../src/model/report.js'
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

  it('check --all adds the gateway itself: the rig\'s bare nginx is healthy (exit 0); its hardening is audit\'s, not check\'s', async () => {
    const {stdout, code} = await phoenix(['check', '--all', '--config', rig.configFile, '--json'])
    const report = JSON.parse(stdout) as Report
    const gateway = report.services.find((s) => s.name === 'gateway')!
    expect(report.services.map((s) => s.name)).toEqual(['n8n', 'ollama', 'qdrant', 'gateway'])
    expect(gateway.layers.map((l) => l.layer)).toEqual(['service', 'host', 'client'])
    expect(gateway.verdict).toMatchObject({layer: null, cause: 'healthy'})
    const checks = Object.fromEntries(gateway.layers[0]!.checks.map((c) => [c.id, c.status]))
    expect(checks).toMatchObject({'service.runtime': 'pass', 'service.config': 'pass', 'service.routes': 'pass', 'service.certificates': 'pass'})
    expect(checks['service.hardening']).toBeUndefined()
    expect(code).toBe(0)
  })

  it('diag gateway still shows the hardening, with the line that fixes each practice', async () => {
    const {stdout, code} = await phoenix(['diag', 'gateway', '--config', rig.configFile, '--json'])
    const gateway = (JSON.parse(stdout) as Report).services[0]!
    expect(gateway.verdict).toMatchObject({layer: 'service', cause: 'hardening_weak'})
    expect(gateway.verdict.hints.map((h) => h.text).join('\n')).toMatch(/server_tokens off;.*nginx\.conf/)
    expect(code).toBe(1)
  })

  it('audit reports the hardening on its own: findings with file and line, exit 1; --json', async () => {
    const {stdout, code} = await phoenix(['audit', '--config', rig.configFile, '--json'])
    const report = JSON.parse(stdout) as AuditReport
    expect(report.status).toBe('warn')
    expect(report.findings.find((f) => f.id === 'server_tokens')).toMatchObject({file: join(rig.dir, 'nginx', 'nginx.conf'), line: 3, fix: expect.stringContaining('server_tokens off;')})
    expect([...new Set(report.findings.map((f) => f.id))]).toEqual(['server_tokens', 'tls_missing', 'x_frame_options', 'x_content_type_options', 'csp', 'rate_limit', 'auth_missing'])
    expect(code).toBe(1)
    const human = await phoenix(['audit', '--config', rig.configFile])
    expect(human.stdout).toMatch(/^! server_tokens +nginx sends its version .*nginx\.conf:3\)$/m)
    // The rig's own nginx.conf (gateway.nginxConf) is the one tested before the reload.
    expect(human.stdout).toMatch(/^\d+ hardening practice\(s\) missing; after the fixes: pct exec 953 -- sh -c 'nginx -c \/tmp\/\S+\/nginx\.conf -t && systemctl reload nginx'$/m)
  })

  it('an expired certificate in the config nginx loads is critical: check exits 2 naming the file and its dates', async () => {
    const conf = join(rig.dir, 'nginx', 'nginx.conf')
    const original = await readFile(conf, 'utf8')
    const cert = join(rig.dir, 'old.crt')
    const key = join(rig.dir, 'old.key')
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', `${cert}.csr`, '-subj', '/CN=old.test'], {stdio: 'ignore'})
    execFileSync('openssl', ['x509', '-req', '-in', `${cert}.csr`, '-signkey', key, '-days', '-1', '-out', cert], {stdio: 'ignore'})
    // nginx -t and -T read the file again on each run; the running nginx is left as it is.
    await writeFile(conf, original.replace(/\n}\n$/, `\n  server { listen 127.0.0.1:1 ssl; server_name old.test; ssl_certificate ${cert}; ssl_certificate_key ${key}; location / { return 204; } }\n}\n`))
    try {
      const {stdout, code} = await phoenix(['check', 'gateway', '--config', rig.configFile, '--json'])
      const gateway = (JSON.parse(stdout) as Report).services[0]!
      expect(gateway.verdict).toMatchObject({layer: 'service', cause: 'cert_expired'})
      expect(gateway.verdict.evidence.join('\n')).toMatch(new RegExp(`${cert}: notBefore 20.*, notAfter 20.* \\(expired .* ago\\)`))
      expect(gateway.verdict.hints[0]!.command).toBe(`pct exec 953 -- ls -l --time-style=full-iso ${cert}`)
      expect(code).toBe(2)
    } finally {
      await writeFile(conf, original)
    }
  })

  it('a report bigger than a pipe\'s buffer reaches a reader whole, even when phoenix exits non-zero', async () => {
    // A real pipe to a reader that is slow to start, as `phoenix check --all --json | jq` in cron on
    // a busy host; a stopped service makes phoenix exit non-zero (process.exit), which cut the pipe.
    await rig.stopService('ollama')
    try {
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
      expect(code).toBe(2)
    } finally {
      await rig.startService('ollama')
    }
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

  it('gateway routes, when nginx never ran (its CT is stopped), says what happened, not "nginx -t fails"; exit 3', async () => {
    await writeFile(join(rig.dir, 'ct953.stopped'), '')
    try {
      const json = await phoenix(['gateway', 'routes', '--config', rig.configFile, '--json'])
      expect(JSON.parse(json.stdout)).toMatchObject({unread: expect.stringMatching(/^could not read nginx's config in CT 953: .*stopped/), routes: []})
      expect(json.code).toBe(3)
      const human = await phoenix(['gateway', 'routes', '--config', rig.configFile])
      expect(human.stdout).toMatch(/could not read nginx's config in CT 953: /)
      expect(human.stdout).not.toMatch(/nginx -t fails/)
      const audit = await phoenix(['audit', '--config', rig.configFile, '--json'])
      expect(JSON.parse(audit.stdout)).toMatchObject({status: 'unknown', unread: expect.stringMatching(/^could not read nginx's config in CT 953: /)})
      expect(audit.code).toBe(3)
    } finally {
      await import('node:fs/promises').then((fs) => fs.rm(join(rig.dir, 'ct953.stopped')))
    }
  })

  it('without pct here, a host that cannot reach the CT is not network_blocked: unknown, exit 3, and the one-liner says pct is missing', async () => {
    // The service's address as this machine cannot reach it (nothing listens on 127.0.0.2), and pct
    // off PATH: a workstation, or a host where phoenix runs without root's PATH.
    const config = join(rig.dir, 'no-pct.yaml')
    await writeFile(config, (await readFile(rig.configFile, 'utf8')).replace(/(ollama: \{ kind: ollama, ctid: \d+, address: )127\.0\.0\.1/, '$1127.0.0.2'))
    const path = rig.env.PATH!.split(':').filter((d) => !d.endsWith('rig-shims') && d !== join(rig.dir, 'bin')).join(':')
    const env = {...rig.env, PATH: path}
    const run = (args: string[]) => new Promise<{stdout: string; code: number | null}>((resolve) => {
      const child = spawn(process.execPath, ['bin/run.js', ...args, '--config', config], {cwd: REPO, env, stdio: ['ignore', 'pipe', 'ignore']})
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
      child.once('close', (exit) => resolve({stdout: out, code: exit}))
    })
    const json = await run(['check', 'ollama', '--json'])
    const ollama = (JSON.parse(json.stdout) as Report).services[0]!
    expect(ollama.layers.find((l) => l.layer === 'host')!.status).toBe('fail')
    expect(ollama).toMatchObject({status: 'unknown', verdict: {layer: 'service', cause: 'vantage_unreachable'}})
    // Said once: the cause's hint, not again by the batch that could not start pct.
    expect(ollama.verdict.hints.filter((h) => /run phoenix on the Proxmox host as root, or set proxmox\.host/.test(h.text))).toHaveLength(1)
    expect(json.code).toBe(3)
    const human = await run(['check', 'ollama'])
    expect(human.stdout).toMatch(/^\? ollama +unknown +CT 961 +service\/vantage_unreachable +CT 961: pct is not installed here \(not on PATH\)$/m)
    expect(human.code).toBe(3)
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
