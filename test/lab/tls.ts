import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {TLS_DIR} from './nginx-config.js'
import {must} from './proc.js'
import {TLS_HOST} from './topology.js'

/** The lab CA's certificate: what phoenix's inventory names as gateway.ca. */
export const CA_CERT = join(TLS_DIR, 'ca.crt')

/**
 * A private CA and a certificate for the gateway's TLS virtual host, made with openssl the way an
 * operator would for an internal name. EC keys: a few milliseconds, where RSA takes a second.
 */
export async function makeCertificates(): Promise<void> {
  await mkdir(TLS_DIR, {recursive: true})
  const at = (f: string) => join(TLS_DIR, f)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await must(['openssl', 'req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', CA_CERT, '-days', '30', '-subj', '/CN=phoenix lab CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  await must(['openssl', 'req', ...ec, '-keyout', at(`${TLS_HOST}.key`), '-out', at(`${TLS_HOST}.csr`), '-subj', `/CN=${TLS_HOST}`])
  await writeFile(at('server.ext'), `subjectAltName=DNS:${TLS_HOST}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`)
  await must(['openssl', 'x509', '-req', '-in', at(`${TLS_HOST}.csr`), '-CA', CA_CERT, '-CAkey', at('ca.key'), '-CAcreateserial',
    '-out', at(`${TLS_HOST}.crt`), '-days', '30', '-extfile', at('server.ext')])
}
