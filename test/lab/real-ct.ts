import {existsSync, readFileSync} from 'node:fs'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must, run, startDetached, waitUntil} from './proc.js'
import {DAEMON_JSON, IMAGE_DIR_IN_CT, imageDir, labBinds} from './real-docker.js'
import {gatewayMounts} from './real-gateway.js'
import {CTS, GATEWAY_CTID, HOST, labServices, labShape, PROXIED_SERVICES, PROXY_CTID, PROXY_CTS, REPO, SERVICES, STATE, VM_SERVICES} from './topology.js'
import type {Ct} from './topology.js'

/**
 * The real-CT lab (opt-in: `npm run lab -- up --real`, or PHOENIX_LAB_REAL=1): the CTs of the
 * services and the gateway are real LXC containers named by their CTID, booting real systemd from a
 * cached Debian rootfs (scripts/lab-rootfs.sh) with one overlay each, in the network namespace the
 * lab already made for the CT (lxc.namespace.share.net). The lab's pct enters them with lxc-attach
 * as Proxmox's does. The docker-kind services' CTs run Debian's dockerd too (real-docker.ts), the
 * gateway CT Debian's nginx.service (real-gateway.ts).
 */

/** Where LXC keeps the lab's containers (its lxcpath): config, overlay delta, log, per CTID. */
export const LXC_PATH = join(STATE, 'lxc')

export function isRealCt(ctid: number): boolean {
  return existsSync(join(LXC_PATH, String(ctid), 'config'))
}

/** The CTs a real lab boots: the gateway and those of the services. */
export function realCandidates(): Ct[] {
  // The operators' shape boots only its own services' CTs.
  if (labShape() === 'operators') return [...CTS, ...PROXY_CTS].filter((ct) => ct.ctid === GATEWAY_CTID || ct.ctid === PROXY_CTID || labServices().some((s) => s.ctid === ct.ctid))
  return [...CTS, ...PROXY_CTS].filter((ct) => ct.ctid === GATEWAY_CTID || ct.ctid === PROXY_CTID || [...SERVICES, ...PROXIED_SERVICES].some((s) => s.ctid === ct.ctid))
}

/** A CT (or VM) whose services run as docker containers (compose too): it boots the docker layer and runs dockerd. */
export function runsDocker(ctid: number): boolean {
  return [...SERVICES, ...VM_SERVICES].some((s) => s.ctid === ctid && s.runtime !== 'systemd')
}

/** The read-only trees a real CT's overlay stacks: the rootfs, and the docker layer on top of it. */
export interface Trees {
  rootfs: string
  docker: string
}

/** Builds (once, cached outside git) and extracts the rootfs and the docker layer. */
export async function rootfsTrees(): Promise<Trees> {
  const last = (out: string) => out.trim().split('\n').at(-1)!
  const rootfs = last(await must(['bash', join(REPO, 'scripts/lab-rootfs.sh')], {timeoutMs: 1_200_000}))
  const docker = last(await must(['bash', join(REPO, 'scripts/lab-docker-layer.sh')], {timeoutMs: 1_200_000}))
  return {rootfs, docker}
}

/**
 * LXC runs in the Proxmox host's network namespace (its command socket is abstract, so per
 * namespace) with the lab's own mounts: `ip netns exec` remounts /sys without the cgroup
 * hierarchies (LXC would then make no cgroup and its CTs' systemds would share the root ones), and
 * phoenix calls pct from such a namespace. A holder process in the host's namespace, started by
 * `up`, is what pct and the lab enter (nsenter --target). `down` ends it with the namespace.
 */
const HOLDER_PID = join(LXC_PATH, 'host.pid')

export function inHost(argv: readonly string[]): string[] {
  const pid = readFileSync(HOLDER_PID, 'utf8').trim()
  return ['nsenter', '--target', pid, '--mount', '--net', '--', ...argv]
}

export async function startHolder(): Promise<void> {
  await mkdir(LXC_PATH, {recursive: true})
  await startDetached(['nsenter', `--net=/run/netns/${HOST.ns}`, '--', 'sh', '-c', 'echo $$ > "$1.new" && mv "$1.new" "$1" && exec sleep infinity', 'holder', HOLDER_PID])
  await waitUntil('the LXC holder process', async () => existsSync(HOLDER_PID), 10_000, 50)
}

/**
 * Writes the CT's LXC config: rootfs overlay (with the docker layer for a docker CT), the lab's
 * netns, node and the repo read-only, its /usr/local/bin (when given), and any further
 * `lxc.mount.entry` lines (a VM's agent socket folder).
 */
export async function prepareRealCt(ct: Pick<Ct, 'ctid' | 'hostname' | 'ns'>, trees: Trees, ctBin?: string, mountEntries: readonly string[] = []): Promise<void> {
  const dir = join(LXC_PATH, String(ct.ctid))
  await mkdir(join(dir, 'delta'), {recursive: true})
  // The emulators run from the repo with the host's node: both bound at their own paths, read-only.
  const mounts = labBinds()
  const docker = runsDocker(ct.ctid)
  if (docker) {
    await mkdir(join(dir, 'delta/etc/docker'), {recursive: true})
    await writeFile(join(dir, 'delta/etc/docker/daemon.json'), DAEMON_JSON)
    await mkdir(join(dir, 'docker-data'), {recursive: true})
  }
  // overlayfs stacks lower dirs left to right, top first: the docker layer over the rootfs.
  const lower = docker ? `${trees.docker}:${trees.rootfs}` : trees.rootfs
  const lines = [
    `lxc.uts.name = ${ct.hostname}`, 'lxc.arch = amd64',
    `lxc.rootfs.path = overlay:${lower}:${join(dir, 'delta')}`,
    'lxc.init.cmd = /sbin/init', 'lxc.apparmor.profile = unconfined',
    `lxc.namespace.share.net = /run/netns/${ct.ns}`,
    'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed', 'lxc.autodev = 1',
    'lxc.pty.max = 16', 'lxc.tty.max = 0', 'lxc.console.path = none',
    'lxc.cap.drop = sys_module mac_admin mac_override sys_time sys_rawio',
    'lxc.cgroup.relative = 1',
    `lxc.log.file = ${join(dir, 'lxc.log')}`, 'lxc.log.level = WARN',
    ...mounts.map((p) => `lxc.mount.entry = ${p} ${p.slice(1)} none bind,ro,create=dir 0 0`),
    `lxc.mount.entry = ${process.execPath} ${process.execPath.slice(1)} none bind,ro,create=file 0 0`,
    // The CT's /usr/local/bin is the lab's folder for it: installCli/removeCli edit it from outside.
    ...(ctBin ? [`lxc.mount.entry = ${ctBin} usr/local/bin none bind,ro,create=dir 0 0`] : []),
    ...mountEntries.map((m) => `lxc.mount.entry = ${m}`),
    ...(ct.ctid === GATEWAY_CTID ? gatewayMounts() : []),
    // dockerd's overlay2 cannot stack on the CT's overlay root: a plain directory is its data root.
    ...(docker ? [`lxc.mount.entry = ${join(dir, 'docker-data')} var/lib/docker none bind,create=dir 0 0`,
      `lxc.mount.entry = ${imageDir()} ${IMAGE_DIR_IN_CT.slice(1)} none bind,ro,create=dir 0 0`] : []),
    '',
  ]
  await writeFile(join(dir, 'config'), lines.join('\n'))
}

/** Waits until systemd in the CT has booted (the bus refuses for a moment after start). */
export async function waitBooted(ctid: number, ms = 120_000): Promise<void> {
  await waitUntil(`systemd booted in CT ${ctid}`, async () => {
    const r = await run(inHost(['lxc-attach', '-n', String(ctid), '-P', LXC_PATH, '--clear-env', '--', 'systemctl', 'is-system-running', '--wait']), {timeoutMs: 60_000})
    return /^(running|degraded)/.test(r.stdout.trim())
  }, ms, 300)
}

/**
 * Stops every real CT (kill: a lab has nothing to save) and removes what LXC leaves behind: its
 * lock folder and the cgroup directories it made under the caller's. Safe when none was started.
 */
export async function destroyRealCts(): Promise<void> {
  const ids = (await readdir(LXC_PATH).catch(() => [] as string[])).filter((x) => /^\d+$/.test(x))
  const holder = existsSync(HOLDER_PID)
  for (const id of ids) {
    const stop = ['lxc-stop', '-k', '-n', id, '-P', LXC_PATH]
    await run(holder ? inHost(stop) : stop, {timeoutMs: 30_000})
  }
  if (!ids.length) return
  await run(['rm', '-rf', join('/run/lxc/lock', LXC_PATH)])
  const names = ids.flatMap((id) => [`lxc.payload.${id}`, `lxc.monitor.${id}`]).concat('lxc.pivot')
  const find = ['find', '/sys/fs/cgroup', '-maxdepth', '5', '-depth', '-type', 'd', '(', ...names.flatMap((n, i) => [...(i ? ['-o'] : []), '-name', n]), ')']
  const dirs = (await run(find)).stdout.split('\n').filter(Boolean)
  // Deepest first; rmdir removes only empty cgroups, so a live one elsewhere is never touched.
  for (const d of dirs.sort((a, b) => b.length - a.length)) await run(['find', d, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'])
}

/**
 * argv that runs a command as root in a VM's container with a clean environment: the lab's own
 * calls (units, faults, waits), which must work while the agent is down. phoenix goes through qm.
 */
export function vmArgv(vmid: number, argv: readonly string[]): string[] {
  return inHost(['lxc-attach', '-n', String(vmid), '-P', LXC_PATH, '--clear-env', '--', ...argv])
}
