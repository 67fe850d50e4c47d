import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {NGINX_BIN, NGINX_CONF, NGINX_ERROR_LOG, NGINX_PREFIX, nginxConf} from './nginx-config.js'
import type {GatewayVariation, RouteVariation} from './nginx-config.js'
import {alive, must, run, waitUntil} from './proc.js'
import {ctExec, defineUnit, unitDir} from './services.js'
import {ctById, GATEWAY_CTID, labServices, STATE} from './topology.js'

/**
 * The gateway CT's nginx: Debian's /usr/sbin/nginx with the lab's generated config, run as the
 * CT's `nginx` unit (in the foreground under the lab's supervisor, as systemd runs it), reloaded
 * with `systemctl reload nginx` like the operators do.
 */

const VARIATIONS = join(STATE, 'nginx-variations.json')

/** The variations in force: per service (its routes) and for the gateway as a whole. */
export interface Variations {
  routes: Record<string, RouteVariation>
  gateway: GatewayVariation
}

/** Writes the config for the current variations, and the unit that runs nginx on it. */
export async function prepareGateway(): Promise<void> {
  for (const d of ['logs', 'tmp', 'html']) await mkdir(join(NGINX_PREFIX, d), {recursive: true})
  await writeFile(VARIATIONS, `${JSON.stringify({routes: {}, gateway: {}})}\n`)
  await writeFile(NGINX_CONF, nginxConf({}, {}, labServices()))
  await mustTest()
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
  await writeFile(NGINX_CONF, nginxConf(all.routes, all.gateway, labServices()))
  if (all.gateway.typo) return refusedReload()
  await mustTest()
  await reload()
}

/** `nginx -t` in the gateway CT: a generator bug must fail loudly, not as a puzzling verdict. */
async function mustTest(): Promise<void> {
  await must(['ip', 'netns', 'exec', ctById(GATEWAY_CTID).ns, NGINX_BIN, '-t', '-q', '-p', NGINX_PREFIX, '-e', NGINX_ERROR_LOG, '-c', NGINX_CONF])
}

/**
 * `systemctl reload nginx` (SIGHUP to the master), then waits until every old worker has gone:
 * from then on, each new connection is served by the new config.
 */
export async function reload(): Promise<void> {
  const master = await masterPid()
  if (!alive(master)) return
  const workers = await childrenOf(master)
  await ctExec(GATEWAY_CTID, ['systemctl', 'reload', 'nginx'])
  await waitUntil('nginx workers of the old config exiting', async () => {
    const now = await childrenOf(master)
    return workers.every((w) => !now.includes(w)) && now.length > 0
  }, 10_000, 50)
}

/** `systemctl reload nginx` with a broken config: waits for the refusal in the error log, checks the old workers still serve. */
async function refusedReload(): Promise<void> {
  const master = await masterPid()
  if (!alive(master)) return
  const workers = await childrenOf(master)
  const before = (await stat(NGINX_ERROR_LOG).catch(() => ({size: 0}))).size
  await ctExec(GATEWAY_CTID, ['systemctl', 'reload', 'nginx'])
  await waitUntil('nginx refusing the reload ([emerg] in its error log)', async () => {
    const log = await readFile(NGINX_ERROR_LOG, 'utf8').catch(() => '')
    return Buffer.byteLength(log) > before && /\[emerg\]/.test(Buffer.from(log).subarray(before).toString())
  }, 10_000, 50)
  const now = await childrenOf(master)
  if (!alive(master) || workers.some((w) => !now.includes(w))) throw new Error('nginx did not keep its old config after a refused reload')
}

async function masterPid(): Promise<number> {
  return Number((await run(['cat', join(unitDir(GATEWAY_CTID, 'nginx'), 'pid')])).stdout.trim())
}

async function childrenOf(pid: number): Promise<number[]> {
  const r = await run(['pgrep', '-P', String(pid)])
  return r.stdout.split('\n').map(Number).filter((p) => p > 0)
}
