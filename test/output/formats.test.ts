import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import prometheus from '../../src/output/format-prometheus.js'
import {FORMAT_NAMES} from '../../src/output/formats.js'
import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'

/** The real promtool (Debian's prometheus package; scripts/setup.sh installs it): its exit code and what it said. */
function promtool(args: string[], input?: string): {code: number | null; out: string} {
  const r = spawnSync('promtool', args, {input, encoding: 'utf8'})
  return {code: r.status, out: `${r.stdout}${r.stderr}`}
}

const PERFDATA = /^PHOENIX (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| (\S+=[\d.]+(s|%|B|c)?(;[\d.]*){0,4} ?)+$/

describe('--format: prometheus, nagios, junit, json against the loopback rig', () => {
  let rig: Rig
  let textDir: string
  const phoenix = (args: string[], env?: NodeJS.ProcessEnv) => runPhoenix([...args, '--config', rig.configFile], {env: env ?? rig.env, hangGuardMs: 60_000})
  beforeAll(async () => {
    rig = await startRig([
      {name: 'n8n', kind: 'n8n', profile: 'n8n', runtime: 'docker', route: '/n8n/'},
      {name: 'ollama', kind: 'ollama', profile: 'ollama', runtime: 'systemd', route: '/ollama/', extraArgs: ['--model', 'llama3.2:latest']},
    ])
    textDir = await mkdtemp(join(tmpdir(), 'phoenix-textfile-'))
  })
  afterAll(async () => {
    await rig?.close()
    if (textDir) await rm(textDir, {recursive: true, force: true})
  })

  it('the map is the flag: every format is one file, and --help lists them', async () => {
    expect(FORMAT_NAMES).toEqual(['human', 'json', 'prometheus', 'nagios', 'junit'])
    for (const name of FORMAT_NAMES) expect(existsSync(join('src/output', `format-${name}.ts`))).toBe(true)
    const help = await runPhoenix(['check', '--help'])
    expect(help.stdout).toMatch(/--format=<option>|--format=NAME/)
  })

  it('prometheus: passes the real promtool check metrics, with the conventional names; exit code as ever', async () => {
    const run = await phoenix(['check', '--all', '--format', 'prometheus'])
    expect(run.code).toBe(0)
    const lint = promtool(['check', 'metrics'], run.stdout)
    expect(lint.out).toBe('')
    expect(lint.code).toBe(0)
    expect(run.stdout).toContain('phoenix_up{service="n8n",layer="client"} 1\n')
    expect(run.stdout).toContain('phoenix_verdict{service="ollama",layer="none",cause="healthy"} 1\n')
    expect(run.stdout).toMatch(/^phoenix_check_duration_seconds\{service="n8n",check="client\.websocket"\} [\d.]+$/m)
    expect(run.stdout).toMatch(/^# TYPE phoenix_run_duration_seconds gauge\nphoenix_run_duration_seconds [\d.]+$/m)
    const stamp = Number(/^phoenix_last_run_timestamp_seconds ([\d.]+)$/m.exec(run.stdout)![1])
    expect(Math.abs(stamp - Date.now() / 1000)).toBeLessThan(120)
  })

  it('prometheus: a stopped service is phoenix_up 0 at its layer with its verdict; exit 2', async () => {
    await rig.stopService('ollama')
    try {
      const run = await phoenix(['check', '--all', '--format', 'prometheus'])
      expect(run.code).toBe(2)
      expect(promtool(['check', 'metrics'], run.stdout)).toEqual({code: 0, out: ''})
      expect(run.stdout).toContain('phoenix_up{service="ollama",layer="service"} 0\n')
      expect(run.stdout).toContain('phoenix_verdict{service="ollama",layer="service",cause="service_down"} 1\n')
      expect(run.stdout).toContain('phoenix_services{status="fail"} 1\n')

      const nagios = await phoenix(['check', '--all', '--format', 'nagios'])
      expect(nagios.code).toBe(2)
      const [first, ...details] = nagios.stdout.trimEnd().split('\n')
      expect(first).toMatch(/^PHOENIX CRITICAL - 1 of 3 services critical: ollama service\/service_down \| /)
      expect(first).toMatch(PERFDATA)
      expect(first).toMatch(/ ollama_time=[\d.]+s;2\.5;5;0;5 .*warning=0;0;;0;3 critical=1;;0;0;3 /)
      expect(details).toContain('OK: n8n (CT 960) healthy')
      expect(details.find((l) => l.startsWith('CRITICAL: ollama (CT 961) service/service_down - '))).toBeDefined()
      expect(details.join('\n')).not.toContain('|')
    } finally {
      await rig.startService('ollama')
    }
  })

  it('--textfile DIR writes DIR/phoenix.prom (promtool-clean), leaves no temporary file, prints nothing', async () => {
    const run = await phoenix(['check', '--all', '--textfile', textDir])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('')
    expect(await readdir(textDir)).toEqual(['phoenix.prom'])
    const text = await readFile(join(textDir, 'phoenix.prom'), 'utf8')
    expect(text).toMatch(/^phoenix_run_status 0$/m)
    expect(promtool(['check', 'metrics'], text)).toEqual({code: 0, out: ''})
    const bad = await phoenix(['check', '--all', '--textfile', join(textDir, 'missing', 'dir')])
    expect(bad.code).toBe(64)
    expect(bad.stderr).toMatch(/--textfile: cannot write .*missing\/dir\/phoenix\.prom/)
    const clash = await phoenix(['check', '--all', '--textfile', textDir, '--format', 'nagios'])
    expect(clash.code).toBe(3)
    expect(clash.stdout).toMatch(/^PHOENIX UNKNOWN - --textfile writes Prometheus metrics/)
  })

  it('nagios: OK with perfdata in every field, exit 0', async () => {
    const run = await phoenix(['check', '--all', '--format', 'nagios'])
    expect(run.code).toBe(0)
    const first = run.stdout.split('\n')[0]!
    expect(first).toMatch(/^PHOENIX OK - 3 of 3 services ok \| n8n_time=[\d.]+s;2\.5;5;0;5 ollama_time=[\d.]+s;2\.5;5;0;5 gateway_time=[\d.]+s;2\.5;5;0;5 ok=3;;;0;3 warning=0;0;;0;3 critical=0;;0;0;3 unknown=0;;;0;3 time=[\d.]+s;;;0$/)
  })

  it('nagios: WARNING exit 1 (diag of the gateway: its hardening)', async () => {
    const run = await phoenix(['diag', 'gateway', '--format', 'nagios'])
    expect(run.code).toBe(1)
    expect(run.stdout.split('\n')[0]).toMatch(/^PHOENIX WARNING - 1 of 1 service warning: gateway service\/hardening_weak \| /)
  })

  it('nagios: UNKNOWN exit 3 when phoenix cannot see (no pct here)', async () => {
    const path = rig.env.PATH!.split(':').filter((d) => !d.endsWith('rig-shims') && d !== join(rig.dir, 'bin')).join(':')
    const run = await phoenix(['check', 'n8n', '--format', 'nagios'], {...rig.env, PATH: path})
    expect(run.code).toBe(3)
    expect(run.stdout.split('\n')[0]).toMatch(/^PHOENIX UNKNOWN - 1 of 1 service unknown: n8n service\/vantage_unreachable \| /)
  })

  it.each([
    [['check', '--format', 'nagios', '--timeout', 'soon'], /^PHOENIX UNKNOWN - --timeout soon: expected a duration/],
    [['diag', 'olama', '--format', 'nagios'], /^PHOENIX UNKNOWN - no service "olama"/],
    [['check', '--format=nagios', '--bogus'], /^PHOENIX UNKNOWN - Nonexistent flag: --bogus/],
    [['check', '--format', 'nagios', '--config', '/nonexistent/phoenix.yaml'], /^PHOENIX UNKNOWN - /],
  ])('nagios: usage and config errors %j are UNKNOWN, exit 3, one line', async (args, line) => {
    const run = await phoenix(args)
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(line)
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1)
  })

  it('json: --format json is --json (schemaVersion 1); both at once with another format is a usage error', async () => {
    const [a, b] = await Promise.all([phoenix(['check', 'n8n', '--format', 'json']), phoenix(['check', 'n8n', '--json'])])
    const strip = (r: Report) => r.services.map((s) => [s.name, s.status, s.verdict.cause])
    expect(strip(JSON.parse(a.stdout) as Report)).toEqual(strip(JSON.parse(b.stdout) as Report))
    expect((JSON.parse(a.stdout) as Report).schemaVersion).toBe(1)
    const clash = await phoenix(['check', 'n8n', '--json', '--format', 'junit'])
    expect(clash.code).toBe(64)
    expect(JSON.parse(clash.stdout).error.message).toMatch(/--json and --format junit/)
    const bad = await phoenix(['check', 'n8n', '--format', 'json', '--timeout', 'soon'])
    expect(JSON.parse(bad.stdout).error).toMatchObject({kind: 'usage', exitCode: 64})
  })

  it('one root cause, not a cascade: the gateway CT stopped is said once, first, in human, JSON, Nagios and metrics', async () => {
    await writeFile(join(rig.dir, 'ct953.stopped'), '')
    try {
      const [human, json, nagios, metrics] = await Promise.all([
        // A generous deadline: four runs at once on a loaded machine once left two services unseen at 20 s.
        phoenix(['check', '--all', '--deadline', '45s']), phoenix(['check', '--all', '--json', '--deadline', '45s']),
        phoenix(['check', '--all', '--format', 'nagios', '--deadline', '45s']), phoenix(['check', '--all', '--format', 'prometheus', '--deadline', '45s']),
      ])
      expect(human.stdout.split('\n').slice(0, 2)).toEqual([
        '✖ root cause of 3 services (n8n, ollama, gateway): the gateway CT 953 is stopped: every route through it fails [gateway/gateway_ct_stopped]',
        '  → pct start 953',
      ])
      expect(human.stdout).toMatch(/^✖ n8n +fail +CT 960 +gateway\/gateway_ct_stopped /m)
      const report = JSON.parse(json.stdout) as Report
      expect(report.rootCauses).toMatchObject([{cause: 'gateway_ct_stopped', layer: 'gateway', scope: 'gateway CT 953', services: ['n8n', 'ollama', 'gateway']}])
      expect(report.services.map((s) => s.verdict.cause)).toEqual(['gateway_ct_stopped', 'gateway_ct_stopped', 'container_stopped'])
      expect(nagios.stdout.split('\n')[0]).toMatch(/^PHOENIX CRITICAL - root cause gateway\/gateway_ct_stopped \(gateway CT 953\) of 3 services; 3 of 3 services critical: n8n gateway\/gateway_ct_stopped, /)
      expect(nagios.stdout.split('\n')[1]).toBe('ROOT CAUSE: the gateway CT 953 is stopped: every route through it fails [gateway/gateway_ct_stopped] - explains n8n, ollama, gateway')
      expect(nagios.code).toBe(2)
      expect(metrics.stdout).toContain('phoenix_root_cause_services{cause="gateway_ct_stopped",layer="gateway",scope="gateway CT 953"} 3\n')
      expect(promtool(['check', 'metrics'], metrics.stdout)).toEqual({code: 0, out: ''})
    } finally {
      await rm(join(rig.dir, 'ct953.stopped'))
    }
    const healthy = JSON.parse((await phoenix(['check', '--all', '--json'])).stdout) as Report
    expect(healthy.rootCauses).toEqual([])
  })

  it('junit: one suite a service, a case a check; a failed check is a <failure>', async () => {
    await rig.stopService('ollama')
    try {
      const run = await phoenix(['check', '--all', '--format', 'junit'])
      expect(run.code).toBe(2)
      expect(run.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="phoenix" tests="\d+" failures="[1-9]\d*"/)
      expect(run.stdout).toMatch(/<testsuite name="ollama" tests="\d+" failures="[1-9]/)
      expect(run.stdout).toMatch(/<testcase classname="ollama" name="service\.runtime" time="[\d.]+"><failure message="[^"]+">/)
      expect(run.stdout).toContain('<property name="verdict" value="service/service_down: ')
      if (existsSync('/usr/bin/xmllint')) expect(() => execFileSync('xmllint', ['--noout', '-'], {input: run.stdout})).not.toThrow()
    } finally {
      await rig.startService('ollama')
    }
  })
})

describe('prometheus formatter (pure)', () => {
  it('escapes label values (backslash, quote, line feed) so promtool still parses them', async () => {
    const report: Report = {
      schemaVersion: 1, status: 'fail', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1500, inventory: 'x', layers: ['service'],
      services: [{name: 'we"ird\\name\nx', kind: 'http', ctid: 1, status: 'fail', layers: [{layer: 'service', status: 'fail', checks: [{id: 'service.http', status: 'fail', summary: 's', durationMs: 250}]}],
        verdict: {layer: 'service', cause: 'service_down', summary: 's', hints: [], evidence: []}}],
    }
    const text = prometheus.render(report, {command: 'check', colour: false, timeoutMs: 5000, slowMs: 1000})
    expect(text).toContain('phoenix_up{service="we\\"ird\\\\name\\nx",layer="service"} 0\n')
    expect(text).toContain('phoenix_last_run_timestamp_seconds 1767225601.5\n')
    const dir = await mkdtemp(join(tmpdir(), 'phoenix-prom-'))
    try {
      await writeFile(join(dir, 'x.prom'), text)
      expect(promtool(['check', 'metrics'], text)).toEqual({code: 0, out: ''})
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
