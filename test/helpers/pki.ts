import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * A small PKI made with the real openssl, as an operator (or step-ca) would: EC keys (fast), a
 * root CA, an intermediate, leaves with subjectAltName names, dated where a test needs them
 * (`openssl ca` sets notBefore/notAfter; OpenSSL 3.0's x509 cannot).
 */
export class Pki {
  constructor(readonly dir: string) {}

  at(name: string): string {
    return join(this.dir, name)
  }

  read(name: string): string {
    return readFileSync(this.at(name), 'utf8')
  }

  key(name: string): string {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', this.at(`${name}.key`)], {stdio: 'ignore'})
    return this.at(`${name}.key`)
  }

  /** A self-signed root CA `name` (.crt, .key). */
  ca(name: string): void {
    this.key(name)
    execFileSync('openssl', ['req', '-x509', '-key', this.at(`${name}.key`), '-out', this.at(`${name}.crt`), '-days', '30', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], {stdio: 'ignore'})
  }

  /**
   * A certificate `name` issued by CA `issuer` for `sans` (`DNS:a.lan,IP:10.0.0.1`), valid from
   * `from` to `until` (Date), as a CA (`ca`) for an intermediate. Its key is `keyOf`'s, else its own.
   */
  issue(name: string, issuer: string, o: {sans?: string; from: Date; until: Date; ca?: boolean; keyOf?: string; cn?: string}): void {
    const key = o.keyOf ? this.at(`${o.keyOf}.key`) : this.key(name)
    execFileSync('openssl', ['req', '-new', '-key', key, '-out', this.at(`${name}.csr`), '-subj', `/CN=${o.cn ?? name}`], {stdio: 'ignore'})
    const ext = o.ca ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' : `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n${o.sans ? `subjectAltName=${o.sans}\n` : ''}`
    writeFileSync(this.at(`${name}.ext`), ext)
    writeFileSync(this.at('index.txt'), '')
    writeFileSync(this.at('ca.cnf'), `[ca]\ndefault_ca = lab\n[lab]\ndatabase = ${this.at('index.txt')}\nnew_certs_dir = ${this.dir}\nserial = ${this.at('serial')}\ndefault_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n[any]\ncommonName = supplied\n`)
    writeFileSync(this.at('serial'), `${Date.now().toString(16)}${Math.floor(Math.random() * 16).toString(16)}\n`.padStart(17, '0'))
    const stamp = (d: Date) => d.toISOString().replaceAll(/[-:T]/g, '').slice(0, 14) + 'Z'
    execFileSync('openssl', ['ca', '-batch', '-notext', '-config', this.at('ca.cnf'), '-cert', this.at(`${issuer}.crt`), '-keyfile', this.at(`${issuer}.key`),
      '-startdate', stamp(o.from), '-enddate', stamp(o.until), '-extfile', this.at(`${name}.ext`), '-in', this.at(`${name}.csr`), '-out', this.at(`${name}.crt`)], {stdio: 'ignore'})
  }
}

export const HOUR = 3_600_000
/** `from`/`until` `hours` from now. */
export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR)
