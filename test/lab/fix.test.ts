import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {inTerminal} from '../helpers/terminal.js'
import {REPO} from '../helpers/processes.js'
import {configFor} from './inventory.js'
import {down, fault, heal, phoenixEnv, phoenixNs, up} from './lab.js'
import {run} from './proc.js'
import {serviceState} from './services.js'
import {HOST_BIN, SERVICES} from './topology.js'

/**
 * Read-only by default, and `diag --fix` (issue 14 item 5) on the lab, phoenix on the Proxmox host:
 * every command phoenix sends there goes through `sh` or `pct` on its PATH, so wrappers ahead of the
 * real ones log each argv and each script piped in. Diagnosing a stopped unit sends nothing that
 * changes state; `--fix` sends the restart it showed, and only after a yes.
 */
const S = SERVICES.find((s) => s.name === 'ollama')!
/** What changes a guest or a service: a diagnosis must never send one of these. */
const CHANGES_STATE = /\b(systemctl\s+(start|stop|restart|reload|enable|disable|kill|mask|isolate)|docker\s+(start|stop|restart|kill|rm|run|pause)|pct\s+(start|stop|shutdown|reboot|set|destroy|resume|suspend)|qm\s+(start|stop|shutdown|reboot|set|destroy)|nginx\s+-s|kill\s+-|rm\s+-)/

describe('lab: read-only by default; diag --fix runs the fix it shows, after a yes', () => {
  let dir: string
  let log: string
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    await up()
    dir = await mkdtemp(join(tmpdir(), 'phoenix-fix-'))
    log = join(dir, 'sent.log')
    // Each wrapper logs its argv, and the script on its stdin when it reads one (sh -s, pct exec ... sh -s).
    for (const [name, real] of [['sh', '/bin/sh'], ['pct', join(HOST_BIN, 'pct')]] as const) {
      await writeFile(join(dir, name), `#!/bin/bash\nprintf '== ${name} %s\\n' "$*" >>${JSON.stringify(log)}\ncase " $* " in *" sh -s "*|" -s "*) tee -a ${JSON.stringify(log)} | ${JSON.stringify(real)} "$@" ;; *) exec ${JSON.stringify(real)} "$@" ;; esac\n`)
      await chmod(join(dir, name), 0o755)
    }
    const lab = await phoenixEnv('local')
    env = {...lab, PATH: `${dir}:${lab.PATH}`}
    await fault(S.name, 'stopped')
  }, 240_000)
  afterAll(async () => {
    await heal(S.name).catch(() => {})
    await down()
    await rm(dir, {recursive: true, force: true})
  }, 90_000)

  const phoenix = (args: string[]) => run([...phoenixNs('local'), process.execPath, join(REPO, 'bin/run.js'), ...args, '--config', configFor('local')], {env, cwd: REPO, timeoutMs: 180_000})
  const sent = async () => readFile(log, 'utf8').catch(() => '')

  it('check --all and diag send no command that changes state, though the hint is a restart', async () => {
    await writeFile(log, '')
    const check = await phoenix(['check', '--all'])
    const diag = await phoenix(['diag', S.name, '--json'])
    expect(check.code).toBe(2)
    const report = JSON.parse(diag.stdout) as {services: {name: string; verdict: {cause: string; hints: {command?: string; fix?: string}[]}}[]}
    const verdict = report.services.find((s) => s.name === S.name)!.verdict
    expect(verdict.cause).toBe('service_down')
    expect(verdict.hints[0]).toMatchObject({fix: 'restart_service', command: `pct exec ${S.ctid} -- systemctl restart ${S.unit}`})
    const text = await sent()
    // The wrappers saw the diagnosis (so an empty log cannot pass), and none of it changes anything.
    expect(text).toContain(`== pct exec ${S.ctid} -- sh -s`)
    expect(text).toContain('systemctl show')
    expect(text.match(CHANGES_STATE)?.[0]).toBeUndefined()
    expect(await serviceState(S)).not.toBe('active')
  }, 240_000)

  it('on a terminal, an answer other than yes runs nothing', async () => {
    await writeFile(log, '')
    const t = await inTerminal(['diag', S.name, '--fix', '--config', configFor('local')], env, 180_000, phoenixNs('local'), {when: (raw) => raw.includes('Run it? [y/N]'), keys: 'n\r'})
    expect(t.hung).toBe(false)
    expect(t.code).toBe(2)
    expect(t.screen).toContain(`  $ pct exec ${S.ctid} -- systemctl restart ${S.unit}`)
    expect(t.screen).toContain('Not run; nothing was changed.')
    expect((await sent()).match(CHANGES_STATE)?.[0]).toBeUndefined()
    expect(await serviceState(S)).not.toBe('active')
  }, 240_000)

  it('on a terminal, yes runs exactly the command shown, and the diagnosis that follows is green', async () => {
    await writeFile(log, '')
    const t = await inTerminal(['diag', S.name, '--fix', '--config', configFor('local')], env, 180_000, phoenixNs('local'), {when: (raw) => raw.includes('Run it? [y/N]'), keys: 'y\r'})
    expect(t.hung).toBe(false)
    const screen = t.screen.join('\n')
    expect(screen).toMatch(/✔ ran in [\d.]+ s \(exit 0\); diagnosing again/)
    expect(t.code, screen).toBe(0)
    expect(await sent()).toContain(`== sh -c pct exec ${S.ctid} -- systemctl restart ${S.unit}`)
    expect(await serviceState(S)).toBe('active')
  }, 240_000)

  it('--fix without a terminal and without --yes refuses before it runs anything (exit 64)', async () => {
    const r = await phoenix(['diag', S.name, '--fix'])
    expect(r.code).toBe(64)
    expect(r.stderr).toContain('add --yes')
  }, 60_000)

  it('over SSH, --fix --yes runs it on the host over SSH too, and the diagnosis that follows is green', async () => {
    await fault(S.name, 'stopped')
    const r = await run([...phoenixNs('ssh'), process.execPath, join(REPO, 'bin/run.js'), 'diag', S.name, '--fix', '--yes', '--config', configFor('ssh')], {env: await phoenixEnv('ssh'), cwd: REPO, timeoutMs: 180_000})
    expect(r.stdout).toContain(`  $ pct exec ${S.ctid} -- systemctl restart ${S.unit}`)
    expect(r.stdout).toMatch(/✔ ran in [\d.]+ s \(exit 0\); diagnosing again/)
    expect(r.code, r.stdout).toBe(0)
    expect(await serviceState(S)).toBe('active')
  }, 240_000)

  it('--fix --yes with nothing to fix says so and changes nothing', async () => {
    await writeFile(log, '')
    const r = await phoenix(['diag', S.name, '--fix', '--yes'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`--fix: ${S.name} is healthy; nothing to fix.`)
    expect((await sent()).match(CHANGES_STATE)?.[0]).toBeUndefined()
  }, 120_000)
})
