import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runPhoenix} from '../helpers/phoenix-bin.js'
import {REPO} from '../helpers/processes.js'

/**
 * The README's commands, run: those that need no estate here (--help, services, usage and config
 * errors), and for the others the test or script that runs them is named, so a command added to
 * the README without one fails this test. Examples that show output are compared with what phoenix
 * prints today.
 */
const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!)

/** Every phoenix command line in a fenced block: `$ ` and a trailing `# comment` taken off. */
const COMMAND = /^(?:\$ )?((?:phoenix|phoenix-diag|\.\/bin\/run\.js|\/usr\/local\/bin\/phoenix) .*?)(?:\s+#.*)?$/
const commands = [...new Set(blocks.flatMap((b) => b.split('\n').map((l) => l.replace(/^(ExecStart=|\s*command_line\s+)/, '').match(COMMAND)?.[1]).filter((c): c is string => c !== undefined)))]

/** The block that follows a `$ COMMAND` line, up to the block's end. */
function exampleOf(command: string): string {
  const block = blocks.find((b) => b.startsWith(`$ ${command}\n`))
  if (!block) throw new Error(`no example of ${command} in the README`)
  return block.slice(command.length + 3).trimEnd()
}

/** Commands that need an estate (the namespace lab or the loopback rig), and the file that runs them. */
const RUN_ELSEWHERE: [RegExp, string][] = [
  [/^(phoenix|\.\/bin\/run\.js) check --all$/, 'scripts/demo.sh'],
  [/^phoenix check --all --wait 60s$/, 'test/commands/wait.test.ts'],
  [/^(phoenix|\.\/bin\/run\.js) diag ollama$/, 'scripts/demo.sh'],
  [/^phoenix audit$/, 'test/commands/check-diag.test.ts'],
  [/^phoenix gateway routes$/, 'test/commands/check-diag.test.ts'],
  [/^phoenix check --all --layer client$/, 'test/commands/check-diag.test.ts'],
  [/--format nagios/, 'test/contrib/monitoring.test.ts'],
  [/--format prometheus --textfile/, 'test/contrib/monitoring.test.ts'],
  [/^phoenix-diag --version$/, 'test/packaging/npm-pack.test.ts'],
  [/^phoenix completion bash$/, 'test/cli/completion.test.ts'],
  [/^phoenix init( --dry-run)?$/, 'test/lab/init.test.ts'],
  [/^phoenix init --host /, 'test/lab/init.test.ts'],
  [/^phoenix init --from /, 'test/inventory/discovery/import.test.ts'],
  [/^phoenix diag \S+ --fix$/, 'test/lab/fix.test.ts'],
  [/^phoenix inventory diff$/, 'test/lab/init.test.ts'],
  [/^\/opt\/phoenix\/bin\/run\.js check --all --json/, 'test/commands/check-diag.test.ts'],
]
/** Run below. */
const RUN_HERE: RegExp[] = [/^phoenix (check|diag SERVICE|audit|gateway routes|services|init|inventory diff) \[/, /^(phoenix|\.\/bin\/run\.js) services$/]

describe('the README\'s commands', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-readme-'))
    env = {...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg')}
    delete env.PHOENIX_CONFIG
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('every command in a fenced block is run here, by another test or by the demo', () => {
    expect(commands.length).toBeGreaterThan(10)
    const unrun = commands.filter((c) => !RUN_HERE.some((r) => r.test(c)) && !RUN_ELSEWHERE.some(([r]) => r.test(c)))
    expect(unrun).toEqual([])
    for (const [, file] of RUN_ELSEWHERE) expect(existsSync(join(REPO, file)), file).toBe(true)
  })

  it.each(['check', 'diag', 'audit', 'gateway routes', 'services', 'init', 'inventory diff'])('the synopsis of %s: --help exits 0 and knows every flag it shows', async (command) => {
    const synopsis = commands.find((c) => c.startsWith(`phoenix ${command} `) && RUN_HERE[0]!.test(c))!
    const run = await runPhoenix([...command.split(' '), '--help'], {env})
    expect(run.code).toBe(0)
    const flags = [...synopsis.matchAll(/--(no-)?([a-z-]+)/g)].map((m) => m[2]!)
    for (const flag of flags) expect(run.stdout.includes(`--${flag}`) || run.stdout.includes(`--[no-]${flag}`), `--${flag}`).toBe(true)
  })

  it('services with the smallest inventory prints what the README shows (exit 0)', async () => {
    const smallest = blocks.find((b) => b.startsWith('# /etc/phoenix/config.yaml'))!
    const file = join(dir, 'config.yaml')
    await writeFile(file, smallest)
    const run = await runPhoenix(['services'], {env: {...env, PHOENIX_CONFIG: file}})
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout.trimEnd()).toBe(exampleOf('phoenix services').replace('/etc/phoenix/config.yaml', file))
  })

  it('without an inventory, services says on stderr what the README shows, exit 64', async () => {
    const said = blocks.find((b) => b.startsWith('phoenix: no inventory file'))!.trimEnd()
    const run = await runPhoenix(['services'], {env})
    expect(run.code).toBe(64)
    expect(run.stdout).toBe('')
    expect(run.stderr.trimEnd()).toBe(said.replace('/root/phoenix.yaml', join(REPO, 'phoenix.yaml')).replace('/root/.config/phoenix/config.yaml', join(dir, 'xdg/phoenix/config.yaml')))
  })

  it('a config mistake is the paragraph the README shows, exit 64 (64 in the exit codes table)', async () => {
    const said = blocks.find((b) => b.startsWith('phoenix: /etc/phoenix/config.yaml:7:'))!.trimEnd()
    const file = join(dir, 'bad.yaml')
    const bad = {ctid: 955, address: '10.0.0.155', port: 11434, runtime: {systemd: 'ollama; rm -rf /'}}
    await writeFile(file, `proxmox: { host: local }\ngateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }\nservices:\n  ollama:\n    kind: ollama\n    runtime:\n      systemd: ${JSON.stringify(bad.runtime.systemd)}\n    ctid: ${bad.ctid}\n    address: ${bad.address}\n    port: ${bad.port}\n`)
    const run = await runPhoenix(['services', '--config', file], {env})
    expect(run.code).toBe(64)
    expect(run.stderr.trimEnd()).toBe(said.replace('/etc/phoenix/config.yaml', file))
  })

  it.each<[string, string[], number, RegExp]>([
    ['a bad flag is 64', ['check', '--all', '--bogus'], 64, /^phoenix: Nonexistent flag: --bogus/],
    ['with --format nagios it is 3 and a PHOENIX UNKNOWN line', ['check', '--all', '--bogus', '--format', 'nagios'], 3, /^PHOENIX UNKNOWN - /],
    ['a bad flag on services is 64', ['services', '--bogus'], 64, /^phoenix: Nonexistent flag: --bogus/],
  ])('exit codes table: %s', async (_what, args, code, said) => {
    const run = await runPhoenix(args, {env})
    expect(run.code).toBe(code)
    expect(code === 3 ? run.stdout : run.stderr).toMatch(said)
  })
})
