import {existsSync} from 'node:fs'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {API_KEYS, apiKeys, makeApiKeys} from './api-keys.js'
import {defineGatewayUnit, prepareGateway} from './gateway.js'
import {CONFIG_LOCAL, CONFIG_SSH, configFor, inventoryYaml} from './inventory.js'
import type {Mode} from './inventory.js'
import {ctDir, prepareCt} from './cts.js'
import {preparePveDir} from './pve-firewall.js'
import {destroyRealCts, prepareRealCt, realCandidates, rootfsTrees, runsDocker, startHolder, waitBooted} from './real-ct.js'
import {buildImageTarball, importImage} from './real-docker.js'
import {installN8n, markRealN8n, N8N_CTID, n8nMountEntry} from './real-n8n.js'
import {createNetwork, destroyNetwork, labNamespaces, MACHINES} from './namespaces.js'
import {pointRealCt, prepareDns, removeDns, startDns} from './dns.js'
import {run, waitUntil} from './proc.js'
import {ctExec, defineService, PCT, pct, SHIM_ENV, startService, waitListening} from './services.js'
import {prepareNode2Sshd, prepareSshd, startNode2Sshd, startSshd} from './sshd.js'
import {NODES_ENV, prepareClusterTools, waitNode2Sshd, writeClusterConfigs} from './cluster.js'
import {makeCertificates, traefikCertificates} from './tls.js'
import {inTerminal} from '../helpers/terminal.js'
import type {TerminalRun} from '../helpers/terminal.js'
import {defineTraefikUnit, prepareTraefik, startTraefik, traefikMount} from './traefik.js'
import {ADMIN, CTS, GATEWAY_CTID, PROXY_CTID, PROXY_CTS, HOST, HOST_BIN, HOST_BIN_NO_PCT, labServices, labShape, PCT_MISSING, PREFIX, REPO, SHIMS, STATE, VMS} from './topology.js'
import type {Shape} from './topology.js'
import {declareOperatorsFirewalls} from './operators-estate.js'
import {bootVm, prepareVm, QM} from './vms.js'

export {fault, heal, activeFaults} from './fault-state.js'
export {sshConnectionCount, SSHD_LOG} from './sshd.js'
export {CONFIG_LOCAL, CONFIG_SSH} from './inventory.js'
export type {Mode} from './inventory.js'

/** What `up` made, for the caller to print or use. */
export interface LabInfo {
  state: string
  configs: Record<Mode, string>
  /** How to run phoenix in each mode, as a shell command line. */
  commands: Record<Mode, string>
}

/** Tools the lab runs; a missing one fails `up` by name (CI fails, never skips). */
const TOOLS = ['/usr/sbin/dnsmasq', '/usr/bin/getent', '/usr/sbin/nginx', '/usr/sbin/sshd', '/usr/bin/ssh-keygen', '/usr/sbin/nft', '/usr/bin/openssl', '/usr/bin/curl', '/usr/bin/nc', '/usr/bin/ping', '/usr/bin/ss', '/usr/bin/setsid', '/usr/bin/unshare', '/usr/bin/pgrep']

/** How to bring the lab up. */
export interface UpOptions {
  /** Real LXC CTs booting systemd for the systemd-kind services (real-ct.ts); default PHOENIX_LAB_REAL=1. */
  real?: boolean
  /** The estate's shape (topology.ts Shape); default PHOENIX_LAB_SHAPE, else standard. `operators` is real CTs only. */
  shape?: Shape
  /** CT 954 runs the real n8n (npm's package, real-n8n.ts) instead of the emulator; needs real; default PHOENIX_LAB_REAL_N8N=1. */
  realN8n?: boolean
}

/**
 * Brings the whole lab up from nothing: leftovers of a crashed run are cleaned first, so `up`
 * is idempotent. Every process it starts is detached and outlives this call.
 */
export async function up(options: UpOptions = {}): Promise<LabInfo> {
  const shape = options.shape ?? (process.env.PHOENIX_LAB_SHAPE === 'operators' ? 'operators' : 'standard')
  const realN8n = options.realN8n ?? process.env.PHOENIX_LAB_REAL_N8N === '1'
  const real = shape === 'operators' || (options.real ?? process.env.PHOENIX_LAB_REAL === '1') || realN8n
  await preflight(real)
  // Built once and cached outside the lab's state (minutes the first time, nothing after).
  const trees = real ? await rootfsTrees() : undefined
  const n8nDir = realN8n ? await installN8n() : undefined
  await down()
  await mkdir(STATE, {recursive: true})
  await writeFile(join(STATE, 'lab.env'), `# sourced by test/lab/shims/lib.sh\nPHX_PREFIX='${PREFIX}'\nPHX_REAL='${real ? 1 : 0}'\nPHX_SHAPE='${shape}'\n${NODES_ENV}`)
  await writeFile(join(STATE, 'faults.json'), '{}\n')
  await writeFile(join(STATE, 'pct-calls.log'), '')
  if (n8nDir) await markRealN8n(n8nDir)
  // The operators' shape makes only its own CTs (the gateway, Traefik, its services'), and no VM.
  const operators = labShape() === 'operators'
  const cts = operators ? realCandidates() : [...CTS, ...(real ? PROXY_CTS : [])]
  await preparePveDir(cts.map((ct) => ct.ctid))
  await mkdir(HOST_BIN, {recursive: true})
  // phoenix's pct (the lab's own calls use the shim directly). Under the pct-missing fault it is not
  // there, as a shell says it: what phoenix over SSH sees; on the host, phoenix's PATH drops it.
  const missing = `[ -e '${join(STATE, PCT_MISSING)}' ] && { echo 'sh: 1: pct: not found' >&2; exit 127; }`
  // PHX_NODE: the cluster's node pve sees only its own CTs (all of them unless the cluster test places some on pve2).
  await writeFile(join(HOST_BIN, 'pct'), `#!/bin/sh\n${missing}\nPHX_NODE=pve PHOENIX_LAB_STATE='${STATE}' exec '${join(SHIMS, 'host', 'pct')}' "$@"\n`, {mode: 0o755})
  await prepareClusterTools()
  // phoenix's qm (the VMs'): the lab's node runs the shim, in both modes (the host's sshd puts HOST_BIN on PATH).
  const qmWrapper = `#!/bin/sh\nPHOENIX_LAB_STATE='${STATE}' exec '${process.execPath}' '${QM}' "$@"\n`
  await mkdir(HOST_BIN_NO_PCT, {recursive: true})
  for (const dir of [HOST_BIN, HOST_BIN_NO_PCT]) await writeFile(join(dir, 'qm'), qmWrapper, {mode: 0o755})
  try {
    await createNetwork()
    // Every machine's resolv.conf before anything runs in it (sshd, the CTs): the host's dnsmasq.
    await prepareDns(MACHINES)
    await Promise.all([makeCertificates(), prepareSshd().then(prepareNode2Sshd), makeApiKeys()])
    await prepareGateway()
    const reals = trees ? realCandidates() : []
    if (trees) (await prepareTraefik(), traefikCertificates('healthy'))
    if (trees) await startHolder()
    if (reals.some((ct) => runsDocker(ct.ctid))) buildImageTarball()
    for (const ct of cts) {
      await prepareCt(ct)
      const mounts = ct.ctid === PROXY_CTID ? [traefikMount()] : n8nDir && ct.ctid === N8N_CTID ? [n8nMountEntry(n8nDir)] : []
      if (trees && reals.includes(ct)) await prepareRealCt(ct, trees, join(ctDir(ct.ctid), 'bin'), mounts)
      await pointRealCt(ct.ctid)
      await pct(['start', ct.ctid])
    }
    // The VMs (real containers with the guest agent) only with real CTs: the shims have no VM.
    const vms = trees && !operators ? VMS : []
    for (const vm of vms) await prepareVm(vm, trees!)
    const services = labServices()
    await Promise.all([...reals.map(async (ct) => {
      await waitBooted(ct.ctid)
      if (runsDocker(ct.ctid)) await importImage((argv) => ctExec(ct.ctid, argv))
    }), ...vms.map(bootVm)])
    await Promise.all([...services.map((s) => defineService(s)), defineGatewayUnit(), ...(trees ? [defineTraefikUnit()] : [])])
    await Promise.all([...services.map(startService), ctExec(GATEWAY_CTID, ['systemctl', 'start', 'nginx']), startSshd(), startNode2Sshd(), startDns()])
    await Promise.all([
      ...services.map((s) => waitListening(s.ctid, s.port, '0.0.0.0', 60_000)),
      waitListening(GATEWAY_CTID, 80, '0.0.0.0'), waitListening(GATEWAY_CTID, 443, '0.0.0.0'),
      waitUntil('sshd listening on the host', async () => (await run(['ip', 'netns', 'exec', HOST.ns, 'ss', '-tlnH', 'sport = :22'])).stdout.includes(':22')),
      waitNode2Sshd(),
      ...(trees ? [startTraefik()] : []),
    ])
    if (operators) await declareOperatorsFirewalls(services)
    await writeFile(CONFIG_LOCAL, inventoryYaml('local', services, undefined, labShape()))
    await writeFile(CONFIG_SSH, inventoryYaml('ssh', services, undefined, labShape()))
    await writeClusterConfigs(services)
  } catch (error) {
    throw new Error(`lab up failed (state kept in ${STATE} until the next up or down): ${(error as Error).message}`)
  }
  return info()
}

/** Stops every lab process, deletes the namespaces and the state dir. Safe to call any time. */
export async function down(): Promise<void> {
  await destroyRealCts()
  await destroyNetwork()
  await removeDns(MACHINES.map((m) => m.ns))
  await rm(STATE, {recursive: true, force: true})
}

/** What the real-CT lab needs beyond TOOLS (Debian's lxc and debootstrap). */
const REAL_TOOLS = ['/usr/bin/lxc-start', '/usr/bin/lxc-attach', '/usr/bin/lxc-stop', '/usr/bin/lxc-info', '/usr/sbin/debootstrap']

async function preflight(real: boolean): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces, nft, sshd): run it as root')
  if (real) await raiseInotifyInstances()
  const missing: string[] = []
  for (const t of real ? [...TOOLS, ...REAL_TOOLS] : TOOLS) if ((await run(['test', '-x', t])).code !== 0) missing.push(t)
  if (missing.length) throw new Error(`the lab needs ${missing.join(', ')}: run scripts/setup.sh (apt packages)`)
}

/**
 * Every systemd (PID 1, journald, logind, dbus) and dockerd holds inotify instances, counted per
 * user across the machine: root's default limit of 128 runs out at about two real-CT labs, and the
 * last CT's systemd then fails to boot. LXC hosts (Proxmox among them) raise it; so does the lab.
 */
async function raiseInotifyInstances(): Promise<void> {
  const path = '/proc/sys/fs/inotify/max_user_instances'
  const now = Number((await readFile(path, 'utf8').catch(() => '0')).trim())
  if (now > 0 && now < 1024) await writeFile(path, '1024\n')
}

function info(): LabInfo {
  return {
    state: STATE,
    configs: {local: CONFIG_LOCAL, ssh: CONFIG_SSH},
    commands: {
      // The keys are exported from their file, never put on a command line (argv shows in ps).
      local: `(set -a; . ${API_KEYS}; ip netns exec ${HOST.ns} env PATH=${HOST_BIN}:$PATH node bin/run.js check --all --config ${CONFIG_LOCAL})`,
      ssh: `(set -a; . ${API_KEYS}; ip netns exec ${ADMIN.ns} node bin/run.js check --all --config ${CONFIG_SSH})`,
    },
  }
}

/** The result of one phoenix run inside the lab. */
export interface PhoenixRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs phoenix (the built dist) inside the lab: on the host (`local`, with the lab's pct on
 * PATH as on a real Proxmox host) or on the admin machine (`ssh`, over SSH to the host's sshd),
 * with the services' API keys in the env vars the inventory names, as an operator exports them.
 * Its traffic starts in a lab namespace, so it can only reach the lab.
 */
export async function phoenix(args: readonly string[], options: {mode: Mode}): Promise<PhoenixRun> {
  const argv = [...phoenixNs(options.mode), process.execPath, join(REPO, 'bin/run.js'), ...args, '--config', configFor(options.mode)]
  return run(argv, {env: await phoenixEnv(options.mode), cwd: REPO, timeoutMs: 120_000})
}

/** The same run under a real pseudo-terminal (`script`): what a person at the host or admin machine sees. */
export async function phoenixInTerminal(args: readonly string[], options: {mode: Mode; guardMs?: number}): Promise<TerminalRun> {
  return inTerminal([...args, '--config', configFor(options.mode)], await phoenixEnv(options.mode), options.guardMs ?? 90_000, phoenixNs(options.mode))
}

/** Where phoenix runs: the Proxmox host's namespace (local) or the admin machine's (SSH). */
export const phoenixNs = (mode: Mode) => ['ip', 'netns', 'exec', mode === 'local' ? HOST.ns : ADMIN.ns]

/** phoenix's environment in the lab: the API keys, no agent, and pct on PATH only on the host. */
export async function phoenixEnv(mode: Mode): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', PHOENIX_LAB_STATE: STATE, ...(await apiKeys())}
  delete env.SSH_AUTH_SOCK
  delete env.PHOENIX_CONFIG
  // The pct-missing fault (faults.ts): phoenix on the host runs without pct on its PATH.
  const pctMissing = existsSync(join(STATE, PCT_MISSING))
  env.PATH = mode === 'local' ? `${pctMissing ? HOST_BIN_NO_PCT : HOST_BIN}:${process.env.PATH}` : process.env.PATH
  return env
}

/** A one-line state of every part, for `lab status`. */
export async function status(): Promise<string[]> {
  const namespaces = await labNamespaces()
  if (!namespaces.length) return ['lab is down (no namespaces)']
  const lines = [`namespaces: ${namespaces.join(' ')}`]
  for (const ct of labShape() === 'operators' ? realCandidates() : CTS) {
    const st = (await run([PCT, 'status', String(ct.ctid)], {env: SHIM_ENV})).stdout.trim()
    const list = 'systemctl list-units; docker ps -a | tail -n +2'
    const units = st.endsWith('running') ? (await run([PCT, 'exec', String(ct.ctid), '--', 'sh', '-c', list], {env: SHIM_ENV})).stdout.trim() : ''
    lines.push(`CT ${ct.ctid} ${ct.hostname} ${ct.address}: ${st}${units ? `\n    ${units.split('\n').join('\n    ')}` : ''}`)
  }
  for (const vm of VMS) {
    const st = (await run([process.execPath, QM, 'status', String(vm.vmid)], {env: SHIM_ENV})).stdout.trim()
    if (st) lines.push(`VM ${vm.vmid} ${vm.name} ${vm.address}: ${st}`)
  }
  const faults = await readFile(join(STATE, 'faults.json'), 'utf8').catch(() => '{}')
  lines.push(`faults: ${faults.trim()}`)
  return lines
}

/** Sets the pct delay (ms) every `pct exec` waits, standing for a real host's Perl and lxc-attach. */
export async function setPctDelay(ms: number): Promise<void> {
  await writeFile(join(STATE, 'pct-delay-ms'), `${Math.max(0, Math.round(ms))}\n`)
}

/** Every `pct` call logged so far, one line each. */
export async function pctCalls(): Promise<string[]> {
  const text = await readFile(join(STATE, 'pct-calls.log'), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean)
}
