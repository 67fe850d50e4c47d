import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {REPO} from './processes.js'

/** One `pct` call as the shim logged it: when (ms since the epoch), its pid, its arguments. */
export interface PctCall {
  at: number
  pid: number
  args: string
}

/**
 * A Proxmox host whose `pct exec` hangs (hostile-findings D4): a shim `pct`, first on PATH, logs
 * each call (time, pid, argv) and its environment, answers `status` as running, reads the batch
 * and then sleeps (exec, so the logged pid is the sleeping process). `count` services, CT 101...
 */
export interface HangingPctRig {
  dir: string
  /** The inventory of the `count` services (`proxmox: {host: local}`). */
  config: string
  /** phoenix's environment: the shim first on PATH, and whatever extra is given. */
  env: NodeJS.ProcessEnv
  writeConfig(text: string): Promise<string>
  calls(): Promise<PctCall[]>
  /** The environments the shim's `exec` calls received, one `env` dump per call. */
  environments(): Promise<string[]>
  /** The calls whose process is still alive. */
  alive(calls: readonly PctCall[]): Promise<number[]>
  close(): Promise<void>
}

/** `hang`: the CTs whose exec hangs (default: all); any other CT's command runs here, as the loopback rig's. */
export async function hangingPctRig(count: number, options: {sleepSeconds?: number; hang?: readonly number[]} = {}): Promise<HangingPctRig> {
  const sleepSeconds = options.sleepSeconds ?? 30
  const runsHere = options.hang ? `case " ${options.hang.join(' ')} " in *" $2 "*) ;; *) shift 2; [ "$1" = -- ] && shift; exec "$@" ;; esac
` : ''
  const dir = await mkdtemp(join(tmpdir(), 'phoenix-hang-'))
  const log = join(dir, 'pct.log')
  const envLog = join(dir, 'pct-env.log')
  await writeFile(
    join(dir, 'pct'),
    `#!/bin/sh
echo "$(date +%s%3N) $$ $*" >> '${log}'
[ "$1" = status ] && { echo "status: running"; exit 0; }
${runsHere}{ env; echo '@@end'; } >> '${envLog}'
cat >/dev/null
exec sleep ${sleepSeconds}
`,
  )
  await chmod(join(dir, 'pct'), 0o755)
  const writeConfig = async (text: string, name = `config-${Math.random().toString(36).slice(2)}.yaml`) => {
    await writeFile(join(dir, name), text)
    return join(dir, name)
  }
  const services = Array.from({length: count}, (_, i) => `  s${i + 1}: { kind: http, ctid: ${101 + i}, address: 127.0.0.1, port: 9, route: /s${i + 1}/ }`)
  const config = await writeConfig(`proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:9" }\nservices:\n${services.join('\n')}\n`, 'phoenix.yaml')
  const calls = async (): Promise<PctCall[]> =>
    (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [at, pid, ...args] = line.split(' ')
        return {at: Number(at), pid: Number(pid), args: args.join(' ')}
      })
  return {
    dir,
    config,
    env: {...process.env, PATH: `${dir}:${process.env.PATH}`, NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'},
    writeConfig,
    calls,
    environments: async () => (await readFile(envLog, 'utf8').catch(() => '')).split('@@end\n').filter(Boolean),
    alive: async (list) => {
      // A killed process may take a moment to die on a loaded machine: wait before calling it alive.
      for (let i = 0; i < 100 && list.some((c) => isAlive(c.pid)); i++) await new Promise((r) => setTimeout(r, 100))
      return list.filter((c) => isAlive(c.pid)).map((c) => c.pid)
    },
    close: async () => {
      for (const c of await calls()) if (isAlive(c.pid)) process.kill(c.pid, 'SIGKILL')
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** Alive and not a zombie (dead, not yet reaped: under load its reaping can lag; it runs nothing). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

export interface PhoenixProcess {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
  wallMs: number
}

/**
 * Runs phoenix (the built dist) as its own process. `onStart` gets its pid (to signal it); a hang
 * guard kills it after `guardMs`, far beyond any deadline a test gives.
 */
export function runPhoenix(args: readonly string[], env: NodeJS.ProcessEnv, onStart?: (pid: number) => void, guardMs = 60_000): Promise<PhoenixProcess> {
  const started = performance.now()
  const child = spawn(process.execPath, [join(REPO, 'bin/run.js'), ...args], {cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  if (child.pid) onStart?.(child.pid)
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs)
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(guard)
      resolve({stdout, stderr, code, signal, wallMs: Math.round(performance.now() - started)})
    })
  })
}
