import {copyFileSync, existsSync, mkdirSync, renameSync} from 'node:fs'
import {join} from 'node:path'

import {HOUR, Pki} from '../helpers/pki.js'
import {TLS_DIR} from './nginx-config.js'
import {labShape, proxiedServices, TLS_HOST} from './topology.js'
import {GATEWAY_NAME, LAB_DOMAIN, nameOf} from './names.js'
import {TLS_ROUTED, TRAEFIK_CERTS} from './traefik.js'

/** The lab CA's certificate: what phoenix's inventory names as gateway.ca. */
export const CA_CERT = join(TLS_DIR, 'ca.crt')
/** The certificate and key the gateway's TLS virtual host serves. */
export const GATEWAY_CERT = join(TLS_DIR, `${TLS_HOST}.crt`)
export const GATEWAY_KEY = join(TLS_DIR, `${TLS_HOST}.key`)

/** What the gateway's certificate can be made to look like: the healthy one, and the certificate faults'. */
export type CertVariant = 'healthy' | 'expired' | 'other-ca' | 'misnamed' | 'stalled' | 'due'

/**
 * The lab's PKI, made with openssl as step-ca would issue it: a lab CA, and for the gateway's TLS
 * virtual host a 24-hour certificate (the operators' step-ca lifetime). EC keys: a few
 * milliseconds, where RSA takes a second. A second CA (`other-ca`) and a spare key are made for the
 * certificate faults.
 */
export async function makeCertificates(): Promise<void> {
  mkdirSync(TLS_DIR, {recursive: true})
  const pki = new Pki(TLS_DIR)
  pki.ca('ca')
  pki.ca('other-ca')
  pki.key(TLS_HOST)
  pki.key('spare')
  copyFileSync(GATEWAY_KEY, join(TLS_DIR, `${TLS_HOST}.key.orig`))
  gatewayCertificate('healthy')
}

/**
 * Writes the gateway's certificate (same key) as the variant says, by rename (nginx and phoenix
 * never read half a file): healthy is 24 hours from 5 minutes ago; expired ended an hour ago;
 * stalled is 24 hours from 3 hours ago (an hourly renewal missed twice); due is 18 hours old (a
 * quarter of its life left: a renewal when due did not happen); other-ca is issued by
 * another CA; misnamed is for another name.
 */
export function gatewayCertificate(variant: CertVariant): void {
  const pki = new Pki(TLS_DIR)
  const now = Date.now()
  const from = variant === 'expired' ? now - 25 * HOUR : variant === 'stalled' ? now - 3 * HOUR : variant === 'due' ? now - 18 * HOUR : now - 5 * 60_000
  const name = 'issued'
  // The operators' shape: the wildcard their gateway's file is named for; misnamed, only the
  // gateway's own name, as their manifest's SANs leave the services' names out.
  const operators = labShape() === 'operators'
  const subject = operators ? (variant === 'misnamed' ? GATEWAY_NAME : `*.${LAB_DOMAIN}`) : variant === 'misnamed' ? `other.${TLS_HOST.split('.').slice(1).join('.')}` : TLS_HOST
  pki.issue(name, variant === 'other-ca' ? 'other-ca' : 'ca', {
    sans: `DNS:${subject}`,
    from: new Date(from), until: new Date(from + 24 * HOUR), keyOf: TLS_HOST, cn: operators ? GATEWAY_NAME : TLS_HOST,
  })
  renameSync(pki.at(`${name}.crt`), GATEWAY_CERT)
}

/** The gateway's key replaced by another (a renewal that wrote the key and not the certificate), or put back. */
export function gatewayKey(mismatched: boolean): void {
  const from = join(TLS_DIR, mismatched ? 'spare.key' : `${TLS_HOST}.key.orig`)
  copyFileSync(from, `${GATEWAY_KEY}.new`)
  renameSync(`${GATEWAY_KEY}.new`, GATEWAY_KEY)
}

/**
 * The certificates Traefik serves on its TLS routers (traefik.ts TLS_ROUTED), from the lab CA as the
 * gateway's: 24 hours from 5 minutes ago, or (`expired`) ended an hour ago, same key; written where
 * CT 958 reads them (its /etc/traefik/certs), by rename.
 */
export function traefikCertificates(variant: 'healthy' | 'expired'): void {
  mkdirSync(TRAEFIK_CERTS, {recursive: true})
  const pki = new Pki(TLS_DIR)
  const from = Date.now() - (variant === 'expired' ? 25 * HOUR : 5 * 60_000)
  for (const s of proxiedServices().filter((x) => TLS_ROUTED.includes(x.name))) {
    const name = `traefik-${s.name}`
    if (!existsSync(pki.at(`${name}.key`))) pki.key(name)
    pki.issue(`${name}.issued`, 'ca', {sans: `DNS:${nameOf(s)}`, from: new Date(from), until: new Date(from + 24 * HOUR), keyOf: name, cn: nameOf(s)})
    copyFileSync(pki.at(`${name}.key`), join(TRAEFIK_CERTS, `${s.name}.key`))
    renameSync(pki.at(`${name}.issued.crt`), join(TRAEFIK_CERTS, `${s.name}.crt`))
  }
}
