import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs'
import type {Stats} from 'node:fs'

import {q} from '../io/shell-words.js'
import type {ConfigReader, KeyPath} from './reader.js'
import type {Inventory} from '../model/inventory.js'

/** Why a file could not be read, in words for a config error ("is a FIFO, not a regular file"). */
export class FileProblem extends Error {
  override readonly name = 'FileProblem'
}

/** What kind of file a stat describes, for messages. */
export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory'
  if (stat.isFIFO()) return 'a FIFO (named pipe)'
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device'
  if (stat.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * Reads a small regular file, refusing anything else before reading a byte: a FIFO would block
 * forever, /dev/zero never ends. O_NONBLOCK makes even the open of a FIFO return at once. Throws
 * FileProblem; returns the bytes and the file's mode.
 */
export function readBounded(file: string, limit: number): {data: Buffer; mode: number} {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    throw new FileProblem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new FileProblem(`is ${fileKind(stat)}, not a regular file`)
    const tooBig = () => new FileProblem(`is larger than ${limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MiB` : `${limit / 1024} KiB`}`)
    if (stat.size > limit) throw tooBig()
    // A regular file can grow while it is read (or report size 0, as /proc does): read at most the limit.
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(chunk.subarray(0, n))
      total += n
      if (total > limit) throw tooBig()
    }
    return {data: Buffer.concat(chunks, total), mode: stat.mode}
  } catch (error) {
    if (error instanceof FileProblem) throw error
    throw new FileProblem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  } finally {
    closeSync(fd)
  }
}

const KEY_FILE_LIMIT = 64 * 1024
const CA_FILE_LIMIT = 1024 * 1024
/** An OpenSSH public key line (what `ssh-keygen` writes to the .pub next to the private key). */
const PUBLIC_KEY = /^\s*(ssh-|ecdsa-|sk-)[\w@.-]+\s+AAAA[A-Za-z0-9+/=]+|-----BEGIN (SSH2 |RSA )?PUBLIC KEY-----/

/**
 * The files an inventory names must be there before a run starts: a missing CA is a config
 * mistake, not an outage at the client layer, and a public key as identityFile is not a login.
 */
export function checkReferencedFiles(inventory: Inventory, r: ConfigReader, warn: (message: string) => void): void {
  if (inventory.gateway.ca) {
    const at: KeyPath = ['gateway', 'ca']
    const text = readOrFail(inventory.gateway.ca, CA_FILE_LIMIT, at, r, 'point ca at the PEM file of the CA that signed the gateway\'s certificate').data.toString('utf8')
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      r.fail(at, `${inventory.gateway.ca} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)`, 'point ca at the CA certificate in PEM form (openssl x509 -in ca.der -inform der -out ca.pem)')
    }
    // Kept for the gateway's certificate checks, which verify the served chains against it.
    inventory.gateway.caText = text
  }
  const proxmox = inventory.proxmox
  if (proxmox.mode === 'ssh' && proxmox.identityFile) {
    const at: KeyPath = ['proxmox', 'identityFile']
    const file = proxmox.identityFile
    const fix = 'point identityFile at a private key this user can read (like ~/.ssh/id_ed25519), or remove it to use ssh-agent'
    const {data, mode} = readOrFail(file, KEY_FILE_LIMIT, at, r, fix)
    if (PUBLIC_KEY.test(data.toString('utf8', 0, 200))) {
      const privateFile = file.endsWith('.pub') ? file.slice(0, -4) : 'the private key file'
      r.fail(at, `${file} is a public key; logging in takes the private key`, `set identityFile to ${privateFile} (the file without .pub)`)
    }
    if ((mode & 0o077) !== 0) {
      warn(`${file} (proxmox.identityFile) is readable by others (mode ${(mode & 0o777).toString(8)}); ssh itself refuses such a key: chmod 600 ${q(file)}`)
    }
  }
}

function readOrFail(file: string, limit: number, at: KeyPath, r: ConfigReader, fix: string): {data: Buffer; mode: number} {
  try {
    return readBounded(file, limit)
  } catch (error) {
    if (error instanceof FileProblem) r.fail(at, `${file} ${error.message}`, fix)
    throw error
  }
}
