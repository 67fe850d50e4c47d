import {execFileSync} from 'node:child_process'
import {createHmac, randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {
  fingerprint,
  hostKeyFromBlob,
  hostToken,
  judgeHostKey,
  knownHostsLine,
  knownKeyTypes,
  namesMatch,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../src/io/known-hosts.js'
import type {HostKey} from '../../src/io/known-hosts.js'
import {generateKey} from '../helpers/sshd.js'

/** A fake SSH key blob of a type: a length-prefixed type name and some bytes, like a real one. */
function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(name.length)
  return Buffer.concat([length, name, Buffer.from(seed.padEnd(32, '.'))])
}
const key = (type: string, seed: string): HostKey => ({type, blob: blob(type, seed)})
const b64 = (k: HostKey) => k.blob.toString('base64')

/** `|1|salt|hash` for a host token, computed the way OpenSSH's HashKnownHosts does. */
function hashed(token: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`
}

const ED = key('ssh-ed25519', 'server')
const ED_OTHER = key('ssh-ed25519', 'impostor')
const RSA = key('ssh-rsa', 'rsa-server')

describe('hostToken', () => {
  it.each([
    ['pve', 22, 'pve'],
    ['PVE.lan', 22, 'pve.lan'],
    ['10.0.0.1', 2222, '[10.0.0.1]:2222'],
    ['::1', 22, '::1'],
  ])('%s port %d -> %s', (host, port, token) => expect(hostToken(host, port)).toBe(token))
})

describe('parseKnownHosts', () => {
  it('reads plain, bracketed, listed, hashed and marked lines and skips the rest', () => {
    const text = [
      '# comment',
      '',
      `pve,10.0.0.1 ssh-ed25519 ${b64(ED)} root@pve`,
      `[pve]:2222 ssh-rsa ${b64(RSA)}`,
      `${hashed('pve')} ssh-ed25519 ${b64(ED)}`,
      `@revoked * ssh-ed25519 ${b64(ED_OTHER)}`,
      `@cert-authority *.lan ssh-ed25519 ${b64(ED)}`,
      '@bogus pve ssh-ed25519 AAAA',
      'pve ssh-ed25519',
      'pve ssh-ed25519 not*base64',
      '|2|salt|hash ssh-ed25519 AAAA',
    ].join('\n')
    const entries = parseKnownHosts(text)
    expect(entries.map((e) => [e.line, e.marker ?? '', e.names.kind, e.keyType])).toEqual([
      [3, '', 'plain', 'ssh-ed25519'],
      [4, '', 'plain', 'ssh-rsa'],
      [5, '', 'hashed', 'ssh-ed25519'],
      [6, 'revoked', 'plain', 'ssh-ed25519'],
      [7, 'cert-authority', 'plain', 'ssh-ed25519'],
    ])
    expect(entries[0]!.names).toEqual({kind: 'plain', patterns: ['pve', '10.0.0.1']})
    expect(entries[0]!.key.equals(ED.blob)).toBe(true)
  })

  it('accepts CRLF line ends', () => {
    expect(parseKnownHosts(`pve ssh-ed25519 ${b64(ED)}\r\nother ssh-rsa ${b64(RSA)}\r\n`)).toHaveLength(2)
  })
})

describe('namesMatch', () => {
  const plain = (field: string) => parseKnownHosts(`${field} ssh-ed25519 ${b64(ED)}`)[0]!.names
  it.each([
    ['pve', 'pve', true],
    ['pve', 'pve.lan', false],
    ['PVE', 'pve', true],
    ['pve,10.0.0.1', '10.0.0.1', true],
    ['[pve]:2222', '[pve]:2222', true],
    ['[pve]:2222', 'pve', false],
    ['pve', '[pve]:2222', false],
    ['*.lan', 'pve.lan', true],
    ['10.0.0.?', '10.0.0.1', true],
    ['10.0.0.?', '10.0.0.12', false],
    ['*.lan,!evil.lan', 'evil.lan', false],
    ['!evil.lan', 'pve.lan', false],
    ['a.b', 'axb', false],
  ])('%s covers %s: %s', (field, token, expected) => expect(namesMatch(plain(field), token)).toBe(expected))

  it.each([
    ['pve', 'pve', true],
    ['[10.0.0.1]:2222', '[10.0.0.1]:2222', true],
    ['pve', 'pve2', false],
    ['[10.0.0.1]:2222', '10.0.0.1', false],
  ])('hashed %s covers %s: %s', (hashedToken, token, expected) => {
    const names = parseKnownHosts(`${hashed(hashedToken)} ssh-ed25519 ${b64(ED)}`)[0]!.names
    expect(names.kind).toBe('hashed')
    expect(namesMatch(names, token)).toBe(expected)
  })
})

describe('judgeHostKey', () => {
  const file = [
    `pve ssh-ed25519 ${b64(ED)}`,
    `[pve]:2222 ssh-rsa ${b64(RSA)}`,
    `${hashed('hashed.lan')} ssh-ed25519 ${b64(ED)}`,
    `@cert-authority * ssh-ed25519 ${b64(ED_OTHER)}`,
    `rotated ssh-ed25519 ${b64(ED_OTHER)}`,
    `rotated ssh-ed25519 ${b64(ED)}`,
    `@revoked * ssh-rsa ${b64(key('ssh-rsa', 'stolen'))}`,
  ].join('\n')
  const entries = parseKnownHosts(file)
  it.each([
    ['known plain', 'pve', 22, ED, {status: 'known', line: 1}],
    ['known hashed', 'hashed.lan', 22, ED, {status: 'known', line: 3}],
    ['known on any of two lines', 'rotated', 22, ED, {status: 'known', line: 6}],
    ['changed', 'pve', 22, ED_OTHER, {status: 'changed', line: 1}],
    ['changed, hashed', 'hashed.lan', 22, ED_OTHER, {status: 'changed', line: 3}],
    ['unknown host', 'new', 22, ED, {status: 'unknown', otherTypes: []}],
    ['unknown type, others known', 'pve', 2222, ED, {status: 'unknown', otherTypes: ['ssh-rsa']}],
    ['port matters', 'pve', 2222, RSA, {status: 'known', line: 2}],
    ['port 22 entry is not port 2222', 'pve', 2223, ED, {status: 'unknown', otherTypes: []}],
    ['revoked', 'anything', 22, key('ssh-rsa', 'stolen'), {status: 'revoked', line: 7}],
    ['cert-authority lines are not host keys', 'other', 22, ED_OTHER, {status: 'unknown', otherTypes: []}],
  ] as const)('%s', (_, host, port, presented, verdict) => {
    expect(judgeHostKey(entries, host, port, presented)).toEqual(verdict)
  })

  it('lists the known key types for a host', () => {
    expect(knownKeyTypes(entries, 'pve', 2222)).toEqual(['ssh-rsa'])
    expect(knownKeyTypes(entries, 'nowhere', 22)).toEqual([])
  })
})

describe('preferredHostKeyAlgorithms', () => {
  it.each([
    [[], 'ssh-ed25519'],
    [['ssh-rsa'], 'rsa-sha2-512'],
    [['ecdsa-sha2-nistp256'], 'ecdsa-sha2-nistp256'],
  ])('known %j puts %s first', (types, first) => {
    const list = preferredHostKeyAlgorithms(types)
    expect(list[0]).toBe(first)
    expect(list).toHaveLength(7)
  })
})

describe('against real OpenSSH tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-kh-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const pub = (name: string) => readFileSync(`${generateKey(dir, name)}.pub`, 'utf8').trim().split(' ')
  const toKey = ([type, base64]: string[]): HostKey => ({type: type!, blob: Buffer.from(base64!, 'base64')})

  it('reads the key type from a real blob, and prints the fingerprint ssh-keygen -lf prints', () => {
    const words = pub('fp')
    const k = hostKeyFromBlob(Buffer.from(words[1]!, 'base64'))
    expect(k.type).toBe('ssh-ed25519')
    const keygen = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'fp.pub')], {encoding: 'utf8'})
    expect(keygen.split(' ')[1]).toBe(fingerprint(k.blob))
  })

  it('matches names that ssh-keygen -H hashed, and OpenSSH finds the lines phoenix writes', () => {
    const k = toKey(pub('hashme'))
    const file = join(dir, 'known_hosts')
    writeFileSync(file, `${knownHostsLine('PVE.lan', 22, k)}\n${knownHostsLine('10.0.0.1', 2222, k)}\n`)
    // ssh-keygen -F looks names up as ssh itself does: the lines phoenix writes are found.
    expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.1]:2222', '-f', file], {encoding: 'utf8'})).toContain('ssh-ed25519')
    execFileSync('ssh-keygen', ['-H', '-f', file], {stdio: 'ignore'})
    const entries = parseKnownHosts(readFileSync(file, 'utf8'))
    expect(entries.every((e) => e.names.kind === 'hashed')).toBe(true)
    expect(judgeHostKey(entries, 'pve.lan', 22, k)).toMatchObject({status: 'known'})
    expect(judgeHostKey(entries, '10.0.0.1', 2222, k)).toMatchObject({status: 'known'})
    expect(judgeHostKey(entries, '10.0.0.1', 22, k)).toMatchObject({status: 'unknown'})
  })
})
