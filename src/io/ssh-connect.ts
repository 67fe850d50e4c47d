/**
 * Opens the one SSH connection of a run: loads the credentials, verifies the host key against
 * known_hosts (recording a new one only when asked), and turns every ssh2 error into a reason and
 * a message that says what to do. Never rejects.
 */
import {appendFile, chmod, mkdir, readFile} from 'node:fs/promises'
import {dirname} from 'node:path'

// ssh2 is CommonJS: Node's ESM loader cannot see `utils` as a named export, so take the default.
import ssh2 from 'ssh2'
import type {Client, ConnectConfig, ServerHostKeyAlgorithm} from 'ssh2'

import {assertNever} from '../model/status.js'
import type {ProxmoxTarget} from '../model/inventory.js'
import {fingerprint, hostKeyFromBlob, judgeHostKey, knownHostsLine, knownKeyTypes, parseKnownHosts, preferredHostKeyAlgorithms} from './known-hosts.js'
import type {HostKey, HostKeyVerdict, KnownHostEntry} from './known-hosts.js'
import type {ExecFailure} from '../model/ports.js'

/** An SSH target as the inventory describes it. */
export type SshTarget = Extract<ProxmoxTarget, {mode: 'ssh'}>

/** The outcome of connecting: a ready client, or why there is none. */
export type Connection = {ok: true; client: Client} | {ok: false; reason: ExecFailure; message: string}

/** How to connect, beyond the target itself. */
export interface ConnectOptions {
  acceptNewHostKey: boolean
  connectTimeoutMs: number
}

type Failure = Extract<Connection, {ok: false}>
type Credentials = Pick<ConnectConfig, 'privateKey' | 'agent'>

/** `ssh root@pve:22`: how messages name the target. */
export function describeTarget(target: SshTarget): string {
  return `ssh ${target.user}@${target.host}:${target.port}`
}

/** Connects and authenticates. The client returned keeps an error listener, so a late error never crashes the run. */
export async function connect(target: SshTarget, options: ConnectOptions): Promise<Connection> {
  const credentials = await loadCredentials(target)
  if ('ok' in credentials) return credentials
  const known = await loadKnownHosts(target)
  if (!Array.isArray(known)) return known
  const hostKey = hostKeyCheck(target, known, options.acceptNewHostKey)
  const client = new ssh2.Client()
  return new Promise<Connection>((resolve) => {
    client.on('error', (error: Error & {level?: string; code?: string}) => {
      client.end()
      resolve(hostKey.failure() ?? describeError(target, error, credentials, options.connectTimeoutMs))
    })
    client.once('ready', () => resolve({ok: true, client}))
    client.once('close', () => resolve(hostKey.failure() ?? fail(target, 'unreachable', 'the server closed the connection during the handshake; check its sshd log')))
    // ssh2 throws synchronously for options it cannot use (a key it cannot sign with): a failure, never a crash.
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        ...credentials,
        readyTimeout: options.connectTimeoutMs,
        algorithms: {serverHostKey: preferredHostKeyAlgorithms(knownKeyTypes(known, target.host, target.port)) as ServerHostKeyAlgorithm[]},
        hostVerifier: (blob: Buffer, verify: (valid: boolean) => void) => void hostKey.verify(blob).then(verify),
      })
    } catch (error) {
      resolve(fail(target, 'auth', `cannot connect with these settings (${(error as Error).message}); check proxmox.identityFile and proxmox.user`))
      return
    }
    // Without it every exec on the reused connection waits ~40 ms for Nagle and delayed ACK.
    client.setNoDelay(true)
  })
}

function fail(target: SshTarget, reason: ExecFailure, what: string): Failure {
  return {ok: false, reason, message: `${describeTarget(target)}: ${what}`}
}

async function loadCredentials(target: SshTarget): Promise<Credentials | Failure> {
  if (!target.identityFile) {
    const agent = process.env.SSH_AUTH_SOCK
    if (agent) return {agent}
    return fail(target, 'auth', 'no key to log in with: set proxmox.identityFile in the config, or start ssh-agent and ssh-add a key')
  }
  const file = target.identityFile
  let data: Buffer
  try {
    data = await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    return fail(target, 'auth', `cannot read proxmox.identityFile ${file} (${code}): check the path and that this user may read it`)
  }
  const parsed = ssh2.utils.parseKey(data)
  // ssh2 parses public keys too; connecting with one throws inside connect() instead of failing.
  if (!(parsed instanceof Error) && !parsed.isPrivateKey()) {
    return fail(target, 'auth', `${file} is a public key: point proxmox.identityFile at the private key (the file without .pub)`)
  }
  if (!(parsed instanceof Error)) return {privateKey: data}
  if (/passphrase/i.test(parsed.message)) {
    return fail(target, 'auth', `the key ${file} is encrypted and phoenix cannot ask for its passphrase: load it into ssh-agent (ssh-add ${file}) and remove proxmox.identityFile, or use a key without a passphrase`)
  }
  return fail(target, 'auth', `${file} is not a private key ssh2 can use (${parsed.message}): point proxmox.identityFile at an OpenSSH or PEM private key`)
}

async function loadKnownHosts(target: SshTarget): Promise<KnownHostEntry[] | Failure> {
  try {
    return parseKnownHosts(await readFile(target.knownHosts, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // No file yet is the first-connection case: every host is unknown.
    if (code === 'ENOENT') return []
    return fail(target, 'host_key', `cannot read known_hosts ${target.knownHosts} (${code ?? 'error'}): fix its permissions or set proxmox.knownHosts`)
  }
}

/**
 * The host key check for one connection attempt. ssh2 only learns "verification failed", so the
 * refusal and its reason are kept here and reported instead of ssh2's error.
 */
function hostKeyCheck(target: SshTarget, known: readonly KnownHostEntry[], acceptNew: boolean) {
  let refusal: Failure | undefined
  const verify = async (blob: Buffer): Promise<boolean> => {
    const key = hostKeyFromBlob(blob)
    const verdict = judgeHostKey(known, target.host, target.port, key)
    if (verdict.status === 'known') return true
    if (verdict.status === 'unknown' && acceptNew) {
      refusal = await recordHostKey(target, key)
      return refusal === undefined
    }
    refusal = hostKeyRefusal(target, verdict, key)
    return false
  }
  return {verify, failure: () => refusal}
}

function hostKeyRefusal(target: SshTarget, verdict: Exclude<HostKeyVerdict, {status: 'known'}>, key: HostKey): Failure {
  const print = `${key.type} ${fingerprint(key.blob)}`
  const file = target.knownHosts
  switch (verdict.status) {
    case 'unknown': {
      const others = verdict.otherTypes.length > 0 ? ` (known_hosts holds only ${verdict.otherTypes.join(', ')} keys for it)` : ''
      return fail(target, 'host_key', `host key ${print} is not in ${file}${others}. Check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_${key.type.replace(/^ssh-/, '')}_key.pub), then run again with --accept-new-host-key to record it`)
    }
    case 'changed':
      return fail(target, 'host_key', `HOST KEY CHANGED: the server presented ${print}, but ${file} line ${verdict.line} holds another ${key.type} key for this host. Someone may be intercepting the connection, or the host was reinstalled. phoenix will not connect or overwrite it: verify the new key on the host's console, then remove the old line (ssh-keygen -R ${target.host} -f ${file})`)
    case 'revoked':
      return fail(target, 'host_key', `host key ${print} is marked @revoked in ${file} line ${verdict.line}: phoenix refuses it; give the host a new key`)
    default:
      return assertNever(verdict)
  }
}

async function recordHostKey(target: SshTarget, key: HostKey): Promise<Failure | undefined> {
  const file = target.knownHosts
  try {
    await mkdir(dirname(file), {recursive: true, mode: 0o700})
    const existing = await readFile(file, 'utf8').catch(() => '')
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n'
    await appendFile(file, `${separator}${knownHostsLine(target.host, target.port, key)}\n`, {mode: 0o600})
    if (existing === '') await chmod(file, 0o600)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    return fail(target, 'host_key', `could not record host key ${fingerprint(key.blob)} in ${file} (${code}): fix the file's permissions or set proxmox.knownHosts`)
  }
}

function describeError(target: SshTarget, error: Error & {level?: string; code?: string}, credentials: Credentials, timeoutMs: number): Failure {
  const where = `${target.host}:${target.port}`
  if (error.level === 'client-authentication') {
    const keys = credentials.privateKey ? `the key ${target.identityFile}` : 'the keys of the agent at $SSH_AUTH_SOCK'
    return fail(target, 'auth', `the server refused ${keys} for user ${target.user}: add its public key to ~${target.user}/.ssh/authorized_keys on the host, or set proxmox.user / proxmox.identityFile`)
  }
  if (error.level === 'agent') {
    // ssh2 would go on without the agent, but then there is no key left to offer: say why now.
    return fail(target, 'auth', `the SSH agent at $SSH_AUTH_SOCK (${credentials.agent}) cannot be used (${error.code ?? error.message}): start ssh-agent and ssh-add a key, or set proxmox.identityFile`)
  }
  if (error.level === 'client-timeout') {
    return fail(target, 'unreachable', `no SSH handshake within ${timeoutMs} ms: the host is down, or a firewall drops port ${target.port}`)
  }
  switch (error.code) {
    case 'ECONNREFUSED':
      return fail(target, 'unreachable', `connection refused: nothing listens on ${where}; is sshd running, and is proxmox.port right?`)
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail(target, 'unreachable', `no route to ${target.host}: check the address and this machine's network`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(target, 'unreachable', `cannot resolve ${target.host}: check proxmox.host or DNS`)
    case 'ETIMEDOUT':
      return fail(target, 'unreachable', `TCP connect to ${where} timed out: the host is down, or a firewall drops it`)
  }
  return fail(target, 'unreachable', `SSH connection failed (${error.message}); check sshd on the host and its log`)
}
