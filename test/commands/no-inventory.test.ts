import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runPhoenix} from '../helpers/phoenix-bin.js'

/**
 * A new user's first run, with no inventory anywhere phoenix looks: it uses the embedded topology
 * (someone else's 10.0.0.x estate) and says so, once, on stderr; stdout stays the report alone.
 * Only `services` is run: it sends nothing over the network.
 */
describe('no inventory file', () => {
  let home: string
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phoenix-noinv-'))
    env = {...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'xdg')}
    delete env.PHOENIX_CONFIG
  })
  afterAll(() => rm(home, {recursive: true, force: true}))

  it.each([[[]], [['--json']]])('services %j says on stderr, in one line, that the embedded topology is used', async (extra) => {
    const run = await runPhoenix(['services', ...extra], {env})
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/^phoenix: warning: no inventory file \(--config, \$PHOENIX_CONFIG, .*\): using the embedded default topology \(CTs 950-957 on 10\.0\.0\.150-157\), not your estate; write an inventory first/)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    if (extra.length) expect(JSON.parse(run.stdout)).toMatchObject({gateway: {ctid: 953}})
    else expect(run.stdout).toContain('10.0.0.155')
  })

  it('says nothing when an inventory is found', async () => {
    const file = join(home, 'phoenix.yaml')
    await writeFile(file, 'proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.1, url: http://127.0.0.1:9 }\nservices:\n  web: { kind: http, ctid: 960, address: 127.0.0.1, port: 9 }\n')
    const run = await runPhoenix(['services'], {env: {...env, PHOENIX_CONFIG: file}})
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('web')
  })
})
