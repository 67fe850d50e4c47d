import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must, run, startDetached} from './proc.js'
import {defineUnit, unitDir} from './services.js'
import {HOST, HOST_BIN, NODE2, NODE2_BIN, SHIMS, STATE} from './topology.js'

/**
 * A real OpenSSH sshd on the lab's Proxmox host (198.18.0.1:22), for phoenix's SSH mode.
 *
 * Logging in as root: root's real login shell here is bash, whose ~/.bashrc (pyenv) costs ~100 ms
 * per exec over SSH. Instead of adding a uid-0 account to the machine's /etc/passwd (which a
 * crash would leave behind), sshd runs in a private mount namespace where /etc/passwd and
 * /etc/shadow are bind-mounted copies giving root /bin/sh and a home inside the lab. Nothing of
 * the machine changes, and killing sshd undoes it all. Root keeps uid 0, so `pct` (ip netns exec)
 * works; the lab's pct is on PATH through SetEnv, as a real host has /usr/sbin/pct.
 */

export const SSH_DIR = join(STATE, 'host', 'sshd')
export const ADMIN_DIR = join(STATE, 'admin')
/** The admin machine's private key and known_hosts, named in the ssh-mode inventory. */
export const CLIENT_KEY = join(ADMIN_DIR, 'id_ed25519')
export const KNOWN_HOSTS = join(ADMIN_DIR, 'known_hosts')
/** sshd's log (LogLevel VERBOSE): one "Connection from" line per TCP connection. */
export const SSHD_LOG = join(unitDir('host', 'ssh'), 'log')
export const SSH_PORT = 22
export const SSH_USER = 'root'

/** Keys, passwd copies and sshd_config; then defines sshd as the host's `ssh` unit. */
export async function prepareSshd(): Promise<void> {
  await mkdir(SSH_DIR, {recursive: true})
  await mkdir(ADMIN_DIR, {recursive: true})
  await mkdir(join(SSH_DIR, 'home'), {recursive: true})
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'phoenix-lab-host', '-f', join(SSH_DIR, 'ssh_host_ed25519_key')])
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'phoenix-lab-admin', '-f', CLIENT_KEY])
  await writeFile(join(SSH_DIR, 'authorized_keys'), await readFile(`${CLIENT_KEY}.pub`))
  const hostKey = (await readFile(join(SSH_DIR, 'ssh_host_ed25519_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  await writeFile(KNOWN_HOSTS, `${HOST.address} ${hostKey}\n`)
  await writeFile(join(SSH_DIR, 'passwd'), rootEntry(await readFile('/etc/passwd', 'utf8'), (f) => ((f[5] = join(SSH_DIR, 'home')), (f[6] = '/bin/sh'), f)))
  // "*": no password, yet not "locked" ("!"), which sshd without PAM would refuse even for keys.
  await writeFile(join(SSH_DIR, 'shadow'), rootEntry(await readFile('/etc/shadow', 'utf8'), (f) => ((f[1] = '*'), f)), {mode: 0o600})
  await writeFile(join(SSH_DIR, 'sshd_config'), sshdConfig(HOST.address, SSH_DIR, HOST_BIN))
  // sshd's privilege separation needs it; openssh-server's own unit makes it too (left in place).
  await mkdir('/run/sshd', {recursive: true, mode: 0o755})
  await must(['/usr/sbin/sshd', '-t', '-f', join(SSH_DIR, 'sshd_config')])
  await defineSshdUnit('ssh', SSH_DIR)
}

/** sshd in its private mount namespace (root's passwd entry: /bin/sh and the lab home), as a host unit. */
async function defineSshdUnit(name: string, dir: string): Promise<void> {
  const mounts = `mount --bind ${join(SSH_DIR, 'passwd')} /etc/passwd && mount --bind ${join(SSH_DIR, 'shadow')} /etc/shadow`
  await defineUnit('host', name, 'systemd', 'OpenBSD Secure Shell server', [
    'unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && exec /usr/sbin/sshd -D -e -f ${join(dir, 'sshd_config')}`,
  ])
}

/** The cluster's second node (issue 15): its own sshd and host key, the same admin key, its pct on PATH. */
export const NODE2_SSH_DIR = join(STATE, 'node2', 'sshd')
/** Node 2's sshd unit (a host unit of the lab) and its VERBOSE log. */
export const NODE2_SSH_UNIT = 'ssh-pve2'
export const NODE2_SSHD_LOG = join(unitDir('host', NODE2_SSH_UNIT), 'log')

/** Node 2's sshd: after prepareSshd (its passwd copies and the admin key); its host key joins known_hosts. */
export async function prepareNode2Sshd(): Promise<void> {
  await mkdir(NODE2_SSH_DIR, {recursive: true})
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'phoenix-lab-pve2', '-f', join(NODE2_SSH_DIR, 'ssh_host_ed25519_key')])
  const hostKey = (await readFile(join(NODE2_SSH_DIR, 'ssh_host_ed25519_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  await writeFile(KNOWN_HOSTS, `${await readFile(KNOWN_HOSTS, 'utf8')}${NODE2.address} ${hostKey}\n`)
  await writeFile(join(NODE2_SSH_DIR, 'sshd_config'), sshdConfig(NODE2.address, NODE2_SSH_DIR, NODE2_BIN))
  await must(['/usr/sbin/sshd', '-t', '-f', join(NODE2_SSH_DIR, 'sshd_config')])
  await defineSshdUnit(NODE2_SSH_UNIT, NODE2_SSH_DIR)
}

/** Starts node 2's sshd supervisor inside its namespace, detached. */
export async function startNode2Sshd(): Promise<void> {
  await startDetached(['ip', 'netns', 'exec', NODE2.ns, join(SHIMS, 'supervise'), unitDir('host', NODE2_SSH_UNIT)])
}

/** Starts sshd's supervisor inside the host's namespace, detached. */
export async function startSshd(): Promise<void> {
  await startDetached(['ip', 'netns', 'exec', HOST.ns, join(SHIMS, 'supervise'), unitDir('host', 'ssh')])
}

/** How many SSH connections the host's sshd accepted so far (for the benchmark). */
export async function sshConnectionCount(log = SSHD_LOG): Promise<number> {
  const r = await run(['cat', log])
  return r.stdout.split('\n').filter((l) => l.includes('Connection from ')).length
}

function rootEntry(file: string, edit: (fields: string[]) => string[]): string {
  return file
    .split('\n')
    .map((line) => (line.startsWith('root:') ? edit(line.split(':')).join(':') : line))
    .join('\n')
}

function sshdConfig(address: string, dir: string, bin: string): string {
  const path = `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`
  return `# The lab host's sshd (test/lab/sshd.ts).
Port ${SSH_PORT}
ListenAddress ${address}
HostKey ${join(dir, 'ssh_host_ed25519_key')}
PidFile ${join(dir, 'sshd.pid')}
AuthorizedKeysFile ${join(SSH_DIR, 'authorized_keys')}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# Keys live under the repo's .lab/, whose modes sshd would otherwise judge.
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
# Parallel connections of a benchmark must not be dropped before the handshake.
MaxStartups 200:30:400
# VERBOSE logs every connection and accepted key: the benchmark counts them.
LogLevel VERBOSE
SetEnv PATH=${path} PHOENIX_LAB_STATE=${STATE}
`
}
