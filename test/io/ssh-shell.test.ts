import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import type {AddressInfo, Socket} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'

import {fingerprint} from '../../src/io/known-hosts.js'
import {createSshShell} from '../../src/io/ssh-shell.js'
import type {SshTarget} from '../../src/io/ssh-connect.js'
import type {ExecResult, Shell} from '../../src/model/ports.js'
import {freePort} from '../helpers/processes.js'
import {generateKey, startSshd} from '../helpers/sshd.js'
import type {TestSshd} from '../helpers/sshd.js'

const OPTS = {timeoutMs: 10_000}

/** Polls until the process has exited (generous: sshd delivers the kill asynchronously). */
async function gone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      process.kill(pid, 0)
      // A killed process waits as a zombie until it is reaped: it runs nothing.
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true
    } catch {
      return true
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

describe('ssh shell against a real OpenSSH sshd on 127.0.0.1', () => {
  let sshd: TestSshd
  let knownHosts: string
  let counter = 0
  const shells: Shell[] = []

  /** A shell on the test sshd, closed in afterAll whatever happens. */
  const shell = (over: Partial<SshTarget> = {}, acceptNewHostKey = false): Shell => {
    const target: SshTarget = {mode: 'ssh', host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, knownHosts, ...over}
    const s = createSshShell(target, {acceptNewHostKey, connectTimeoutMs: 5000})
    shells.push(s)
    return s
  }
  /** A path for a known_hosts file that does not exist yet, in a folder that does not either. */
  const freshKnownHosts = () => join(sshd.dir, `kh-${++counter}`, 'known_hosts')
  const hostBlob = () => Buffer.from(sshd.hostPublicKeyLine.split(' ')[1]!, 'base64')
  const okResult = (r: ExecResult) => {
    if (!r.ok) throw new Error(`expected success, got ${r.reason}: ${r.message}`)
    return r
  }
  const failure = (r: ExecResult) => {
    if (r.ok) throw new Error(`expected a failure, got exit ${r.code}: ${r.stdout}${r.stderr}`)
    return r
  }

  beforeAll(async () => {
    sshd = await startSshd()
    knownHosts = join(sshd.dir, 'known_hosts')
    writeFileSync(knownHosts, `# test\n[${sshd.host}]:${sshd.port} ${sshd.hostPublicKeyLine}\n`)
  })

  afterAll(async () => {
    await Promise.allSettled(shells.map((s) => s.close()))
    await sshd?.close()
  })

  it('runs a command and returns its stdout, with a description naming the target', async () => {
    const s = shell()
    expect(s.description).toBe(`ssh ${sshd.user}@127.0.0.1:${sshd.port}`)
    const r = okResult(await s.exec(['echo', 'hello world'], OPTS))
    expect(r).toMatchObject({code: 0, stdout: 'hello world\n', stderr: ''})
  })

  it('returns exit codes and stderr as they are', async () => {
    const r = okResult(await shell().exec(['sh', '-c', 'echo oops >&2; echo out; exit 7'], OPTS))
    expect(r).toMatchObject({code: 7, stdout: 'out\n', stderr: 'oops\n'})
  })

  it('gives each argv word to the remote shell literally: nothing in it runs', async () => {
    const marker = join(sshd.scratch, 'pwned')
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, `it's "quoted" \\ 'twice'`, `a\nb | touch ${marker} &`, '*', '']
    const r = okResult(await shell().exec(['printf', '[%s]\\n', ...hostile], OPTS))
    expect(r.stdout).toBe(hostile.map((w) => `[${w}]\n`).join(''))
    expect(existsSync(marker)).toBe(false)
  })

  it('reports a command killed by a signal as 128 + its number', async () => {
    expect(okResult(await shell().exec(['sh', '-c', 'kill -TERM $$'], OPTS)).code).toBe(143)
  })

  it('gets the exit status of many fast commands run at once (status racing the channel confirmation)', async () => {
    const s = shell()
    const results = await Promise.all(Array.from({length: 120}, (_, i) => s.exec(['sh', '-c', 'exit "$1"', 'sh', String(i % 5)], OPTS)))
    expect(results.map((r) => okResult(r).code)).toEqual(Array.from({length: 120}, (_, i) => i % 5))
  })

  it('gives a command EOF on stdin, so nothing waits for input', async () => {
    expect(okResult(await shell().exec(['cat'], OPTS))).toMatchObject({code: 0, stdout: ''})
  })

  it('runs a batch script sent on stdin (as remote probes are), its words never in argv', async () => {
    const script = batchScript([`echo 'key sk-on-stdin-only'`, 'echo second'])
    const result = await shell().exec(['sh', '-s'], {timeoutMs: 10_000, stdin: script})
    expect(result).toMatchObject({ok: true, code: 0})
    const {lines, complete} = splitBatchOutput(result.ok ? result.stdout : '', 2)
    expect(complete).toBe(true)
    expect(lines).toEqual([['key sk-on-stdin-only'], ['second']])
  })

  it('runs 20 concurrent execs over one connection (more than sshd MaxSessions)', async () => {
    const before = await sshd.connectionsAccepted()
    const s = shell()
    const results = await Promise.all(Array.from({length: 20}, (_, i) => s.exec(['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(i)], OPTS)))
    expect(results.map((r) => okResult(r).stdout)).toEqual(Array.from({length: 20}, (_, i) => `${i}\n`))
    expect((await sshd.connectionsAccepted()) - before).toBe(1)
  })

  it('times out a command that outlives timeoutMs, and the connection stays usable', async () => {
    const s = shell()
    const r = failure(await s.exec(['sleep', '30'], {timeoutMs: 300}))
    expect(r.reason).toBe('timeout')
    expect(r.message).toContain('300 ms')
    // A hang guard: ended by the timeout, not by the command (generous for a loaded machine).
    expect(r.durationMs).toBeLessThan(20_000)
    expect(okResult(await s.exec(['echo', 'still here'], OPTS)).stdout).toBe('still here\n')
  })

  it('kills a timed-out command on the host, not only its channel', async () => {
    const pidFile = join(sshd.scratch, 'timed-out.pid')
    // Connected first, and 2 s: a loaded machine's SSH start-up must not eat the timeout before
    // the command wrote its pid.
    const s = shell()
    okResult(await s.exec(['true'], OPTS))
    failure(await s.exec(['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], {timeoutMs: 2000}))
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(await gone(pid, 10_000)).toBe(true)
  })

  it('stops a command when the run signal aborts', async () => {
    const controller = new AbortController()
    const pending = shell().exec(['sleep', '5'], {timeoutMs: 10_000, signal: controller.signal})
    setTimeout(() => controller.abort(), 200)
    expect(failure(await pending).reason).toBe('timeout')
  })

  it('runs a command with PATH, LANG and TERM only: pct exec would hand anything more to the CT', async () => {
    const names = okResult(await shell().exec(['env'], OPTS)).stdout.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('=')))
    expect(names.sort()).toEqual(['LANG', 'PATH', 'TERM'])
  })

  it('ends the command on the host when the run signal aborts (its channel closes, the watchdog kills its group)', async () => {
    const pidFile = join(sshd.scratch, 'aborted.pid')
    const controller = new AbortController()
    const pending = shell().exec(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], {timeoutMs: 60_000, signal: controller.signal, stdin: 'exit 0\n'})
    for (let i = 0; i < 400 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50))
    controller.abort()
    expect(failure(await pending).reason).toBe('timeout')
    // A background child too, long before the remote `timeout` (62 s) would end it.
    expect(await gone(Number(readFileSync(pidFile, 'utf8')), 10_000)).toBe(true)
  })

  it('refuses an unknown host key with its fingerprint, records it when asked, then knows it', async () => {
    const file = freshKnownHosts()
    const refused = failure(await shell({knownHosts: file}).exec(['true'], OPTS))
    expect(refused.reason).toBe('host_key')
    expect(refused.message).toContain(fingerprint(hostBlob()))
    expect(refused.message).toMatch(/^ssh phxsshtest@127\.0\.0\.1:\d+: /)
    expect(refused.message).toContain('--accept-new-host-key')
    expect(existsSync(file)).toBe(false)

    okResult(await shell({knownHosts: file}, true).exec(['true'], OPTS))
    const [, blob] = sshd.hostPublicKeyLine.split(' ')
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ssh-ed25519 ${blob}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700)

    okResult(await shell({knownHosts: file}).exec(['true'], OPTS))
  })

  it('refuses a changed host key, even with acceptNewHostKey, and leaves known_hosts alone', async () => {
    const file = freshKnownHosts()
    mkdirSync(join(file, '..'))
    const other = readFileSync(`${generateKey(sshd.dir, `other-host-${counter}`)}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')
    const content = `[127.0.0.1]:${sshd.port} ${other}\n`
    writeFileSync(file, content)
    const r = failure(await shell({knownHosts: file}, true).exec(['true'], OPTS))
    expect(r.reason).toBe('host_key')
    expect(r.message).toContain('CHANGED')
    expect(r.message).toContain(fingerprint(hostBlob()))
    expect(readFileSync(file, 'utf8')).toBe(content)
  })

  it('fails with auth when the server refuses the key', async () => {
    const wrong = generateKey(sshd.dir, 'wrong_client')
    const r = failure(await shell({identityFile: wrong}).exec(['true'], OPTS))
    expect(r.reason).toBe('auth')
    expect(r.message).toContain(wrong)
    expect(r.message).toContain('authorized_keys')
  })

  it('fails with auth naming the file when the key cannot be read', async () => {
    const missing = join(sshd.dir, 'no-such-key')
    const r = failure(await shell({identityFile: missing}).exec(['true'], OPTS))
    expect(r).toMatchObject({reason: 'auth'})
    expect(r.message).toContain(missing)
    expect(r.message).toContain('proxmox.identityFile')
  })

  it('fails with auth, not a crash, when identityFile is a public key (D10)', async () => {
    const r = failure(await shell({identityFile: `${sshd.identityFile}.pub`}).exec(['true'], OPTS))
    expect(r.reason).toBe('auth')
    expect(r.message).toMatch(/\.pub is a public key: point proxmox\.identityFile at the private key/)
  })

  it('fails with auth and says to use the agent when the key has a passphrase', async () => {
    const encrypted = generateKey(sshd.dir, 'encrypted_client', 'secret passphrase')
    const r = failure(await shell({identityFile: encrypted}).exec(['true'], OPTS))
    expect(r.reason).toBe('auth')
    expect(r.message).toContain(`ssh-add ${encrypted}`)
    expect(r.message).not.toContain('secret passphrase')
  })

  it('fails with auth when there is neither a key file nor an agent', async () => {
    const saved = process.env.SSH_AUTH_SOCK
    delete process.env.SSH_AUTH_SOCK
    try {
      const r = failure(await shell({identityFile: undefined}).exec(['true'], OPTS))
      expect(r.reason).toBe('auth')
      expect(r.message).toContain('proxmox.identityFile')
    } finally {
      if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved
    }
  })

  it('fails with auth when the agent socket is dead', async () => {
    const saved = process.env.SSH_AUTH_SOCK
    process.env.SSH_AUTH_SOCK = join(sshd.dir, 'no-agent.sock')
    try {
      const r = failure(await shell({identityFile: undefined}).exec(['true'], OPTS))
      expect(r.reason).toBe('auth')
      expect(r.message).toContain('SSH_AUTH_SOCK')
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK
      else process.env.SSH_AUTH_SOCK = saved
    }
  })

  it('reports a server that accepts TCP but never speaks SSH as unreachable after the connect timeout', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const target: SshTarget = {mode: 'ssh', host: '127.0.0.1', port: (silent.address() as AddressInfo).port, user: sshd.user, identityFile: sshd.identityFile, knownHosts}
      const s = createSshShell(target, {acceptNewHostKey: false, connectTimeoutMs: 500})
      shells.push(s)
      const r = failure(await s.exec(['true'], OPTS))
      expect(r.reason).toBe('unreachable')
      expect(r.message).toContain('500 ms')
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('reports a closed port as unreachable, and remembers it for every exec', async () => {
    const port = await freePort()
    const s = shell({port})
    const results = await Promise.all([1, 2, 3].map(() => s.exec(['true'], OPTS)))
    for (const r of results) {
      expect(failure(r).reason).toBe('unreachable')
      expect(failure(r).message).toContain(`127.0.0.1:${port}`)
    }
    expect(failure(await s.exec(['true'], OPTS)).message).toBe(failure(results[0]!).message)
  })

  it('closes twice safely, and an exec after close fails without reconnecting', async () => {
    const s = shell()
    okResult(await s.exec(['true'], OPTS))
    const before = await sshd.connectionsAccepted()
    await s.close()
    await s.close()
    expect(failure(await s.exec(['true'], OPTS)).reason).toBe('channel')
    expect(await sshd.connectionsAccepted()).toBe(before)
  })
})
