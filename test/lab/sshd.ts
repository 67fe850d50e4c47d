import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must, run, startDetached} from './proc.js'
import {defineUnit, unitDir} from './services.js'
import {HOST, HOST_BIN, SHIMS, STATE} from './topology.js'

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
  await writeFile(join(SSH_DIR, 'sshd_config'), sshdConfig())
  // sshd's privilege separation needs it; openssh-server's own unit makes it too (left in place).
  await mkdir('/run/sshd', {recursive: true, mode: 0o755})
  await must(['/usr/sbin/sshd', '-t', '-f', join(SSH_DIR, 'sshd_config')])
  const mounts = `mount --bind ${join(SSH_DIR, 'passwd')} /etc/passwd && mount --bind ${join(SSH_DIR, 'shadow')} /etc/shadow`
  await defineUnit('host', 'ssh', 'systemd', 'OpenBSD Secure Shell server', [
    'unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && exec /usr/sbin/sshd -D -e -f ${join(SSH_DIR, 'sshd_config')}`,
  ])
}

/** Starts sshd's supervisor inside the host's namespace, detached. */
export async function startSshd(): Promise<void> {
  await startDetached(['ip', 'netns', 'exec', HOST.ns, join(SHIMS, 'supervise'), unitDir('host', 'ssh')])
}

/** How many SSH connections the host's sshd accepted so far (for the benchmark). */
export async function sshConnectionCount(): Promise<number> {
  const r = await run(['cat', SSHD_LOG])
  return r.stdout.split('\n').filter((l) => l.includes('Connection from ')).length
}

function rootEntry(file: string, edit: (fields: string[]) => string[]): string {
  return file
    .split('\n')
    .map((line) => (line.startsWith('root:') ? edit(line.split(':')).join(':') : line))
    .join('\n')
}

function sshdConfig(): string {
  const path = `${HOST_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`
  return `# The lab host's sshd (test/lab/sshd.ts).
Port ${SSH_PORT}
ListenAddress ${HOST.address}
HostKey ${join(SSH_DIR, 'ssh_host_ed25519_key')}
PidFile ${join(SSH_DIR, 'sshd.pid')}
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
