import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {NGINX_BIN, NGINX_CONF, NGINX_ERROR_LOG, NGINX_PREFIX, nginxConf} from './nginx-config.js'
import type {RouteVariation, RouteVariations} from './nginx-config.js'
import {alive, must, run, waitUntil} from './proc.js'
import {ctExec, defineUnit, unitDir} from './services.js'
import {ctById, GATEWAY_CTID, STATE} from './topology.js'

/**
 * The gateway CT's nginx: Debian's /usr/sbin/nginx with the lab's generated config, run as the
 * CT's `nginx` unit (in the foreground under the lab's supervisor, as systemd runs it), reloaded
 * with `systemctl reload nginx` like the operators do.
 */

const VARIATIONS = join(STATE, 'nginx-variations.json')

/** Writes the config for the current variations, and the unit that runs nginx on it. */
export async function prepareGateway(): Promise<void> {
  for (const d of ['logs', 'tmp', 'html']) await mkdir(join(NGINX_PREFIX, d), {recursive: true})
  await writeFile(VARIATIONS, '{}\n')
  await writeFile(NGINX_CONF, nginxConf({}))
  await mustTest()
  await defineUnit(GATEWAY_CTID, 'nginx', 'systemd', 'A high performance web server and a reverse proxy server', [
    NGINX_BIN, '-p', NGINX_PREFIX, '-e', NGINX_ERROR_LOG, '-c', NGINX_CONF, '-g', 'daemon off; master_process on;',
  ])
}

/** The variations in force (faults on routes), as saved by earlier calls. */
export async function currentVariations(): Promise<Record<string, RouteVariation>> {
  try {
    return JSON.parse(await readFile(VARIATIONS, 'utf8')) as Record<string, RouteVariation>
  } catch {
    return {}
  }
}

// Faults injected in parallel change the config one after the other, never over each other.
let queue: Promise<unknown> = Promise.resolve()

/** Merges a change into one service's variation, regenerates nginx.conf and reloads nginx. */
export function setVariation(service: string, change: RouteVariation): Promise<void> {
  const next = queue.then(async () => {
    const all = await currentVariations()
    all[service] = {...all[service], ...change}
    await applyVariations(all)
  })
  queue = next.catch(() => {})
  return next
}

async function applyVariations(all: RouteVariations): Promise<void> {
  await writeFile(VARIATIONS, `${JSON.stringify(all, null, 2)}\n`)
  await writeFile(NGINX_CONF, nginxConf(all))
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
  const master = Number((await run(['cat', join(unitDir(GATEWAY_CTID, 'nginx'), 'pid')])).stdout.trim())
  if (!alive(master)) return
  const workers = await childrenOf(master)
  await ctExec(GATEWAY_CTID, ['systemctl', 'reload', 'nginx'])
  await waitUntil('nginx workers of the old config exiting', async () => {
    const now = await childrenOf(master)
    return workers.every((w) => !now.includes(w)) && now.length > 0
  }, 10_000, 50)
}

async function childrenOf(pid: number): Promise<number[]> {
  const r = await run(['pgrep', '-P', String(pid)])
  return r.stdout.split('\n').map(Number).filter((p) => p > 0)
}
