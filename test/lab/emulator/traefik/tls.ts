import {readFileSync} from 'node:fs'
import {X509Certificate} from 'node:crypto'
import {createSecureContext} from 'node:tls'
import type {SecureContext} from 'node:tls'

import type {Runtime} from './runtime.js'

/**
 * Traefik's TLS side of an entryPoint (pkg/tls): the certificate for a handshake is the
 * tls.certificates entry whose names cover the SNI name, read from its files at the handshake (a
 * renewed file is served from the next connection on; Traefik reloads on a change of its
 * configuration). Traefik falls back to its self-signed default certificate; the emulator has
 * none and ends the handshake instead (clients refuse that certificate anyway).
 */
export function sniCallback(runtime: () => Runtime, log: (line: string) => void) {
  return (name: string, done: (error: Error | null, ctx?: SecureContext) => void): void => {
    for (const {certFile, keyFile} of runtime().certificates) {
      try {
        const cert = readFileSync(certFile, 'utf8')
        if (!new X509Certificate(cert).checkHost(name)) continue
        done(null, createSecureContext({cert, key: readFileSync(keyFile, 'utf8')}))
        return
      } catch (error) {
        log(`ERR Unable to append certificate to store error="${(error as Error).message}" tlsStoreName=default certFile=${certFile}`)
      }
    }
    done(new Error(`no certificate in tls.certificates for ${name || '(no SNI)'}`))
  }
}
