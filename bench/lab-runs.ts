/**
 * One run of phoenix or of the baseline inside the bench's lab, timed, with the remote calls it
 * made: `pct` calls from the shim's log, SSH connections from sshd's log. phoenix runs the way
 * the lab's own tests run it (test/lab/lab.ts phoenix()): on the Proxmox host with the lab's pct
 * on PATH (`local`), or on the admin machine over SSH to the host's sshd (`ssh`).
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {apiKeys} from '../test/lab/api-keys.js'
import type {Mode} from '../test/lab/inventory.js'
import {pctCalls, phoenix, sshConnectionCount} from '../test/lab/lab.js'
import {HOST, HOST_BIN, REPO, STATE} from '../test/lab/topology.js'
import {timed} from './measure.js'
import type {Timed} from './measure.js'

export const RAW = join(REPO, 'bench', 'raw')

/** What one run cost in remote calls. */
export interface Calls {
  /** `pct exec` calls, by CT id. */
  pctExecByCt: Record<string, number>
  pctExec: number
  /** Other pct calls (status after a failed exec). */
  pctOther: number
  sshConnections: number
}

export interface LabRun extends Timed {
  calls: Calls
  /** Epoch ms just before the spawn: with the report's startedAt, phoenix's own start-up. */
  spawnedAt?: number
}

/** Runs `body`, and counts the pct calls and SSH connections made meanwhile. */
async function counting(body: () => Promise<Timed>): Promise<LabRun> {
  const pctBefore = (await pctCalls()).length
  const sshBefore = await sshConnectionCount()
  const result = await body()
  const calls = (await pctCalls()).slice(pctBefore)
  const byCt: Record<string, number> = {}
  let other = 0
  for (const line of calls) {
    // "<time> <pid> exec 953 -- sh -s"
    const [, , verb, ct] = line.split(' ')
    if (verb === 'exec' && ct) byCt[ct] = (byCt[ct] ?? 0) + 1
    else other++
  }
  const pctExec = Object.values(byCt).reduce((a, b) => a + b, 0)
  return {...result, calls: {pctExecByCt: byCt, pctExec, pctOther: other, sshConnections: (await sshConnectionCount()) - sshBefore}}
}

/**
 * `phoenix check --all --json` in the lab, exactly as the lab's own tests run it (lab.ts
 * phoenix(): its env, the API keys an operator exports, the namespace of the mode); its report
 * is kept in bench/raw under `tag`.
 */
export async function phoenixRun(mode: Mode, timeoutMs: number, tag: string): Promise<LabRun> {
  let spawnedAt = 0
  const run = await counting(async () => {
    spawnedAt = Date.now()
    const started = performance.now()
    const r = await phoenix(['check', '--all', '--json', '--timeout', `${timeoutMs}ms`], {mode})
    return {...r, wallMs: performance.now() - started}
  })
  await writeFile(join(RAW, `${tag}.json`), run.stdout)
  return {...run, spawnedAt}
}

/** The operators' script (baseline.sh) on the Proxmox host, with the lab's pct on PATH. */
export async function baselineRun(planFile: string, timeoutMs: number, tag: string): Promise<LabRun> {
  // The same environment phoenix gets: the API keys an operator exports, the lab's pct on PATH.
  const env: NodeJS.ProcessEnv = {...process.env, PHOENIX_LAB_STATE: STATE, ...(await apiKeys())}
  env.PATH = `${HOST_BIN}:${process.env.PATH}`
  const argv = ['ip', 'netns', 'exec', HOST.ns, 'bash', join(REPO, 'bench/baseline.sh'), planFile, String(timeoutMs)]
  const run = await counting(() => timed(argv, {env, cwd: REPO, timeoutMs: 600_000}))
  await writeFile(join(RAW, `${tag}.txt`), run.stdout + run.stderr)
  return run
}
