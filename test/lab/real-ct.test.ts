import {spawn} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {down, phoenix, up} from './lab.js'
import type {Mode} from './lab.js'
import {labNamespaces, labPids, MACHINES} from './namespaces.js'
import {DNS_DIR} from './dns.js'
import {run, waitUntil} from './proc.js'
import {LXC_PATH, realCandidates} from './real-ct.js'
import {NGINX_CONF} from './nginx-config.js'
import {IMAGE} from './real-docker.js'
import {NGINX_PID} from './real-gateway.js'
import {PCT, SHIM_ENV, startService, stopService, waitListening} from './services.js'
import {GATEWAY_CTID, REPO, SERVICES, STATE, VMS} from './topology.js'

/**
 * The real-CT lab (opt-in; real-ct.ts): the systemd-kind services' CTs are LXC containers booting
 * Debian's systemd, entered by the lab's pct with lxc-attach as Proxmox's pct.pm does. phoenix's
 * in-CT half runs here against real systemd and journald: a unit healthy, then stopped.
 */
const MODES: readonly Mode[] = ['local', 'ssh']
const VLLM = SERVICES.find((s) => s.name === 'vllm-chat')!
const pct = (args: readonly string[], env: NodeJS.ProcessEnv = SHIM_ENV) => run([PCT, ...args], {env, timeoutMs: 60_000})

async function check(mode: Mode, name: string): Promise<{code: number; report: Report}> {
  const r = await phoenix(['check', name, '--json', '--timeout', '5s', '--deadline', '40s'], {mode})
  try {
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  } catch {
    throw new Error(`phoenix (${mode}) exited ${r.code} without a JSON report:\n${r.stderr.slice(0, 3000)}\n${r.stdout.slice(0, 3000)}`)
  }
}

/** Everything a real CT can leave on the host: LXC's lock, mounts, cgroup dirs, processes. */
async function leftovers(): Promise<string[]> {
  const left: string[] = []
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(STATE))
  left.push(...mounts.map((m) => `mount: ${m}`))
  const locks = await readdir(`/run/lxc/lock${LXC_PATH}`).catch(() => [])
  left.push(...locks.map((l) => `lock: ${l}`))
  const ids = [...realCandidates().map((ct) => ct.ctid), ...VMS.map((vm) => vm.vmid)]
  // LXC names cgroups by container name (the CTID; lxc.payload.950-1 when 950 is taken), so
  // another lab's real CTs on this machine have the same names: theirs are not this lab's leftovers.
  const names = ids.flatMap((id, i) => [...(i ? ['-o'] : []), '-name', `lxc.*.${id}`, '-o', '-name', `lxc.*.${id}-*`])
  const cgroups = (await run(['find', '/sys/fs/cgroup', '-maxdepth', '5', '-type', 'd', '(', ...names, ')'])).stdout.split('\n').filter(Boolean)
  const foreign = await Promise.all(cgroups.map(heldByAnotherLab))
  left.push(...cgroups.filter((_, i) => !foreign[i]).map((c) => `cgroup: ${c}`))
  left.push(...(await labNamespaces()).map((n) => `namespace: ${n}`))
  const procs = (await run(['pgrep', '-af', LXC_PATH])).stdout.split('\n').filter(Boolean)
  left.push(...procs.map((p) => `process: ${p}`))
  // The lab's DNS (dns.ts): each machine's /etc/netns/NS/resolv.conf, and the host's dnsmasq.
  const ours = new Set(MACHINES.map((m) => m.ns))
  left.push(...(await readdir('/etc/netns').catch(() => [] as string[])).filter((n) => ours.has(n)).map((n) => `resolver: /etc/netns/${n}`))
  left.push(...(await run(['pgrep', '-af', DNS_DIR])).stdout.split('\n').filter(Boolean).map((p) => `process: ${p}`))
  return left
}

/** A CT's cgroup whose LXC monitor (lxc.monitor.NAME beside it) runs for another lxcpath than this lab's. */
async function heldByAnotherLab(cgroup: string): Promise<boolean> {
  const monitor = join(dirname(cgroup), basename(cgroup).replace(/^lxc\.payload\./, 'lxc.monitor.'))
  const pids = (await readFile(join(monitor, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)
  const lines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')))
  // "[lxc monitor] LXCPATH NAME" (its argv, rewritten in place).
  return lines.some((l) => l.startsWith('[lxc monitor] ') && !l.replaceAll('\0', ' ').startsWith(`[lxc monitor] ${LXC_PATH} `))
}

describe('real-CT lab: real systemd in LXC, entered as Proxmox does', () => {
  beforeAll(async () => {
    await up({real: true})
  }, 1_200_000)
  afterAll(async () => {
    await down()
  }, 120_000)

  it('the systemd-kind CTs are LXC containers whose systemd answers through pct exec', async () => {
    const list = (await pct(['list'])).stdout
    for (const ct of realCandidates()) {
      expect(list).toMatch(new RegExp(`^${ct.ctid}\\s+running\\s+${ct.hostname}`, 'm'))
      const info = await run(['ip', 'netns', 'exec', `${process.env.PHOENIX_LAB_PREFIX ?? 'phx-'}pve`, 'lxc-info', '-n', String(ct.ctid), '-P', LXC_PATH, '-sH'])
      expect(info.stdout.trim()).toBe('RUNNING')
    }
    const state = await pct(['exec', String(VLLM.ctid), '--', 'systemctl', 'is-system-running'])
    expect(state.stdout.trim()).toMatch(/^(running|degraded)$/)
    const pid1 = await pct(['exec', String(VLLM.ctid), '--', 'cat', '/proc/1/comm'])
    expect(pid1.stdout.trim()).toBe('systemd')
    const show = await pct(['exec', String(VLLM.ctid), '--', 'systemctl', 'show', VLLM.unit, '-p', 'ActiveState,SubState,LoadState'])
    expect(show.stdout).toMatch(/ActiveState=active/)
    expect(show.stdout).toMatch(/SubState=running/)
  })

  it('the docker-kind CTs run a real dockerd: docker inspect answers from it, the container runs the imported image', async () => {
    const n8n = SERVICES.find((s) => s.name === 'n8n')!
    expect((await pct(['exec', String(n8n.ctid), '--', 'systemctl', 'is-system-running'])).stdout.trim()).toMatch(/^(running|degraded)$/)
    const inspect = await pct(['exec', String(n8n.ctid), '--', 'docker', 'inspect', n8n.unit])
    const [c] = JSON.parse(inspect.stdout) as {Name: string; Config: {Image: string}; State: {Status: string; OOMKilled: boolean}; HostConfig: {RestartPolicy: {Name: string}}}[]
    expect({name: c?.Name, image: c?.Config.Image, status: c?.State.Status, restart: c?.HostConfig.RestartPolicy.Name}).toEqual({name: '/n8n', image: IMAGE, status: 'running', restart: 'unless-stopped'})
    // Published through docker-proxy, as `docker run -p 5678:5678` is on the estate.
    const ss = await pct(['exec', String(n8n.ctid), '--', 'ss', '-tlnpH', `sport = :${n8n.port}`])
    expect(ss.stdout).toMatch(/docker-proxy/)
    // Its key reached the container through --env-file, never an argv.
    const qdrant = SERVICES.find((s) => s.name === 'qdrant')!
    const ps = await pct(['exec', String(qdrant.ctid), '--', 'ps', '-eo', 'args'])
    expect(ps.stdout).toMatch(/emulator\/main\.ts/)
    expect(ps.stdout).not.toMatch(/QDRANT_API_KEY=/)
  })

  it("the gateway CT runs Debian's nginx.service under real systemd, on the lab's config", async () => {
    const gw = String(GATEWAY_CTID)
    const show = await pct(['exec', gw, '--', 'systemctl', 'show', 'nginx', '-p', 'ActiveState,SubState,Type,MainPID'])
    expect(show.stdout).toMatch(/^Type=forking$/m)
    expect(show.stdout).toMatch(/^ActiveState=active$/m)
    const pid = await pct(['exec', gw, '--', 'cat', NGINX_PID])
    expect(show.stdout).toContain(`MainPID=${pid.stdout.trim()}`)
    expect((await pct(['exec', gw, '--', 'cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd')
    // The CT's `nginx` (its /usr/local/bin) reads the running config, as phoenix's probes do.
    expect((await pct(['exec', gw, '--', 'nginx', '-t'])).stderr).toContain(NGINX_CONF)
  })

  it("pct exec keeps the caller's environment by default (PVE 8), clears it with --keep-env 0, and fails as pct.pm does", async () => {
    const env = {...SHIM_ENV, PHX_CANARY: 'canary-1', SSL_CERT_FILE: '/nowhere'}
    const kept = await pct(['exec', String(VLLM.ctid), '--', 'sh', '-c', 'echo "${PHX_CANARY:-none} ${SSL_CERT_FILE:-unset}"'], env)
    expect(kept.stdout.trim()).toBe('canary-1 unset')
    const cleared = await pct(['exec', String(VLLM.ctid), '--keep-env', '0', '--', 'sh', '-c', 'echo "${PHX_CANARY:-none}"'], env)
    expect(cleared.stdout.trim()).toBe('none')
    const unknown = await pct(['exec', '999', '--', 'true'])
    expect(unknown.code).toBe(255)
    expect(unknown.stderr).toMatch(/Configuration file 'nodes\/pve\/lxc\/999\.conf' does not exist/)
    const missing = await pct(['exec', String(VLLM.ctid), '--', 'docker', 'ps'])
    expect(missing.code).toBe(127)
  })

  it.each(MODES)('phoenix reads a real unit: healthy, then stopped with systemctl (service_down, from the journal) (%s)', async (mode) => {
    const healthy = await check(mode, VLLM.name)
    expect(healthy.report.services[0]?.verdict.cause, JSON.stringify(healthy.report.services[0])).toBe('healthy')
    expect(healthy.code).toBe(0)
    await stopService(VLLM)
    try {
      const stopped = await check(mode, VLLM.name)
      const s = stopped.report.services[0]!
      expect({layer: s.verdict.layer, cause: s.verdict.cause}, JSON.stringify(s)).toEqual({layer: 'service', cause: 'service_down'})
      expect(stopped.code).toBe(2)
      // systemd's own journal line, which the shims only imitated.
      expect(JSON.stringify(s)).toMatch(/Deactivated successfully|Stopped /)
    } finally {
      await startService(VLLM)
      await waitListening(VLLM.ctid, VLLM.port, '0.0.0.0', 120_000)
    }
  })

  it('a CT stopped with pct stop is container_stopped; pct exec says what pct.pm says', async () => {
    const ct = String(VLLM.ctid)
    expect((await pct(['stop', ct])).code).toBe(0)
    try {
      expect((await pct(['status', ct])).stdout.trim()).toBe('status: stopped')
      const exec = await pct(['exec', ct, '--', 'true'])
      expect(exec.code).toBe(255)
      expect(exec.stderr.trim()).toBe(`container '${ct}' not running!`)
      const r = await check('local', VLLM.name)
      expect(r.report.services[0]?.verdict.cause).toBe('container_stopped')
    } finally {
      await pct(['start', ct])
      await waitListening(VLLM.ctid, VLLM.port, '0.0.0.0', 120_000)
    }
  })

  it('lab down leaves no container, mount, lock, cgroup directory, namespace, resolv.conf or process', async () => {
    await down()
    await waitUntil('the lab gone', async () => (await leftovers()).length === 0, 10_000).catch(() => {})
    expect(await leftovers()).toEqual([])
    expect(await labPids(await labNamespaces())).toEqual([])
  })

  it('down after a killed `lab up --real` leaves nothing either', async () => {
    // `up` killed once a dockerd runs: the holder, LXC's monitors and the CTs outlive it.
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/lab/cli.ts'), 'up', '--real'], {cwd: REPO, detached: true, stdio: 'ignore'})
    try {
      // Once a docker CT's dockerd has made its data root: containers, their mounts and cgroups inside.
      const dockerData = join(LXC_PATH, String(SERVICES.find((s) => s.runtime === 'docker')!.ctid), 'docker-data')
      await waitUntil('a dockerd running under the killed up', async () => (await readdir(dockerData).catch(() => [])).length > 0, 120_000, 100)
    } finally {
      process.kill(-child.pid!, 'SIGKILL')
    }
    expect(await leftovers()).not.toEqual([])
    await down()
    expect(await leftovers()).toEqual([])
  }, 180_000)
})
