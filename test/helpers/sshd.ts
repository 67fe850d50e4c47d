import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, stopProcess, waitForPort} from './processes.js'

/** The dedicated login of the test sshd: /bin/sh, so no root .bashrc (pyenv) slows every exec. */
export const SSH_TEST_USER = 'phxsshtest'

/** A real OpenSSH sshd on 127.0.0.1, for one test file. */
export interface TestSshd {
  host: string
  port: number
  user: string
  /** Private key the test user is authorized with (ed25519, no passphrase). */
  identityFile: string
  /** `ssh-ed25519 AAAA... comment`, the server's host key as ssh-keygen wrote it. */
  hostPublicKeyLine: string
  /** Scratch folder the test user may write to (world-writable). */
  scratch: string
  /** Folder of the sshd's files, for the test's own throwaway files. */
  dir: string
  logFile: string
  /** How many logins sshd accepted so far (its VERBOSE log's "Accepted publickey" lines). */
  connectionsAccepted(): Promise<number>
  /** Kills sshd, removes the user and the files. Safe to call twice. */
  close(): Promise<void>
}

/** Writes an ed25519 key pair to `dir/name` (and `.pub`), with a passphrase if given. */
export function generateKey(dir: string, name: string, passphrase = ''): string {
  const file = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `phoenix-test-${name}`, '-f', file])
  return file
}

/**
 * Starts `/usr/sbin/sshd -D -e` with throwaway host and client keys in a temp folder, for a
 * dedicated user. Needs root (useradd, sshd). Close it in afterAll; a process exit hook removes
 * the user and kills sshd too, should the test run die before that.
 */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-sshd-'))
  // sshd reads authorized_keys as the test user, who must reach it through this folder.
  chmodSync(dir, 0o755)
  const scratch = join(dir, 'scratch')
  mkdirSync(scratch)
  chmodSync(scratch, 0o777)
  const hostKey = generateKey(dir, 'host_ed25519')
  const identityFile = generateKey(dir, 'client_ed25519')
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`), {mode: 0o644})
  ensureUser(dir)
  const port = await freePort()
  const config = join(dir, 'sshd_config')
  writeFileSync(config, sshdConfig(dir, port, hostKey))
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755})
  execFileSync('/usr/sbin/sshd', ['-t', '-f', config])
  const logFile = join(dir, 'sshd.log')
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')]})
  const emergency = () => cleanupSync(child.pid, dir)
  process.once('exit', emergency)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    process.removeListener('exit', emergency)
    await stopProcess(child)
    removeUser()
    rmSync(dir, {recursive: true, force: true})
  }
  try {
    await waitForPort('127.0.0.1', port, `sshd (log: ${logFile})`, 10_000)
  } catch (error) {
    const log = readFileSync(logFile, 'utf8')
    await close()
    throw new Error(`${(error as Error).message}\n${log}`)
  }
  return {
    host: '127.0.0.1',
    port,
    user: SSH_TEST_USER,
    identityFile,
    hostPublicKeyLine: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    scratch,
    dir,
    logFile,
    connectionsAccepted: async () => (await readFile(logFile, 'utf8')).match(/Accepted publickey/g)?.length ?? 0,
    close,
  }
}

function sshdConfig(dir: string, port: number, hostKey: string): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers ${SSH_TEST_USER}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The keys live under /tmp: with StrictModes yes sshd refuses them for its ownership and modes.
    'StrictModes no',
    // VERBOSE logs "Accepted publickey", which connectionsAccepted() counts.
    'LogLevel VERBOSE',
    'MaxSessions 10',
    // The default 10:30:100 drops parallel connects, which some tests make on purpose.
    'MaxStartups 50:30:100',
    '',
  ].join('\n')
}

/** Creates the test user, or repoints a leftover of a crashed run at this folder. */
function ensureUser(home: string): void {
  // -p '*': with UsePAM no, sshd refuses a locked ('!') account even for key logins.
  const add = spawnSync('useradd', ['-M', '-d', home, '-s', '/bin/sh', '-p', '*', SSH_TEST_USER], {encoding: 'utf8'})
  if (add.status === 0) return
  // 9: the user exists already.
  if (add.status !== 9) throw new Error(`useradd ${SSH_TEST_USER} failed (${add.status}): ${add.stderr}`)
  execFileSync('usermod', ['-d', home, '-s', '/bin/sh', '-p', '*', SSH_TEST_USER])
}

function removeUser(): void {
  // -f: a session of the test (a timed-out sleep) may still be running as the user.
  spawnSync('userdel', ['-f', SSH_TEST_USER])
}

function cleanupSync(pid: number | undefined, dir: string): void {
  try {
    if (pid) process.kill(pid, 'SIGKILL')
  } catch {}
  removeUser()
  rmSync(dir, {recursive: true, force: true})
}
