import {execFile} from 'node:child_process'
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hintsFor} from '../../src/verdict/hints.js'
import {parseInventory} from '../../src/inventory/load.js'
import {startHttpServer} from '../helpers/http-server.js'
import type {TestServer} from '../helpers/http-server.js'

/**
 * Printed hint commands, pasted into a real shell: `pct` runs the rest here (as a CT would), and
 * `docker`/`systemctl` shims report a running n8n's own environment, as the real tools do.
 */

const run = promisify(execFile)
const SECRET = 'hunter2-do-not-print'
const QDRANT_KEY = 'qdrant-key-in-the-container'
const ENV_LINES = [`QDRANT__SERVICE__API_KEY=${QDRANT_KEY}`, 'N8N_PORT=5678', 'DB_TYPE=postgresdb', 'DB_POSTGRESDB_HOST=10.0.0.160', `DB_POSTGRESDB_PASSWORD=${SECRET}`, 'DB_POSTGRESDB_SSL_KEY=abc']

let bin: string
let server: TestServer
/** A Qdrant bound to its CT's address only (127.0.0.31 plays it), with the container's key. */
let qdrant: TestServer

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'phoenix-hints-'))
  const shims: Record<string, string> = {
    pct: '[ "$1" = exec ] || exit 2; shift 2; [ "$1" = -- ] && shift; exec "$@"',
    // `docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' NAME`: one variable a line.
    docker: `[ "$1" = inspect ] || exit 2; printf '%s\\n' ${ENV_LINES.map((l) => `'${l}'`).join(' ')}`,
    // `systemctl show -p Environment --value UNIT`: the unit's variables on one line, space-separated.
    systemctl: `[ "$1" = show ] || exit 2; echo '${ENV_LINES.join(' ')}'`,
  }
  for (const [name, body] of Object.entries(shims)) {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`)
    await chmod(join(bin, name), 0o755)
  }
  qdrant = await startHttpServer((req, res) => {
    if (req.headers['api-key'] !== QDRANT_KEY) return res.writeHead(401).end('Must provide an API key or an Authorization bearer token')
    res.writeHead(200, {'content-type': 'application/json'}).end(req.url === '/collections' ? '{"result":{"collections":[{"name":"docs"}]},"status":"ok"}' : '{"result":{}}')
  }, '127.0.0.31')
  server = await startHttpServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end(req.url === '/healthz' ? 'healthz check passed' : 'no'))
})

afterAll(async () => {
  await server?.close()
  await qdrant?.close()
  await rm(bin, {recursive: true, force: true})
})

async function paste(command: string): Promise<string> {
  // A fresh shell without any DB_ variable of its own: what the hint prints must come from n8n's.
  const {stdout} = await run('sh', ['-c', command], {env: {PATH: `${bin}:/usr/bin:/bin`}})
  return stdout
}

function inventoryWith(service: string) {
  return parseInventory(`proxmox: { host: local }\ngateway: { ctid: 953, address: 127.0.0.1, url: http://127.0.0.1 }\nservices:\n  ${service}\n`, 'hints.yaml')
}

describe('printed hints read the right things', () => {
  it.each([
    ['docker', '{ docker: n8n }'],
    ['systemd', '{ systemd: n8n }'],
  ])("n8n's database hint shows the %s runtime's own DB_ variables, secrets masked", async (_name, runtime) => {
    const inv = inventoryWith(`n8n: { kind: n8n, ctid: 954, address: 127.0.0.1, port: 5678, runtime: ${runtime} }`)
    const hint = hintsFor('database_not_ready', inv.services[0]!, inv).find((h) => h.text.includes('database settings'))
    expect(hint?.command).toMatch(/^pct exec 954 -- sh -c /)
    const out = await paste(hint!.command!)
    expect(out.split('\n').filter(Boolean)).toEqual(['DB_TYPE=postgresdb', 'DB_POSTGRESDB_HOST=10.0.0.160', 'DB_POSTGRESDB_PASSWORD=***', 'DB_POSTGRESDB_SSL_KEY=***'])
    expect(out).not.toContain(SECRET)
  })

  it.each(['collection_missing', 'not_ready'] as const)("Qdrant's %s hint asks where it listens, with the key from the container's own environment, never in argv", async (cause) => {
    const inv = inventoryWith(`qdrant: { kind: qdrant, ctid: 952, address: 127.0.0.31, port: ${qdrant.port}, runtime: { docker: qdrant } }`)
    const hint = hintsFor(cause, inv.services[0]!, inv)[0]!
    expect(hint.command).not.toContain(QDRANT_KEY)
    expect(hint.command).toMatch(/printf .*\| curl -sf --max-time 5 -H @-/)
    expect(await paste(hint.command!)).toMatch(cause === 'collection_missing' ? /"name":"docs"/ : /"result"/)
  })

  it("host_http_failed asks the kind's own health path (Qdrant's /healthz), not /", async () => {
    const inv = inventoryWith(`qdrant: { kind: qdrant, ctid: 952, address: 127.0.0.1, port: ${server.port} }`)
    const [hint] = hintsFor('host_http_failed', inv.services[0]!, inv)
    expect(hint?.command).toContain(`http://127.0.0.1:${server.port}/healthz`)
    expect(await paste(`${hint!.command!} 2>/dev/null`)).toBe('healthz check passed')
  })
})
