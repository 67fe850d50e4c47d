import {readFileSync, writeFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'

const KEY = 'rig-qdrant-key-0123456789'

/** A missing key is the run's problem, not an outage (issue 9 item 9). */
describe('an apiKeyEnv variable unset for the run', () => {
  let rig: Rig
  let config: string
  const saved = process.env.PHR_RIG_QKEY
  beforeAll(async () => {
    // The emulator reads its key from this variable when it starts.
    process.env.PHR_RIG_QKEY = KEY
    rig = await startRig([{name: 'qdrant', kind: 'qdrant', profile: 'qdrant', runtime: 'docker', route: '/qdrant/', extraArgs: ['--api-key-env', 'PHR_RIG_QKEY']}])
    config = `${rig.dir}/keyed.yaml`
    writeFileSync(config, readFileSync(rig.configFile, 'utf8').replace('route: /qdrant/ }', 'route: /qdrant/, apiKeyEnv: PHR_QKEY }'))
  })
  afterAll(async () => {
    if (saved === undefined) delete process.env.PHR_RIG_QKEY
    else process.env.PHR_RIG_QKEY = saved
    await rig?.close()
  })

  const check = async (key: string | undefined) => {
    const env = {...rig.env}
    delete env.PHR_QKEY
    if (key !== undefined) env.PHR_QKEY = key
    const run = await runPhoenix(['check', 'qdrant', '--json', '--config', config], {env})
    return {code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr}
  }

  it('unset: UNKNOWN (exit 3) naming the variable and how to set it for cron and systemd, not api_auth_failed', async () => {
    const {code, report} = await check(undefined)
    const v = report.services[0]!.verdict
    expect([report.services[0]!.status, v.cause]).toEqual(['unknown', 'api_key_unset'])
    expect(v.evidence.join('\n')).toContain('$PHR_QKEY not set for this run')
    expect(v.hints.map((h) => h.text).join('\n')).toMatch(/EnvironmentFile=.*PHR_QKEY=/)
    expect(v.hints[0]!.command).toBe(`test -n "$(printenv PHR_QKEY)" && echo 'PHR_QKEY is set' || echo 'PHR_QKEY is empty or not exported'`)
    expect(code).toBe(3)
  })

  it('set and refused: CRITICAL api_auth_failed (exit 2)', async () => {
    const {code, report} = await check('not-the-key')
    expect([report.services[0]!.status, report.services[0]!.verdict.cause]).toEqual(['fail', 'api_auth_failed'])
    expect(code).toBe(2)
  })

  it('set and right: healthy (exit 0)', async () => {
    const {code, report} = await check(KEY)
    expect(report.services[0]!.verdict.cause).toBe('healthy')
    expect(code).toBe(0)
  })
})
