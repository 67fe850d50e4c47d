/**
 * OpenSSH known_hosts handling, pure: parse the text, decide whether a presented host key is known,
 * unknown, changed or revoked, and format the line that records a new key. No IO here, so every
 * rule is a table test; the SSH shell does the reading and appending.
 */
import {createHash, createHmac, timingSafeEqual} from 'node:crypto'

/** Which names a known_hosts line applies to: a pattern list, or one HMAC-SHA1 hashed name. */
export type HostNames = {kind: 'plain'; patterns: string[]} | {kind: 'hashed'; salt: Buffer; hash: Buffer}

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority'
  names: HostNames
  keyType: string
  key: Buffer
  /** 1-based, so a refusal can point at the line to look at. */
  line: number
}

/** A host key as the server presented it. */
export interface HostKey {
  type: string
  blob: Buffer
}

/** What known_hosts says about a presented key. */
export type HostKeyVerdict =
  | {status: 'known'; line: number}
  | {status: 'unknown'; otherTypes: string[]}
  | {status: 'changed'; line: number}
  | {status: 'revoked'; line: number}

/** Parses known_hosts text. Comments, blank and malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const entry = parseLine(raw.trim(), index + 1)
    if (entry) entries.push(entry)
  })
  return entries
}

function parseLine(text: string, line: number): KnownHostEntry | undefined {
  if (text === '' || text.startsWith('#')) return undefined
  const words = text.split(/\s+/)
  let marker: KnownHostEntry['marker']
  if (words[0]?.startsWith('@')) {
    const word = words.shift()
    if (word !== '@revoked' && word !== '@cert-authority') return undefined
    marker = word === '@revoked' ? 'revoked' : 'cert-authority'
  }
  const [hosts, keyType, key] = words
  if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) return undefined
  const names = parseNames(hosts)
  if (!names) return undefined
  return {...(marker ? {marker} : {}), names, keyType, key: Buffer.from(key, 'base64'), line}
}

function parseNames(field: string): HostNames | undefined {
  if (!field.startsWith('|')) return {kind: 'plain', patterns: field.split(',').filter(Boolean)}
  // |1|salt|hash: the only hashing scheme OpenSSH has ever written.
  const [, scheme, salt, hash] = field.split('|')
  if (scheme !== '1' || !salt || !hash) return undefined
  return {kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64')}
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` elsewhere. */
export function hostToken(host: string, port: number): string {
  const name = host.toLowerCase()
  return port === 22 ? name : `[${name}]:${port}`
}

/** Whether a line's names cover this host token (wildcards and `!negation` as in OpenSSH). */
export function namesMatch(names: HostNames, token: string): boolean {
  if (names.kind === 'hashed') {
    const digest = createHmac('sha1', names.salt).update(token).digest()
    return digest.length === names.hash.length && timingSafeEqual(digest, names.hash)
  }
  let matched = false
  for (const pattern of names.patterns) {
    const negated = pattern.startsWith('!')
    if (!globMatch(negated ? pattern.slice(1) : pattern, token)) continue
    // A matching negation vetoes the whole line, whatever else matched.
    if (negated) return false
    matched = true
  }
  return matched
}

function globMatch(pattern: string, text: string): boolean {
  const source = [...pattern.toLowerCase()]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}$`).test(text)
}

/**
 * Judges a presented key the way OpenSSH does: a revoked key is refused first; any line holding
 * this exact key makes it known; a line for this host with another key of the same type means the
 * key changed (a possible man in the middle); anything else is unknown. Certificate authorities are
 * not used (phoenix does not do host certificates), so those lines are skipped.
 */
export function judgeHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: HostKey): HostKeyVerdict {
  const token = hostToken(host, port)
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && namesMatch(e.names, token))
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key.blob))
  if (revoked) return {status: 'revoked', line: revoked.line}
  const plain = forHost.filter((e) => e.marker === undefined)
  const same = plain.find((e) => e.keyType === key.type && e.key.equals(key.blob))
  if (same) return {status: 'known', line: same.line}
  const changed = plain.find((e) => e.keyType === key.type)
  if (changed) return {status: 'changed', line: changed.line}
  return {status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))]}
}

/** Reads the key type from an SSH public key blob (its first length-prefixed string). */
export function hostKeyFromBlob(blob: Buffer): HostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0
  const type = length > 0 && length + 4 <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown'
  return {type, blob}
}

/** The OpenSSH-style fingerprint `SHA256:<unpadded base64>`, as `ssh-keygen -lf` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The line that records a host key, in the form OpenSSH itself would look up. */
export function knownHostsLine(host: string, port: number, key: HostKey): string {
  return `${hostToken(host, port)} ${key.type} ${key.blob.toString('base64')}`
}

/** Host key algorithms ssh2 may negotiate, in its own default order. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']

/**
 * The algorithm offer with the types already known for this host first, as OpenSSH orders it: a
 * host recorded with its RSA key is then asked for that key, not reported unknown for ed25519.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const known = (algorithm: string) => knownTypes.includes(algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm)
  return [...HOST_KEY_ALGORITHMS.filter(known), ...HOST_KEY_ALGORITHMS.filter((a) => !known(a))]
}

/** Types of the keys known_hosts holds for this host (for the algorithm offer). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const token = hostToken(host, port)
  return [...new Set(entries.filter((e) => e.marker === undefined && namesMatch(e.names, token)).map((e) => e.keyType))]
}
