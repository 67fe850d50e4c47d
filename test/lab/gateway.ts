import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {NGINX_BIN, NGINX_CONF, NGINX_ERROR_LOG, NGINX_PREFIX, nginxConf} from './nginx-config.js'
import type {GatewayVariation, RouteVariation} from './nginx-config.js'
import {must, run, waitUntil} from './proc.js'
import {isRealCt} from './real-ct.js'
import {NGINX_PID, nginxUnitScript} from './real-gateway.js'
import {ctExec, defineUnit, PCT, SHIM_ENV, shq} from './services.js'
import {ctById, GATEWAY_CTID, labServices, labShape, STATE} from './topology.js'
import {operatorsNginxConf} from './operators-nginx.js'

/**
 * The gateway CT's nginx: Debian's /usr/sbin/nginx with the lab's generated config, run as the
 * CT's `nginx` unit (Debian's nginx.service under the real CT's systemd, or in the foreground under
 * the shims' supervisor), reloaded with `systemctl reload nginx` like the operators do.
 */

const VARIATIONS = join(STATE, 'nginx-variations.json')

/** The variations in force: per service (its routes) and for the gateway as a whole. */
export interface Variations {
  routes: Record<string, RouteVariation>
  gateway: GatewayVariation
}

/** Writes the config for the current variations (the unit that runs nginx on it: defineGatewayUnit). */
export async function prepareGateway(): Promise<void> {
  for (const d of ['logs', 'tmp', 'html']) await mkdir(join(NGINX_PREFIX, d), {recursive: true})
  await writeFile(VARIATIONS, `${JSON.stringify({routes: {}, gateway: {}})}\n`)
  await writeFile(NGINX_CONF, confFor({routes: {}, gateway: {}}))
  await mustTest()
}

/**
 * Defines the gateway CT's nginx unit once the CT runs: Debian's nginx.service in a real CT
 * (real-gateway.ts), or the shims' unit (nginx in the foreground under the lab's supervisor).
 */
export async function defineGatewayUnit(): Promise<void> {
  if (isRealCt(GATEWAY_CTID)) return void (await ctExec(GATEWAY_CTID, ['sh', '-s'], nginxUnitScript()))
  await defineUnit(GATEWAY_CTID, 'nginx', 'systemd', 'A high performance web server and a reverse proxy server', [
    NGINX_BIN, '-p', NGINX_PREFIX, '-e', NGINX_ERROR_LOG, '-c', NGINX_CONF, '-g', 'daemon off; master_process on;',
  ])
}

/** The variations in force (faults on routes and on the gateway), as saved by earlier calls. */
export async function currentVariations(): Promise<Variations> {
  try {
    const saved = JSON.parse(await readFile(VARIATIONS, 'utf8')) as Partial<Variations>
    return {routes: saved.routes ?? {}, gateway: saved.gateway ?? {}}
  } catch {
    return {routes: {}, gateway: {}}
  }
}

// Faults injected in parallel change the config one after the other, never over each other.
let queue: Promise<unknown> = Promise.resolve()

function change(edit: (all: Variations) => void): Promise<void> {
  const next = queue.then(async () => {
    const all = await currentVariations()
    edit(all)
    await applyVariations(all)
  })
  queue = next.catch(() => {})
  return next
}

/** Merges a change into one service's variation, regenerates nginx.conf and reloads nginx. */
export function setVariation(service: string, edit: RouteVariation): Promise<void> {
  return change((all) => void (all.routes[service] = {...all.routes[service], ...edit}))
}

/** Merges a change into the gateway's own variation, regenerates nginx.conf and reloads nginx. */
export function setGatewayVariation(edit: GatewayVariation): Promise<void> {
  return change((all) => void (all.gateway = {...all.gateway, ...edit}))
}

/**
 * Writes the config. A valid one is tested and reloaded; one broken on purpose (typo) is written
 * and reloaded anyway, as an operator who skips `nginx -t` does: the master refuses it, says why in
 * the error log, and keeps serving with the config it had.
 */
async function applyVariations(all: Variations): Promise<void> {
  await writeFile(VARIATIONS, `${JSON.stringify(all, null, 2)}\n`)
  await writeFile(NGINX_CONF, confFor(all))
  if (all.gateway.typo) return refusedReload()
  await mustTest()
  await reload()
}

/** The config for these variations; the operators' shape has its own generator's (no route faults there, one gateway fault). */
function confFor(all: Variations): string {
  return labShape() === 'operators' ? operatorsNginxConf(all.gateway) : nginxConf(all.routes, all.gateway, labServices())
}

/** `nginx -t` in the gateway CT: a generator bug must fail loudly, not as a puzzling verdict. */
async function mustTest(): Promise<void> {
  await must(['ip', 'netns', 'exec', ctById(GATEWAY_CTID).ns, NGINX_BIN, '-t', '-q', '-p', NGINX_PREFIX, '-e', NGINX_ERROR_LOG, '-c', NGINX_CONF])
}

/**
 * `systemctl reload nginx`, then waits until every old worker has gone: from then on, each new
 * connection is served by the new config.
 */
export async function reload(): Promise<void> {
  const before = await nginxProcesses()
  if (!before.master) return
  await ctExec(GATEWAY_CTID, ['systemctl', 'reload', 'nginx'])
  await waitUntil('nginx workers of the old config exiting', async () => {
    const now = await nginxProcesses()
    return now.master === before.master && before.workers.every((w) => !now.workers.includes(w)) && now.workers.length > 0
  }, 10_000, 100)
}

/**
 * `systemctl reload nginx` with a broken config: waits for the refusal in the error log, checks the
 * old workers still serve. Debian's unit reloads with `nginx -s reload`, which parses the config
 * first and fails (so does `systemctl reload`); the shims' sends SIGHUP, and the master refuses it.
 */
async function refusedReload(): Promise<void> {
  const before = await nginxProcesses()
  if (!before.master) return
  const size = (await stat(NGINX_ERROR_LOG).catch(() => ({size: 0}))).size
  await run([PCT, 'exec', String(GATEWAY_CTID), '--', 'systemctl', 'reload', 'nginx'], {env: SHIM_ENV})
  await waitUntil('nginx refusing the reload ([emerg] in its error log)', async () => {
    const log = await readFile(NGINX_ERROR_LOG, 'utf8').catch(() => '')
    return Buffer.byteLength(log) > size && /\[emerg\]/.test(Buffer.from(log).subarray(size).toString())
  }, 10_000, 50)
  const now = await nginxProcesses()
  if (now.master !== before.master || before.workers.some((w) => !now.workers.includes(w))) throw new Error('nginx did not keep its old config after a refused reload')
}

/** nginx's master (its pid file) and workers, as the gateway CT sees them (its own pid namespace when real). */
async function nginxProcesses(): Promise<{master: number; workers: number[]}> {
  const script = `m=$(cat ${shq(NGINX_PID)} 2>/dev/null) && kill -0 "$m" 2>/dev/null && echo "$m" && pgrep -P "$m"`
  const r = await run([PCT, 'exec', String(GATEWAY_CTID), '--', 'sh', '-c', script], {env: SHIM_ENV})
  const [master = 0, ...workers] = r.stdout.split('\n').map(Number).filter((p) => p > 0)
  return {master, workers}
}
