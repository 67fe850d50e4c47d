import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseInventory} from '../../../src/inventory/load.js'
import {runPhoenix} from '../../helpers/phoenix-bin.js'
import {LXC_SCHEMA, lxcConfigs} from './operators-files.js'

/** `phoenix init --from` on a file shaped like the operators' phoenix_lxc_configs.json, with no host here. */
describe('phoenix init --from phoenix_lxc_configs.json', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  let file: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-import-'))
    env = {...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), PATH: '/usr/bin:/bin'}
    delete env.PHOENIX_CONFIG
    file = join(dir, 'phoenix_lxc_configs.json')
    await writeFile(join(dir, 'phoenix_lxc_configs.schema.json'), JSON.stringify(LXC_SCHEMA))
    // Their $schema is an absolute path on their host: not here, so the schema beside the file is used.
    await writeFile(file, JSON.stringify(lxcConfigs('10.0.0', '/usr/local/phoenix_hypervisor/etc/phoenix_lxc_configs.schema.json'), null, 4))
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('drafts an inventory whose every value names the key of their file it came from, or says it is a guess', async () => {
    const run = await runPhoenix(['init', '--from', file, '--dry-run'], {env})
    expect(run.code, run.stderr).toBe(0)
    const text = run.stdout
    for (const line of text.split('\n').filter((l) => /^\s+\w+: \S/.test(l))) expect(line, line).toMatch(/ # (phoenix_lxc_configs\.json: lxc_configs\.\d+|a guess)/)
    expect(text).toContain('    port: 8000 # phoenix_lxc_configs.json: lxc_configs.950.vllm_engine_config.ServerConfig.port')
    expect(text).toContain('    model: Qwen/Qwen2.5-7B-Instruct-AWQ # phoenix_lxc_configs.json: lxc_configs.950.vllm_engine_config.ServerConfig.served_model_name')
    expect(text).toContain('    task: embed # a guess: its name or model says embedding')
    expect(text).toContain('    kind: llamacpp # a guess from its name "llamacpp-lxc"')
    expect(text).toContain('    # NOTE: its firewall lets in port 8000 only from 10.0.0.153: the Proxmox host\'s probes need it too')
    expect(text).toContain('    # NOTE: it depends on VM 1002 (dependencies)')
    expect(text).toContain('# NOTE: CT 910 (Copy-VLLM-GPUx2) is a template (template_snapshot_name): not a service')
    expect(text).toContain('# NOTE: CT 103 (Step-CA): not a kind phoenix diagnoses (features: base_setup, step_ca)')
    const inv = parseInventory(text, 'draft.yaml')
    expect(inv.gateway).toMatchObject({guest: {kind: 'ct', id: 953}, address: '10.0.0.153'})
    expect(inv.services.map((s) => [s.name, s.kind, s.guest.id, s.port])).toEqual([['vllm-qwen', 'vllm', 950, 8000], ['vllm-embed', 'vllm', 951, 8000], ['ollama-lxc', 'ollama', 955, 11434], ['llamacpp-lxc', 'llamacpp', 957, 8081]])
    // Checked against their schema; where it breaks it in keys phoenix does not read, said, not refused.
    expect(run.stderr).toContain(`phoenix: imported phoenix_lxc_configs.json, checked against ${join(dir, 'phoenix_lxc_configs.schema.json')}`)
    expect(run.stderr).toMatch(/phoenix: warning: 2 places break phoenix_lxc_configs\.schema\.json where phoenix does not read \(left as they are\): .*lxc_configs\.953\.features\.2: "step_cli" is not one of/)
  })

  it.each<[string, (d: any) => void, RegExp]>([
    ['an address their schema refuses', (d) => (d.lxc_configs['950'].network_config.ip = '10.0.0.150'), /phoenix_lxc_configs\.json: lxc_configs\.950\.network_config\.ip: "10\.0\.0\.150" does not match .* \(phoenix_lxc_configs\.schema\.json\)\n {2}fix: set lxc_configs\.950\.network_config\.ip as phoenix_lxc_configs\.schema\.json describes it/],
    ['a vLLM port that is not a number', (d) => (d.lxc_configs['951'].vllm_engine_config.ServerConfig.port = '8000'), /lxc_configs\.951\.vllm_engine_config\.ServerConfig\.port: expected integer, got string "8000"/],
    ['a CT keyed by its name', (d) => (d.lxc_configs.ollama = d.lxc_configs['955']), /lxc_configs\.ollama: is not a CTID \(a number from 100\)\n {2}fix: key each CT by its CTID/],
  ])('%s: file, key and fix, exit 64', async (_what, change, said) => {
    const doc = lxcConfigs('10.0.0', 'phoenix_lxc_configs.schema.json')
    change(doc)
    const bad = join(dir, 'bad', 'phoenix_lxc_configs.json')
    await rm(join(dir, 'bad'), {recursive: true, force: true})
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'bad')))
    await writeFile(join(dir, 'bad', 'phoenix_lxc_configs.schema.json'), JSON.stringify(LXC_SCHEMA))
    await writeFile(bad, JSON.stringify(doc))
    const run = await runPhoenix(['init', '--from', bad, '--dry-run'], {env})
    expect(run.code).toBe(64)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(said)
  })

  it('a file that is not JSON: exit 64 with the fix', async () => {
    const bad = join(dir, 'not.json')
    await writeFile(bad, '{"lxc_configs": {')
    const run = await runPhoenix(['init', '--from', bad, '--dry-run'], {env})
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/^phoenix: .*not\.json: is not JSON: .*\n {2}fix: fix the JSON/)
  })
})
