import {randomUUID} from 'node:crypto'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must, run, waitUntil} from './proc.js'
import {prepareRealCt, runsDocker, vmArgv, waitBooted} from './real-ct.js'
import {importImage} from './real-docker.js'
import type {Trees} from './real-ct.js'
import {BRIDGE, HOST, SHIMS, STATE} from './topology.js'
import type {Vm} from './topology.js'

/**
 * The real-CT lab's VMs. There is no QEMU here: a VM is a real LXC container booting systemd (as
 * real-ct.ts's CTs) that runs Debian's real qemu-guest-agent, listening on a unix socket in a
 * folder of the VM's (bound in from the host) instead of QEMU's virtio-serial port. The lab's `qm`
 * (shims/host/qm.mjs) reads the VM's qm.conf, starts and stops the container, and speaks the
 * agent's own protocol to that socket, as Proxmox's qm does to QEMU's chardev.
 */

export const QM = join(SHIMS, 'host', 'qm.mjs')

export function vmDir(vmid: number): string {
  return join(STATE, `vm${vmid}`)
}

/** The agent's socket folder inside the VM (the host's side is vmDir/qga). */
const QGA_IN_VM = '/var/lib/phoenix-lab-qga'

/** `qm config` of a VM created from the operators' cloud-init template: agent on, its address in ipconfig0. */
export function qmConfig(vm: Vm, hwaddr: string, agent = true): string {
  return [
    ...(agent ? ['agent: 1'] : []), 'boot: order=scsi0;net0', 'cores: 4', 'cpu: host', `ipconfig0: ip=${vm.address}/24,gw=${HOST.address}`, 'memory: 8192',
    `name: ${vm.name}`, `net0: virtio=${hwaddr},bridge=${BRIDGE},firewall=1`, 'numa: 0', 'ostype: l26',
    `scsi0: local-lvm:vm-${vm.vmid}-disk-0,iothread=1,size=32G`, 'scsihw: virtio-scsi-single', `smbios1: uuid=${randomUUID()}`, 'sockets: 1', '',
  ].join('\n')
}

/** Writes the VM's qm.conf and its container's LXC config (the agent's socket folder bound in). */
export async function prepareVm(vm: Vm, trees: Trees): Promise<void> {
  const dir = vmDir(vm.vmid)
  await mkdir(join(dir, 'qga'), {recursive: true})
  const link = JSON.parse(await must(['ip', '-n', vm.ns, '-j', 'link', 'show', 'eth0'])) as {address: string}[]
  await writeFile(join(dir, 'qm.conf'), qmConfig(vm, link[0]?.address.toUpperCase() ?? ''))
  await prepareRealCt({ctid: vm.vmid, hostname: vm.name, ns: vm.ns}, trees, undefined, [`${join(dir, 'qga')} ${QGA_IN_VM.slice(1)} none bind,create=dir 0 0`])
}

/**
 * The agent's unit in the VM: Debian's, bound to a unix socket instead of the virtio port (its
 * BindsTo= that device would keep it from starting in a container). Restart=always as Debian's.
 */
const AGENT_UNIT = `[Unit]
Description=QEMU Guest Agent (lab: on a unix socket, test/lab/vms.ts)

[Service]
ExecStart=-/usr/sbin/qemu-ga -m unix-listen -p ${QGA_IN_VM}/qga.sock
Restart=always
RestartSec=0

[Install]
WantedBy=multi-user.target
`

/** A command in the VM as root, through LXC (works with the agent down). Throws when it fails. */
export async function vmExec(vmid: number, argv: readonly string[], input?: string): Promise<string> {
  return must(vmArgv(vmid, argv), {input, timeoutMs: 60_000})
}

/** `qm ARGS` as the lab calls it (with the lab's state dir), throwing when it fails. */
export async function qm(args: readonly (string | number)[]): Promise<string> {
  return must([process.execPath, QM, ...args.map(String)], {env: {PATH: process.env.PATH, LANG: 'C.UTF-8', PHOENIX_LAB_STATE: STATE}, timeoutMs: 120_000})
}

/** Starts the VM, waits for its systemd, installs and starts the agent, waits until it answers a ping. */
export async function bootVm(vm: Vm): Promise<void> {
  await qm(['start', vm.vmid])
  await waitBooted(vm.vmid)
  await vmExec(vm.vmid, ['sh', '-s'], `set -e\ncat > /etc/systemd/system/qemu-guest-agent.service <<'EOF'\n${AGENT_UNIT}EOF\nsystemctl daemon-reload\nsystemctl enable -q --now qemu-guest-agent\n`)
  await waitAgent(vm.vmid)
  // A VM running a compose stack has dockerd (the docker layer): the emulator's image goes in once.
  if (runsDocker(vm.vmid)) await importImage((argv) => vmExec(vm.vmid, argv))
}

/** Waits until `qm guest cmd VMID ping` succeeds (after a start, or the agent's). */
export async function waitAgent(vmid: number, ms = 60_000): Promise<void> {
  await waitUntil(`the guest agent of VM ${vmid} answering`, async () => (await run([process.execPath, QM, 'guest', 'cmd', String(vmid), 'ping'], {env: {PATH: process.env.PATH, PHOENIX_LAB_STATE: STATE}, timeoutMs: 20_000})).code === 0, ms, 200)
}
