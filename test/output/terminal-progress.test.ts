import {spawn} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startRig} from '../helpers/loopback-rig.js'
import type {Rig} from '../helpers/loopback-rig.js'
import {REPO} from '../helpers/processes.js'
import {inTerminal} from '../helpers/terminal.js'

/** The progress row of one target on the final screen: `✔ n8n  service ✔  host ✔ …`. */
const rowOf = (screen: string[], name: string) => screen.find((l) => new RegExp(`^. ${name}\\s+service `).test(l))

describe('live progress on a real terminal (script), against the loopback rig', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig([
      {name: 'n8n', kind: 'n8n', profile: 'n8n', runtime: 'docker', route: '/n8n/'},
      {name: 'ollama', kind: 'ollama', profile: 'ollama', runtime: 'systemd', route: '/ollama/', extraArgs: ['--model', 'llama3.2:latest']},
    ])
  })
  afterAll(async () => rig?.close())

  it.each([
    [['check', '--all']],
    [['check']],
    [['check', 'gateway']],
    [['diag', 'gateway']],
  ])('%j exits, and its final screen marks every planned layer of every target (the gateway has three)', async (args) => {
    const run = await inTerminal([...args, '--config', rig.configFile], rig.env)
    expect(run.hung, run.raw).toBe(false)
    // Healthy: check exits 0; diag gateway also shows the hardening the rig's bare nginx lacks (1).
    expect(run.code).toBe(args[0] === 'diag' ? 1 : 0)
    const targets = args.includes('gateway') ? ['gateway'] : ['n8n', 'ollama', 'gateway']
    for (const name of targets) expect(rowOf(run.screen, name), run.screen.join('\n')).toMatch(/^[✔!] \S+\s+service [✔!]  host ✔  (gateway ✔  )?client ✔$/)
    expect(rowOf(run.screen, 'gateway')).toMatch(/service .  host ✔  client ✔$/)
    // NO_COLOR is set in the rig's environment: marks, but no colour codes.
    expect(run.raw).not.toMatch(/\u001B\[3\dm/)
  })

  it('a service that fails every layer shows ✖ at each, not a green ✔', async () => {
    await rig.stopService('ollama')
    try {
      const run = await inTerminal(['check', '--all', '--config', rig.configFile], rig.env)
      expect(run.hung, run.raw).toBe(false)
      expect(run.code).toBe(2)
      expect(rowOf(run.screen, 'ollama'), run.screen.join('\n')).toBe('✖ ollama    service ✖  host ✖  gateway ✖  client ✖')
      expect(rowOf(run.screen, 'n8n')).toBe('✔ n8n       service ✔  host ✔  gateway ✔  client ✔')
      expect(run.screen.join('\n')).toMatch(/✖ ollama\s+fail\s+CT 961\s+service\/service_down/)
    } finally {
      await rig.startService('ollama')
    }
  })

  it('piped, the healthy rig is plain text, no progress, and exit 0 too', async () => {
    const {stdout, code} = await new Promise<{stdout: string; code: number | null}>((resolve) => {
      const child = spawn(process.execPath, ['bin/run.js', 'check', '--all', '--config', rig.configFile], {cwd: REPO, env: rig.env, stdio: ['ignore', 'pipe', 'ignore']})
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
      child.once('close', (exit) => resolve({stdout: out, code: exit}))
    })
    expect(stdout).not.toContain('\u001B[')
    expect(stdout).toMatch(/^3 services: 3 ok /m)
    expect(code).toBe(0)
  })

  it('--json on a terminal is the report alone: no progress drawn', async () => {
    const run = await inTerminal(['check', '--all', '--json', '--config', rig.configFile], rig.env)
    expect(run.hung).toBe(false)
    expect(run.raw).not.toContain('\u001B[')
    expect(JSON.parse(run.raw.replaceAll('\r\n', '\n')).services).toHaveLength(3)
  })
})
