import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {down, up} from './lab.js'
import {run} from './proc.js'
import {CLIENT_KEY, KNOWN_HOSTS} from './sshd.js'
import {ADMIN, HOST, HOST_BIN, VM_SERVICES, VMS} from './topology.js'
import {bootVm, qm, vmDir, vmExec, waitAgent} from './vms.js'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

/**
 * The lab's VM (vms.ts): a real LXC container running Debian's qemu-guest-agent, and the lab's
 * `qm` speaking the agent's own protocol to it. Each answer is the one qemu-server's qm.pm and
 * Agent.pm give (messages, exit 255, the pretty JSON), from the host and over the lab's SSH.
 */
const VM = VMS[0]!
const ID = String(VM.vmid)
const SERVICE = VM_SERVICES[0]!

/** `qm ARGS` as phoenix runs it on the host: the lab's host-bin on PATH, nothing else of ours. */
const hostQm = (args: readonly string[], input?: string) =>
  run(['ip', 'netns', 'exec', HOST.ns, 'qm', ...args], {env: {PATH: `${HOST_BIN}:${process.env.PATH}`, LANG: 'C.UTF-8'}, input, timeoutMs: 90_000})

/** The same over SSH from the admin machine (the host's sshd puts host-bin on PATH). */
const sshQm = (args: readonly string[], input?: string) =>
  run(['ip', 'netns', 'exec', ADMIN.ns, 'ssh', '-i', CLIENT_KEY, '-o', `UserKnownHostsFile=${KNOWN_HOSTS}`, '-o', 'BatchMode=yes', `root@${HOST.address}`, 'qm', ...args], {env: {PATH: process.env.PATH}, input, timeoutMs: 90_000})

const SCRIPT = 'echo "out $(id -u)"; echo "$PATH"; echo err >&2; exit 3\n'

describe('lab VM: the real guest agent behind the lab\'s qm', () => {
  beforeAll(async () => {
    await up({real: true})
  }, 1_200_000)
  afterAll(async () => {
    await down()
  }, 120_000)

  it('qm status, config and list show the VM as Proxmox does (agent: 1, the cloud-init address)', async () => {
    expect((await hostQm(['status', ID])).stdout).toBe('status: running\n')
    const config = (await hostQm(['config', ID])).stdout
    expect(config).toMatch(/^agent: 1$/m)
    expect(config).toMatch(new RegExp(`^ipconfig0: ip=${VM.address.replaceAll('.', '\\.')}/24,`, 'm'))
    expect(config).toMatch(/^net0: virtio=[0-9A-F:]{17},bridge=vmbr0,firewall=1$/m)
    expect((await hostQm(['list'])).stdout).toMatch(new RegExp(`^\\s+${ID} ${VM.name}\\s+running\\s+8192\\s+32\\.00 \\d+`, 'm'))
    const missing = await hostQm(['status', '1003'])
    expect({code: missing.code, stderr: missing.stderr}).toEqual({code: 255, stderr: "Configuration file 'nodes/pve/qemu-server/1003.conf' does not exist\n"})
  })

  it.each(['host', 'ssh'] as const)('qm guest exec --pass-stdin 1 -- sh -s runs the script in the VM through the agent (%s)', async (mode) => {
    const qmIn = mode === 'host' ? hostQm : sshQm
    expect((await qmIn(['guest', 'cmd', ID, 'ping'])).code).toBe(0)
    const r = await qmIn(['guest', 'exec', ID, '--pass-stdin', '1', '--', 'sh', '-s'], SCRIPT)
    // Exit 0 whatever the command's: its exit code is in the JSON, printed as Perl's pretty JSON.
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^\{\n {3}"err-data" : "err\\n",\n/)
    expect(JSON.parse(r.stdout)).toEqual({
      exitcode: 3, exited: 1, 'out-truncated': 0, 'err-truncated': 0, 'err-data': 'err\n',
      // The agent's environment, not the caller's: systemd's PATH in the guest, root.
      'out-data': 'out 0\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
    })
  })

  it('a big answer (300 KB of output: the agent sends it in pieces) comes back whole', async () => {
    const r = await hostQm(['guest', 'exec', ID, '--pass-stdin', '1', '--', 'sh', '-s'], 'head -c 300000 /dev/zero | tr "\\0" x\n')
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as {'out-data': string})['out-data']).toHaveLength(300_000)
  })

  it('UTF-8 output comes back encoded twice (Perl prints decode_base64 bytes as characters)', async () => {
    const r = await hostQm(['guest', 'exec', ID, '--', 'printf', 'é'])
    expect(JSON.parse(r.stdout)['out-data']).toBe('Ã©')
  })

  it('stdin over 1 MiB is refused; a command past --timeout returns its pid', async () => {
    const big = await hostQm(['guest', 'exec', ID, '--pass-stdin', '1', '--', 'wc', '-c'], 'x'.repeat(1024 * 1024 + 1))
    expect({code: big.code, stderr: big.stderr}).toEqual({code: 255, stderr: "'input-data' (STDIN) is limited to 1 MiB, aborting\n"})
    const slow = await hostQm(['guest', 'exec', ID, '--timeout', '1', '--', 'sleep', '5'])
    expect(slow.code).toBe(0)
    expect(slow.stderr).toBe('timeout reached, returning pid\n')
    expect(Object.keys(JSON.parse(slow.stdout))).toEqual(['pid'])
  })

  it('the VM\'s service listens on the VM\'s address, reached from the host', async () => {
    const r = await run(['ip', 'netns', 'exec', HOST.ns, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${VM.address}:${SERVICE.port}/healthz`])
    expect(r.stdout).toBe('200')
  })

  it('agent stopped in the guest: "QEMU guest agent is not running" once the 3 s ping timed out', async () => {
    await vmExec(VM.vmid, ['systemctl', 'stop', 'qemu-guest-agent'])
    try {
      for (const qmIn of [hostQm, sshQm]) {
        const r = await qmIn(['guest', 'exec', ID, '--', 'true'])
        expect({code: r.code, stderr: r.stderr}).toEqual({code: 255, stderr: 'QEMU guest agent is not running\n'})
      }
      expect((await hostQm(['status', ID])).stdout).toBe('status: running\n')
    } finally {
      await vmExec(VM.vmid, ['systemctl', 'start', 'qemu-guest-agent'])
      await waitAgent(VM.vmid)
    }
  })

  it('no agent in the config: "No QEMU guest agent configured"', async () => {
    const file = join(vmDir(VM.vmid), 'qm.conf')
    const config = await readFile(file, 'utf8')
    await writeFile(file, config.replace(/^agent: 1\n/m, ''))
    try {
      const r = await hostQm(['guest', 'cmd', ID, 'ping'])
      expect({code: r.code, stderr: r.stderr}).toEqual({code: 255, stderr: 'No QEMU guest agent configured\n'})
    } finally {
      await writeFile(file, config)
    }
  })

  it('VM stopped with qm stop: "VM 1002 is not running", status stopped, its address silent', async () => {
    await qm(['stop', ID])
    try {
      expect((await hostQm(['status', ID])).stdout).toBe('status: stopped\n')
      const r = await sshQm(['guest', 'exec', ID, '--pass-stdin', '1', '--', 'sh', '-s'], SCRIPT)
      expect({code: r.code, stderr: r.stderr}).toEqual({code: 255, stderr: `VM ${ID} is not running\n`})
      const ping = await run(['ip', 'netns', 'exec', HOST.ns, 'ping', '-c1', '-W1', VM.address])
      expect(ping.code).not.toBe(0)
    } finally {
      await bootVm(VM)
    }
    expect((await hostQm(['guest', 'cmd', ID, 'ping'])).code).toBe(0)
  })
})
