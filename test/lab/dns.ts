import {existsSync, readFileSync} from 'node:fs'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {isRealCt, LXC_PATH} from './real-ct.js'
import {alive, inNs, must, sleep, startDetached, waitUntil} from './proc.js'
import {addressOf, ctById, GATEWAY_CTID, HOST, STATE} from './topology.js'
import type {LabService, Machine} from './topology.js'
import {GATEWAY_NAME, LAB_DOMAIN, namedServices} from './names.js'

export {LAB_DOMAIN, NAMED, nameOf} from './names.js'

/**
 * The lab's DNS, as the operators run theirs (their host's dnsmasq serving `*.internal.<domain>`
 * from /etc/dnsmasq.d/00-phoenix-internal.conf, `address=/NAME/IP` lines): Debian's dnsmasq in the
 * Proxmox host's namespace on 198.18.0.1:53, answering the lab's names only (no upstream, and
 * NXDOMAIN for any other name under the lab's domain). Every machine's /etc/resolv.conf names it:
 * the shim CTs, the host and the admin machine through /etc/netns/NS/resolv.conf (which
 * `ip netns exec` bind-mounts over /etc/resolv.conf), a real CT in its overlay. The root
 * namespace's resolver is never touched. `down` removes the /etc/netns folders and the process
 * goes with the host's namespace, also after a killed `up`.
 */

export const DNS_DIR = join(STATE, 'dns')
const CONF = join(DNS_DIR, 'dnsmasq.conf')
const RECORDS = join(DNS_DIR, 'dnsmasq.d', '00-phoenix-internal.conf')
const PID = join(DNS_DIR, 'dnsmasq.pid')

/** What a record says instead of the healthy `address=/NAME/GATEWAY` (a fault): another address, or no line. */
export type RecordVariation = {to: string} | {missing: true}
/** The faults' variations, kept in the state dir: `lab heal` may run in another process than `lab fault`. */
const VARIATIONS = join(DNS_DIR, 'variations.json')

function loadVariations(): Record<string, RecordVariation> {
  try {
    return JSON.parse(readFileSync(VARIATIONS, 'utf8')) as Record<string, RecordVariation>
  } catch {
    return {}
  }
}


function records(variations: Record<string, RecordVariation> = {}): string {
  const gw = ctById(GATEWAY_CTID).address
  const lines = [`address=/${GATEWAY_NAME}/${gw}`, ...namedServices().flatMap((n) => {
    const v = variations[n]
    if (v && 'missing' in v) return []
    return [`address=/${n}.${LAB_DOMAIN}/${v && 'to' in v ? v.to : gw}`]
  })]
  return `# The lab's names (test/lab/dns.ts): every name routed through the gateway points at it.\n${lines.join('\n')}\n`
}

/** The resolv.conf every lab machine gets: the host's dnsmasq, a short timeout (a stopped one is refused at once anyway). */
const RESOLV = `# lab (test/lab/dns.ts): the Proxmox host's dnsmasq\nnameserver ${HOST.address}\noptions timeout:2 attempts:1\n`

/** /etc/netns/NS: what `ip netns exec NS` mounts over /etc. */
const netnsDir = (m: Pick<Machine, 'ns'>) => join('/etc/netns', m.ns)

/** Writes dnsmasq's config and records, and every machine's resolv.conf (before anything runs in them). */
export async function prepareDns(machines: readonly Machine[]): Promise<void> {
  await mkdir(join(DNS_DIR, 'dnsmasq.d'), {recursive: true})
  await writeFile(CONF, [
    '# The lab\'s dnsmasq on the Proxmox host (test/lab/dns.ts)',
    'no-resolv', 'no-hosts', 'bind-interfaces', `listen-address=${HOST.address}`,
    `local=/${LAB_DOMAIN}/`, `conf-dir=${join(DNS_DIR, 'dnsmasq.d')},*.conf`,
    `pid-file=${PID}`, `log-facility=${join(DNS_DIR, 'dnsmasq.log')}`, 'log-queries', '',
  ].join('\n'))
  await writeFile(RECORDS, records())
  for (const m of machines) {
    await mkdir(netnsDir(m), {recursive: true})
    await writeFile(join(netnsDir(m), 'resolv.conf'), RESOLV)
  }
}

/** A real CT's own /etc/resolv.conf, in its overlay's upper dir (before it boots). */
export async function pointRealCt(ctid: number): Promise<void> {
  if (!isRealCt(ctid)) return
  const etc = join(LXC_PATH, String(ctid), 'delta', 'etc')
  await mkdir(etc, {recursive: true})
  await rm(join(etc, 'resolv.conf'), {force: true})
  await writeFile(join(etc, 'resolv.conf'), RESOLV)
}

function dnsmasqPid(): number | undefined {
  const pid = existsSync(PID) ? Number(readFileSync(PID, 'utf8').trim()) : NaN
  return alive(pid) ? pid : undefined
}

// One start or stop at a time: a fault injected on both named services at once stops it once.
let queue: Promise<unknown> = Promise.resolve()
const serial = (step: () => Promise<void>): Promise<void> => {
  const next = queue.then(step)
  queue = next.catch(() => {})
  return next
}

/** Starts dnsmasq in the host's namespace (it daemonizes; its pid file says when it is up). */
export function startDns(): Promise<void> {
  return serial(async () => {
    if (dnsmasqPid()) return
    await rm(PID, {force: true})
    await startDetached(inNs(HOST.ns, ['/usr/sbin/dnsmasq', '-C', CONF]))
    await waitUntil('dnsmasq answering on the host', async () => dnsmasqPid() !== undefined && (await must(inNs(HOST.ns, ['getent', 'ahosts', GATEWAY_NAME])).catch(() => '')) !== '', 10_000, 50)
  })
}

/** Stops it (the dnsmasq-down fault): TERM, and waits until it is gone. */
export function stopDns(): Promise<void> {
  return serial(async () => {
    const pid = dnsmasqPid()
    if (!pid) return
    process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20)
  })
}

/** Changes one name's record and restarts dnsmasq (it reads address= lines only at start). */
export async function setRecord(s: LabService, v: RecordVariation | undefined): Promise<void> {
  await serial(async () => {
    const all = loadVariations()
    if (v) all[s.name] = v
    else delete all[s.name]
    await writeFile(VARIATIONS, `${JSON.stringify(all)}\n`)
    await writeFile(RECORDS, records(all))
  })
  await stopDns()
  await startDns()
}

/** The record pointing a name straight at its service's CT (nginx skipped). */
export const toService = (s: LabService): RecordVariation => ({to: addressOf(s)})

/** Removes every /etc/netns folder of this lab's namespaces (dnsmasq dies with the host's namespace). */
export async function removeDns(namespaces: readonly string[]): Promise<void> {
  for (const ns of namespaces) await rm(join('/etc/netns', ns), {recursive: true, force: true})
}
