import {existsSync, readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must, run, waitUntil} from './proc.js'
import {REPO, SERVICES, STATE} from './topology.js'
import type {LabService} from './topology.js'

/**
 * The real n8n, opt-in (`npm run lab -- up --real-n8n`, or PHOENIX_LAB_REAL_N8N=1 with the real-CT
 * lab): npm's `n8n` package, installed once outside git by scripts/lab-n8n.sh, runs in CT 954's
 * docker container in place of the emulator: the same image (node's libraries), node and the
 * installed tree bound in read-only, its data in a folder of the CT that outlives the container
 * (migrations run once). The fault rows that restart the emulator with a fault get the real
 * process's version of it where n8n has one (realN8nCommand), or are left out (REAL_N8N_SKIPS).
 */

/** The CT of the lab's n8n (954). */
export const N8N_CTID = SERVICES.find((s) => s.kind === 'n8n')!.ctid

/** Present in the lab's state when CT 954 runs the real n8n: the installed tree's folder. */
const MARK = () => join(STATE, 'real-n8n')

export function realN8nDir(): string | undefined {
  return existsSync(MARK()) ? readFileSync(MARK(), 'utf8').trim() : undefined
}

export function isRealN8n(s: Pick<LabService, 'kind'>): boolean {
  return s.kind === 'n8n' && realN8nDir() !== undefined
}

/** Installs n8n once (cached outside git; minutes the first time, nothing after): its folder. */
export async function installN8n(): Promise<string> {
  const out = await must(['bash', join(REPO, 'scripts/lab-n8n.sh')], {timeoutMs: 1_800_000})
  return out.trim().split('\n').at(-1)!
}

/** Marks this lab (its state, made by `up`) as running the real n8n from this folder. */
export async function markRealN8n(dir: string): Promise<void> {
  await writeFile(MARK(), `${dir}\n`)
}

/** The lxc.mount.entry that binds the installed tree into CT 954, read-only at its own path. */
export const n8nMountEntry = (dir: string) => `${dir} ${dir.slice(1)} none bind,ro,create=dir 0 0`

/** Where the container keeps n8n's folder (database, encryption key): a folder of the CT, kept across recreations. */
export const DATA_IN_CT = '/var/lib/phoenix-lab/n8n'
const DATA_IN_CONTAINER = '/data'

/**
 * The emulator's faults the real n8n cannot show (no such state in it, or none the lab can cause
 * without more parts): their rows leave n8n out on this lab, and say why.
 */
export const REAL_N8N_SKIPS: Readonly<Record<string, string>> = {
  slow: 'n8n answers /healthz at once: no real way to make it slow short of delaying its packets',
  'db-down': 'its SQLite database cannot become unreachable: a database that can needs a Postgres server in the lab',
}

/**
 * The environment of the real n8n: the port and address it listens on, its folder, and nothing
 * that calls out (no telemetry, version check, templates, banners, license renewal); NODE_ENV
 * production as in n8n's docker image (push's Origin check runs only then).
 */
export function realN8nEnv(port: number): Record<string, string> {
  return {
    NODE_ENV: 'production', N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '0.0.0.0', N8N_USER_FOLDER: DATA_IN_CONTAINER, HOME: DATA_IN_CONTAINER,
    // Its task broker listens on 5679 by default: wrong-port's 5679 would collide with it.
    N8N_RUNNERS_BROKER_PORT: String(port === 5679 ? 5680 : 5679),
    N8N_DIAGNOSTICS_ENABLED: 'false', N8N_VERSION_NOTIFICATIONS_ENABLED: 'false', N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false', N8N_PERSONALIZATION_ENABLED: 'false', N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false', N8N_AI_ENABLED: 'false', EXTERNAL_FRONTEND_HOOKS_URLS: '', N8N_DIAGNOSTICS_CONFIG_FRONTEND: '', N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false', N8N_LOG_OUTPUT: 'console', DB_SQLITE_POOL_SIZE: '2',
  }
}

/**
 * The container's command: `n8n start`, or for the crash fault its real crash: something already
 * holds its port when it starts (n8n logs "n8n's port N is already in use" and exits 1).
 */
export function realN8nCommand(dir: string, port: number, fault?: string): string[] {
  const bin = join(dir, 'node_modules/n8n/bin/n8n')
  if (fault === undefined || fault === 'hang') return [process.execPath, bin, 'start']
  if (fault !== 'crash') throw new Error(`the real n8n has no fault "${fault}" (REAL_N8N_SKIPS says why)`)
  const holder = "const [port, bin] = process.argv.slice(1); require('net').createServer().listen(+port, '0.0.0.0', () => { require('child_process').spawn(process.execPath, [bin, 'start'], {stdio: 'inherit'}).on('exit', (c) => process.exit(c ?? 1)) })"
  return [process.execPath, '-e', holder, String(port), bin]
}

/** The docker bind arguments the real n8n's container adds: its tree read-only and its data folder. */
export const realN8nBinds = (dir: string) => [`${dir}:${dir}:ro`, `${DATA_IN_CT}:${DATA_IN_CONTAINER}`]

/**
 * Waits until n8n serves its REST routes in the CT: docker-proxy listens as soon as the container
 * starts; n8n answers every path 200 "n8n is starting up" while it migrates, /healthz and
 * /healthz/readiness 200 once it has loaded (10-20 s), and its REST routes and /rest/push only 7-8 s
 * after that (until then a push upgrade gets express's 404).
 * `curl` through the lab's own pct path.
 */
export async function waitN8nAnswers(argvInCt: (argv: readonly string[]) => string[], env: NodeJS.ProcessEnv, port: number, address = '127.0.0.1', ms = 240_000): Promise<void> {
  const url = `http://${address === '0.0.0.0' ? '127.0.0.1' : address}:${port}/rest/settings`
  await waitUntil(`the real n8n answering ${url}`, async () => {
    // Not the status alone: while it migrates, n8n answers every path 200 "n8n is starting up".
    const r = await run(argvInCt(['curl', '-s', '--max-time', '5', url]), {env})
    return r.stdout.includes('"settingsMode"')
  }, ms, 500)
}

/** Freezes the real n8n (SIGSTOP from its CT): it keeps its socket, accepts and never answers. */
export function freezeScript(container: string): string {
  return `kill -STOP "$(docker inspect -f '{{.State.Pid}}' ${container})"`
}
