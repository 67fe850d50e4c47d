import {spawn} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'
import {REPO} from '../helpers/processes.js'

/** check --wait / diag --watch: rerun until healthy after a fix, showing only what changed. */
describe('--wait DURATION and diag --watch against the loopback rig', () => {
  let rig: Rig
  const phoenix = (args: string[]) => runPhoenix([...args, '--config', rig.configFile], {env: rig.env, hangGuardMs: 90_000})
  beforeAll(async () => {
    rig = await startRig([
      {name: 'n8n', kind: 'n8n', profile: 'n8n', runtime: 'docker', route: '/n8n/'},
      {name: 'ollama', kind: 'ollama', profile: 'ollama', runtime: 'systemd', route: '/ollama/', extraArgs: ['--model', 'llama3.2:latest']},
    ])
  })
  afterAll(async () => {
    await rig?.close()
  })

  it('a fix during the wait: the first report whole, then only the change, then "healthy", exit 0', async () => {
    await rig.stopService('ollama')
    const child = spawn(process.execPath, ['bin/run.js', 'check', 'n8n', 'ollama', '--wait', '60s', '--config', rig.configFile], {cwd: REPO, env: rig.env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
    const guard = setTimeout(() => child.kill('SIGKILL'), 80_000)
    // Started once: a second start would replace the rig's handle on the first emulator, which
    // then outlived the suite (one stray ollama per run).
    let restarted = false
    try {
      await expect.poll(() => out, {timeout: 30_000, interval: 100}).toMatch(/rerunning until healthy, for up to 60\.0 s/)
      restarted = true
      await rig.startService('ollama')
      expect(await exited).toBe(0)
    } finally {
      clearTimeout(guard)
      if (!restarted) await rig.startService('ollama').catch(() => {})
    }
    const [first, rest = ''] = out.split(/rerunning until healthy.*\n/)
    expect(first).toMatch(/^✖ ollama +fail +CT 961 +service\/service_down/m)
    // A run may land while the restarted emulator is up but not listening yet (not_listening): a
    // real state between the two, shown as its own change. From service_down, to healthy at the end.
    expect(rest).toMatch(/^\d\d:\d\d:\d\d ollama: .*verdict service\/service_down → (healthy|service\/\w+)$/m)
    expect(rest).toMatch(/^\d\d:\d\d:\d\d ollama: service \w+ → pass(, \w+ \w+ → \w+)*; verdict service\/\w+ → healthy$/m)
    // Only what changed: n8n stayed healthy and is not repeated.
    expect(rest).not.toMatch(/n8n/)
    expect(rest.trimEnd().split('\n').at(-1)).toMatch(/^healthy after \d+ runs \([\d.]+ m?s\)$/)
  }, 90_000)

  it('no fix: reruns until the wait ends, says so, and exits with the last run\'s code', async () => {
    await rig.stopService('ollama')
    try {
      const run = await phoenix(['check', 'ollama', '--wait', '5s'])
      expect(run.code).toBe(2)
      expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^still not healthy after [2-9] runs \([\d.]+ s\): 1 critical$/)
      // Nothing changed between runs: nothing between the banner and the end line.
      expect(run.stdout).toMatch(/only changes are shown:\nstill not healthy/)

      const nagios = await phoenix(['diag', 'ollama', '--format', 'nagios', '--wait', '3s'])
      expect(nagios.code).toBe(2)
      expect(nagios.stdout.match(/^PHOENIX /gm)).toHaveLength(1)
    } finally {
      await rig.startService('ollama')
    }
  }, 60_000)

  it('already healthy: one run, no banner, exit 0; a bad --wait is a usage error; --watch and --wait do not go together', async () => {
    const ok = await phoenix(['check', 'n8n', '--wait', '30s'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).not.toMatch(/rerunning/)
    const bad = await phoenix(['check', 'n8n', '--wait', 'soon'])
    expect(bad.code).toBe(64)
    expect(bad.stderr).toMatch(/--wait soon: expected a duration/)
    const both = await phoenix(['diag', 'n8n', '--watch', '--wait', '1m'])
    expect(both.code).toBe(64)
  })
})
