import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseInventory} from '../../src/inventory/load.js'
import {runPhoenix} from '../helpers/phoenix-bin.js'

/**
 * A new user's first run, with no inventory anywhere phoenix looks and no Proxmox host here (no pct
 * on PATH): nothing is probed (the seed topology was someone else's 10.0.0.x estate); phoenix says
 * how to make an inventory and exits 64. The seed stays as `phoenix init --example`.
 * Discovery on a Proxmox host is run on the lab (test/lab/init.test.ts).
 */
describe('no inventory file', () => {
  let home: string
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phoenix-noinv-'))
    env = {...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'xdg'), PATH: `${join(home, 'bin')}:/usr/bin:/bin`}
    delete env.PHOENIX_CONFIG
  })
  afterAll(() => rm(home, {recursive: true, force: true}))

  it.each([['check', '--all'], ['diag', 'ollama']])('%s %s probes nothing: it says how to make an inventory, exit 64', async (...args) => {
    const run = await runPhoenix(args, {env})
    expect(run.code).toBe(64)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^phoenix: no inventory file \(--config, \$PHOENIX_CONFIG, .*\) and nothing to discover the estate from: pct is not on this machine's PATH \(not a Proxmox host\) and no --host was given\n {2}fix: run phoenix init on the Proxmox host \(or phoenix init --host ADDRESS, over SSH\)/)
    expect(run.stderr).not.toContain('10.0.0.')
  })

  it('--json: the same as an error object', async () => {
    const run = await runPhoenix(['check', '--all', '--json'], {env})
    expect(run.code).toBe(64)
    expect(JSON.parse(run.stdout)).toMatchObject({error: {kind: 'usage', exitCode: 64, message: expect.stringContaining('phoenix init')}})
  })

  it('services: no inventory, how to make one, exit 64', async () => {
    const run = await runPhoenix(['services'], {env})
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/^phoenix: no inventory file .*\n {2}fix: run phoenix init/)
  })

  it('phoenix init with nothing to discover from says so, exit 64, and writes nothing', async () => {
    const file = join(home, 'none.yaml')
    const run = await runPhoenix(['init', '--config', file], {env})
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/^phoenix: nothing to discover from: pct is not on this machine's PATH .*\n {2}fix: .*phoenix init --example/)
    await expect(readFile(file)).rejects.toThrow()
  })

  it('init --example --dry-run prints the seed topology as an inventory to edit', async () => {
    const run = await runPhoenix(['init', '--example', '--dry-run'], {env})
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^# phoenix inventory: an EXAMPLE/)
    const inv = parseInventory(run.stdout, 'example.yaml')
    expect(inv.services.map((s) => s.guest.id)).toEqual([950, 951, 952, 954, 955, 956, 957])
    expect(inv.gateway.guest).toEqual({kind: 'ct', id: 953})
  })

  it('init never overwrites a file: exit 64 without --merge or --force; --force replaces it', async () => {
    const file = join(home, 'phoenix.yaml')
    await writeFile(file, '# mine\nproxmox: { host: local }\n')
    const refused = await runPhoenix(['init', '--example', '--config', file], {env})
    expect(refused.code).toBe(64)
    expect(refused.stderr).toContain(`${file} exists; phoenix init never overwrites it\n  fix: --merge adds what is new and keeps your edits, --force replaces it`)
    expect(await readFile(file, 'utf8')).toBe('# mine\nproxmox: { host: local }\n')
    const merged = await runPhoenix(['init', '--example', '--merge', '--config', file], {env})
    expect(merged.code).toBe(0)
    const text = await readFile(file, 'utf8')
    expect(text.startsWith('# mine\nproxmox: { host: local }\n')).toBe(true)
    expect(parseInventory(text, file).services).toHaveLength(7)
    expect((await runPhoenix(['init', '--example', '--force', '--config', file], {env})).code).toBe(0)
    expect(await readFile(file, 'utf8')).toMatch(/^# phoenix inventory: an EXAMPLE/)
  })

  it('says nothing when an inventory is found', async () => {
    const file = join(home, 'found.yaml')
    await writeFile(file, 'proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.1, url: http://127.0.0.1:9 }\nservices:\n  web: { kind: http, ctid: 960, address: 127.0.0.1, port: 9 }\n')
    const run = await runPhoenix(['services'], {env: {...env, PHOENIX_CONFIG: file}})
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('web')
  })
})
