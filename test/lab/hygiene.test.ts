import {spawn} from 'node:child_process'
import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {apiKeys} from './api-keys.js'
import {configFor} from './inventory.js'
import {down, pctCalls, phoenix, phoenixEnv, phoenixNs, setPctDelay, up} from './lab.js'
import type {Mode} from './lab.js'
import {labNamespaces, labPids} from './namespaces.js'
import {must} from './proc.js'
import {PCT, pct, SHIM_ENV, waitListening} from './services.js'
import {REPO, serviceByName, STATE} from './topology.js'

/**
 * What a run leaves in the estate (issue 10): no process after a Ctrl-C, on the host or in any CT,
 * and no API key in any CT's environment. The lab's pct
 * passes its caller's environment into the CT as PVE 8's does (lxc-attach --keep-env), and logs
 * what each `pct exec` received in pct-env/PID.
 */
const MODES: readonly Mode[] = ['local', 'ssh']
const ENV_DIR = join(STATE, 'pct-env')

/** Processes in the lab's namespaces (host and CTs) that are not zombies. */
async function livePids(): Promise<number[]> {
  const pids = await labPids(await labNamespaces())
  const live = await Promise.all(pids.map(async (p) => ((await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '0 (x) Z')).match(/\) (\S)/)?.[1] === 'Z' ? 0 : p)))
  return live.filter((p) => p > 0)
}

/** "pid: command line" of each, for a failure message that says what was left. */
function commandLines(pids: readonly number[]): Promise<string[]> {
  return Promise.all(pids.map(async (p) => `${p}: ${(await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').slice(0, 200)}`))
}

describe('lab: a run leaves nothing behind', () => {
  beforeAll(async () => {
    await up()
  }, 300_000)
  afterAll(async () => {
    await down()
  }, 120_000)

  it.each(MODES)('a Ctrl-C in the middle of a run exits 130 with the report and leaves no process on the host or in a CT (%s)', async (mode) => {
    const before = new Set(await livePids())
    // Every pct exec hangs 30 s, as a wedged lxc-attach would: the batches are in flight at the signal.
    await setPctDelay(30_000)
    try {
      const calls = (await pctCalls()).length
      const argv = [...phoenixNs(mode), process.execPath, join(REPO, 'bin/run.js'), 'check', '--all', '--json', '--timeout', '20s', '--deadline', '60s', '--config', configFor(mode)]
      const child = spawn(argv[0]!, argv.slice(1), {env: await phoenixEnv(mode), cwd: REPO, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
      const guard = setTimeout(() => child.kill('SIGKILL'), 90_000)
      // Signalled once the CTs' batches are in pct exec (8 at once over SSH: its channel limit).
      for (let i = 0; i < 300 && (await pctCalls()).length - calls < 8; i++) await new Promise((r) => setTimeout(r, 100))
      expect((await pctCalls()).length - calls).toBeGreaterThanOrEqual(8)
      child.kill('SIGINT')
      const code = await exited
      clearTimeout(guard)
      expect(code).toBe(130)
      const report = JSON.parse(stdout) as Report
      expect(report.services.some((s) => s.verdict.cause === 'deadline')).toBe(true)
      // Nothing phoenix started remains (generous: the kernel reaps, sshd closes its session).
      let left: number[] = []
      for (let i = 0; i < 100; i++) {
        left = (await livePids()).filter((p) => !before.has(p))
        if (left.length === 0) break
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await commandLines(left)).toEqual([])
    } finally {
      await setPctDelay(0)
    }
  }, 180_000)

  it.each(MODES)('no API key reaches a CT through pct exec (%s)', async (mode) => {
    const keys = await apiKeys()
    expect(Object.keys(keys).length).toBeGreaterThan(0)
    await rm(ENV_DIR, {recursive: true, force: true})
    const r = await phoenix(['check', '--all', '--json', '--timeout', '3s', '--deadline', '20s'], {mode})
    expect((JSON.parse(r.stdout) as Report).services.length).toBeGreaterThan(0)
    const received = await Promise.all((await readdir(ENV_DIR)).map((f) => readFile(join(ENV_DIR, f), 'utf8')))
    // One exec per CT at least (the seven services' and the gateway's).
    expect(received.length).toBeGreaterThanOrEqual(8)
    for (const env of received) {
      for (const [name, value] of Object.entries(keys)) {
        expect(env).not.toContain(value)
        expect(env).not.toContain(`${name}=`)
      }
    }
  })

  it('a stopped CT stays stopped when its old init\'s pid names another process (pids wrap fast under load)', async () => {
    const n8n = serviceByName('n8n')
    const initFile = join(STATE, `ct${n8n.ctid}`, 'init.pid')
    const recorded = await readFile(initFile, 'utf8')
    await pct(['stop', n8n.ctid])
    // What a reused pid looks like: the record as the running CT left it, its pid now another
    // live process's (pid_max 32768 wraps within a minute on a loaded machine).
    const other = spawn('sleep', ['60'], {stdio: 'ignore'})
    try {
      await writeFile(initFile, recorded.replace(/^\d+/, String(other.pid)))
      expect(await must([PCT, 'status', String(n8n.ctid)], {env: SHIM_ENV})).toBe('status: stopped\n')
    } finally {
      other.kill('SIGKILL')
      // Started again as a heal does: `pct start` must not say it already runs.
      await pct(['start', n8n.ctid])
      await waitListening(n8n.ctid, n8n.port)
    }
  }, 120_000)
})
