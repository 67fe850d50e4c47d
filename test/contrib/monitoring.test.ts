import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {REPO} from '../helpers/processes.js'

/** The scheduling phoenix ships (contrib/): checked with the real tools that will read it. */
const CONTRIB = join(REPO, 'contrib')
const run = (cmd: string, args: string[], cwd = CONTRIB, env?: NodeJS.ProcessEnv) => {
  const r = spawnSync(cmd, args, {cwd, encoding: 'utf8', env: env ?? process.env})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('contrib/systemd: the service + timer pair', () => {
  // systemd-analyze verify needs no running systemd (PID 1 here is not systemd); scripts/setup.sh installs it.
  it('passes systemd-analyze verify with no warning (ExecStart pointed at this checkout\'s phoenix)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phoenix-units-'))
    try {
      // verify checks that ExecStart's program exists: the installed path is /usr/local/bin/phoenix.
      for (const unit of ['phoenix-check.service', 'phoenix-check.timer']) {
        const text = await readFile(join(CONTRIB, 'systemd', unit), 'utf8')
        await writeFile(join(dir, unit), text.replaceAll('/usr/local/bin/phoenix', join(REPO, 'bin/run.js')))
      }
      const r = run('systemd-analyze', ['verify', 'phoenix-check.timer', 'phoenix-check.service'], dir)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      // verify is real: a unit it cannot parse is reported.
      await writeFile(join(dir, 'phoenix-check.service'), (await readFile(join(dir, 'phoenix-check.service'), 'utf8')).replace('Type=oneshot', 'Type=bogus'))
      expect(run('systemd-analyze', ['verify', 'phoenix-check.service'], dir).stderr).toMatch(/Failed to parse service type/)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('runs check --all --format prometheus --textfile for node_exporter every minute, keys from EnvironmentFile=, results not failures', async () => {
    const service = await readFile(join(CONTRIB, 'systemd', 'phoenix-check.service'), 'utf8')
    expect(service).toMatch(/^ExecStart=\/usr\/local\/bin\/phoenix check --all --format prometheus --textfile \/var\/lib\/prometheus\/node-exporter$/m)
    expect(service).toMatch(/^EnvironmentFile=\/etc\/phoenix\/keys\.env$/m)
    expect(service).toMatch(/^SuccessExitStatus=1 2 3$/m)
    const timer = await readFile(join(CONTRIB, 'systemd', 'phoenix-check.timer'), 'utf8')
    expect(timer).toMatch(/^OnCalendar=minutely$/m)
    const next = run('systemd-analyze', ['calendar', '--iterations=2', 'minutely'])
    const times = [...next.stdout.matchAll(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g)].map((m) => Date.parse(m[0].replace(' ', 'T')))
    expect(times[1]! - times[0]!).toBe(60_000)
  })
})

describe('contrib/prometheus: the alert rules', () => {
  it('pass promtool check rules, and promtool test rules proves each fires on the metrics phoenix writes', () => {
    const check = run('promtool', ['check', 'rules', 'prometheus/phoenix-alerts.yml'])
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/)
    expect(check.code).toBe(0)
    const test = run('promtool', ['test', 'rules', 'phoenix-alerts.test.yml'], join(CONTRIB, 'prometheus'))
    expect(test.stdout + test.stderr).toMatch(/SUCCESS/)
    expect(test.code).toBe(0)
  })

  it('name only metrics phoenix writes', async () => {
    const rules = await readFile(join(CONTRIB, 'prometheus', 'phoenix-alerts.yml'), 'utf8')
    const source = await readFile(join(REPO, 'src/output/format-prometheus.ts'), 'utf8')
    const used = new Set(rules.match(/phoenix_[a-z_]+/g))
    for (const name of used) expect(source, name).toContain(`name: '${name}'`)
  })
})

describe('contrib/nagios and icinga2: the command definitions', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig([{name: 'n8n', kind: 'n8n', profile: 'n8n', runtime: 'docker', route: '/n8n/'}])
  })
  afterAll(async () => {
    await rig?.close()
  })

  it.each([['check_phoenix_all', ''], ['check_phoenix_service', 'n8n']])('%s\'s command_line, run as Nagios would, prints a PHOENIX status line, exit 0', async (name, arg) => {
    const cfg = await readFile(join(CONTRIB, 'nagios', 'phoenix.cfg'), 'utf8')
    const line = new RegExp(`command_name\\s+${name}\\n\\s+command_line\\s+(.+)`).exec(cfg)![1]!
    const argv = line.replace('$ARG1$', arg).trim().split(/\s+/)
    expect(argv[0]).toBe('/usr/local/bin/phoenix')
    const r = run(process.execPath, [join(REPO, 'bin/run.js'), ...argv.slice(1), '--config', rig.configFile], REPO, rig.env)
    expect(r.stdout).toMatch(/^PHOENIX OK - \d+ of \d+ services? ok \| /)
    expect(r.code).toBe(0)
  })

  it('the Icinga 2 CheckCommand asks for --format nagios and takes the keys from the environment, not arguments', async () => {
    const conf = await readFile(join(CONTRIB, 'icinga2', 'phoenix.conf'), 'utf8')
    expect(conf).toMatch(/"--format" = \{ value = "nagios" \}/)
    expect(conf).not.toMatch(/API_KEY/)
  })
})
