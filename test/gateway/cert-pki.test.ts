import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {judgeChain, judgeKeys, judgeNames, verifyChain} from '../../src/gateway/cert-pki.js'
import {readCertSection} from '../../src/gateway/pem-read.js'
import {cronJob, schedulePeriod, timerJob} from '../../src/gateway/renewal-jobs.js'
import type {TlsServer} from '../../src/model/nginx.js'
import {HOUR, hoursFromNow, Pki} from '../helpers/pki.js'

/** The certificates of a real PKI (openssl), judged by phoenix with node:crypto. */
describe('certificates as a PKI', () => {
  let pki: Pki
  const now = new Date()
  const section = (files: Record<string, string>, keys: Record<string, string> = {}) =>
    readCertSection([...Object.entries(files).flatMap(([f, text]) => [`@@pem ${f}`, ...text.split('\n')]), ...Object.entries(keys).flatMap(([f, text]) => [`@@key ${f}`, ...text.split('\n')])], now)
  const server = (names: string[], cert: string, key?: string): TlsServer => ({file: '/etc/nginx/sites-enabled/gw', line: 12, serverNames: names, port: 443, pairs: [{cert, ...(key ? {key} : {}), file: '/etc/nginx/sites-enabled/gw', line: 15}]})

  beforeAll(() => {
    pki = new Pki(mkdtempSync(join(tmpdir(), 'phoenix-pki-')))
    pki.ca('root')
    pki.ca('other')
    pki.issue('inter', 'root', {from: hoursFromNow(-1), until: hoursFromNow(24 * 30), ca: true})
    pki.issue('direct', 'root', {sans: 'DNS:gw.lan,DNS:*.svc.lan,IP:127.0.0.1', from: hoursFromNow(-1), until: hoursFromNow(23)})
    pki.issue('via', 'inter', {sans: 'DNS:gw.lan', from: hoursFromNow(-1), until: hoursFromNow(23)})
    pki.issue('foreign', 'other', {sans: 'DNS:gw.lan', from: hoursFromNow(-1), until: hoursFromNow(23)})
  })
  afterAll(() => rmSync(pki.dir, {recursive: true, force: true}))

  it('reads a PEM file without openssl: dates, names, issuer; a 24-hour certificate an hour old', () => {
    const [c] = section({'/ssl/direct.crt': pki.read('direct.crt')}).certificates
    expect(c).toMatchObject({file: '/ssl/direct.crt', names: ['DNS:gw.lan', 'DNS:*.svc.lan', 'IP Address:127.0.0.1'], issuer: 'CN=root', subject: 'CN=direct'})
    expect(Date.parse(c!.notAfter!) - Date.parse(c!.notBefore!)).toBe(24 * HOUR)
    expect(c!.msOld).toBeGreaterThan(HOUR - 60_000)
  })

  it('verifies the chain against gateway.ca: directly, through an intermediate in the file (either order), never a foreign CA', () => {
    const root = pki.read('root.crt')
    const pems = (text: string) => section({'/x.crt': text}).certificates[0]!.pems!
    expect(verifyChain(pems(pki.read('direct.crt')), root)).toEqual({trusted: true, path: ['CN=direct', 'CN=root (gateway.ca)']})
    expect(verifyChain(pems(pki.read('via.crt') + pki.read('inter.crt')), root)).toEqual({trusted: true, path: ['CN=via', 'CN=inter', 'CN=root (gateway.ca)']})
    expect(verifyChain(pems(pki.read('via.crt')), root)).toMatchObject({trusted: false, why: 'nothing in gateway.ca or in the file signed CN=via (its issuer: CN=inter)'})
    expect(verifyChain(pems(pki.read('foreign.crt')), root + pki.read('other.crt').replace(/[A-Za-z0-9+/]{8}\n/, 'AAAAAAAA\n')).trusted).toBe(false)
    const servers = [server(['gw.lan'], '/ssl/foreign.crt')]
    const judged = judgeChain(section({'/ssl/foreign.crt': pki.read('foreign.crt')}).certificates, servers, {file: '/etc/phoenix/ca.pem', text: root}, (f) => [{text: `reissue ${f}`}])
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_untrusted', summary: 'certificate /ssl/foreign.crt is not issued by the CA in gateway.ca (/etc/phoenix/ca.pem): clients that trust that CA refuse it'})
    expect(judged.evidence).toEqual(['/ssl/foreign.crt: subject CN=foreign, issuer CN=other', '  nothing in gateway.ca or in the file signed CN=foreign (its issuer: CN=other)'])
    expect(judgeChain(section({'/ssl/foreign.crt': pki.read('foreign.crt')}).certificates, servers, {}, () => []).summary).toMatch(/^chain not checked: no gateway.ca/)
  })

  it('the names: every server_name and the names landing on the block, wildcards and IPs as clients check them', () => {
    const certs = section({'/ssl/direct.crt': pki.read('direct.crt')}).certificates
    const ok = judgeNames(certs, [server(['gw.lan', 'n8n.svc.lan', '*.svc.lan', '_', '~^x$'], '/ssl/direct.crt')], () => ['127.0.0.1'], () => [])
    expect(ok).toMatchObject({status: 'pass', summary: '1 certificate(s) cover every name their server blocks serve'})
    const bad = judgeNames(certs, [server(['gw.lan', 'a.b.svc.lan', 'other.lan', '*.lan'], '/ssl/direct.crt')], () => ['10.9.9.9'], (f, missing) => [{text: `${f}: ${missing.join(' ')}`}])
    expect(bad).toMatchObject({status: 'fail', finding: 'cert_name_mismatch', summary: 'certificate /ssl/direct.crt does not cover a.b.svc.lan, other.lan, *.lan, 10.9.9.9, served by the server at /etc/nginx/sites-enabled/gw:12: clients asking for those names refuse it'})
    expect(bad.evidence).toContain('  it is valid for: DNS:gw.lan, DNS:*.svc.lan, IP Address:127.0.0.1')
  })

  it('the key: derived in memory from the private key read where the CT has no openssl; a mismatch names both files; the key never leaves the parser', () => {
    const keyText = pki.read('foreign.key')
    const read = section({'/ssl/direct.crt': pki.read('direct.crt')}, {'/ssl/direct.key': pki.read('direct.key'), '/ssl/foreign.key': keyText})
    expect(read.keys.map((k) => [k.file, k.via, k.publicKey?.length])).toEqual([['/ssl/direct.key', 'derived', 64], ['/ssl/foreign.key', 'derived', 64]])
    expect(judgeKeys(read.certificates, read.keys, [server(['gw.lan'], '/ssl/direct.crt', '/ssl/direct.key')], () => [])).toMatchObject({status: 'pass', summary: '1 key(s) match their certificate (public keys compared)'})
    const judged = judgeKeys(read.certificates, read.keys, [server(['gw.lan'], '/ssl/direct.crt', '/ssl/foreign.key')], (c, k) => [{text: `pair ${c} with its key, not ${k}`}])
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_key_mismatch', summary: 'the key /ssl/foreign.key does not belong to the certificate /ssl/direct.crt: nginx refuses to load the pair at its next reload or start'})
    const body = keyText.split('\n').filter((l) => !l.startsWith('-----') && l.length > 8)
    const said = JSON.stringify([read, judged])
    for (const line of body) expect(said).not.toContain(line)
  })

  it('a damaged or encrypted key is said without a byte of it', () => {
    const damaged = pki.read('direct.key').replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!')
    const read = section({}, {'/ssl/bad.key': damaged})
    expect(read.keys).toEqual([{file: '/ssl/bad.key', error: 'not a private key phoenix can read (encrypted, or damaged)'}])
  })

  it('the public key from openssl in the CT (@@pub) is compared the same way', () => {
    const pub = execFileSync('openssl', ['pkey', '-in', pki.at('direct.key'), '-pubout'], {encoding: 'utf8'})
    const read = readCertSection(['@@pem /ssl/direct.crt', ...pki.read('direct.crt').split('\n'), '@@key /ssl/direct.key', '@@pub', ...pub.split('\n')], now)
    expect(read.keys[0]).toMatchObject({file: '/ssl/direct.key', via: 'openssl', publicKey: read.certificates[0]!.publicKey})
    expect(readCertSection(['@@key /ssl/enc.key', '@@pub'], now).keys[0]).toEqual({file: '/ssl/enc.key', error: 'openssl in the gateway CT could not read it (encrypted, or not a key)'})
  })
})

describe('renewal jobs seen in the gateway CT', () => {
  it('cron lines naming the certificate, with their period; comments and other files are not jobs', () => {
    const certs = ['/etc/step/certs/gw.crt']
    expect(cronJob('/etc/cron.d/step-renew:2:0 * * * * root step ca renew --force /etc/step/certs/gw.crt /etc/step/certs/gw.key', certs)).toEqual([
      {cert: '/etc/step/certs/gw.crt', kind: 'cron', where: '/etc/cron.d/step-renew:2', text: '0 * * * * root step ca renew --force /etc/step/certs/gw.crt /etc/step/certs/gw.key', everyMs: HOUR, conditional: false},
    ])
    expect(cronJob('/etc/cron.d/x:1:# 0 * * * * root renew /etc/step/certs/gw.crt', certs)).toEqual([])
    expect(cronJob('/etc/crontab:9:@daily root step ca renew --expires-in 8h /etc/step/certs/gw.crt k', certs)[0]).toMatchObject({everyMs: 24 * HOUR, conditional: true})
    expect([schedulePeriod('*/15', '*'), schedulePeriod('5', '*/6'), schedulePeriod('0', '3'), schedulePeriod('0,30', '*'), schedulePeriod('0', '3', false)]).toEqual([15 * 60_000, 6 * HOUR, 24 * HOUR, HOUR / 2, undefined])
  })

  it("step's cert-renewer@.timer, as systemctl show prints it (the template's CERT_LOCATION expanded)", () => {
    const show = [
      'Environment=STEPPATH=/etc/step-ca CERT_LOCATION=/etc/step/certs/gw.crt KEY_LOCATION=/etc/step/certs/gw.key',
      'ExecCondition={ path=/usr/bin/step ; argv[]=/usr/bin/step certificate needs-renewal ${CERT_LOCATION} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      'ExecStart={ path=/usr/bin/step ; argv[]=/usr/bin/step ca renew --force ${CERT_LOCATION} ${KEY_LOCATION} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      'TimersCalendar={ OnCalendar=*-*-* *:01/15:00 ; next_elapse=Wed 2026-12-02 02:31:00 UTC }',
      'LastTriggerUSec=Wed 2026-12-02 02:16:03 UTC',
    ]
    expect(timerJob('cert-renewer@gw.timer', show, ['/etc/step/certs/gw.crt'])).toEqual([{
      cert: '/etc/step/certs/gw.crt', kind: 'timer', where: 'cert-renewer@gw.timer', text: 'OnCalendar=*-*-* *:01/15:00; runs /usr/bin/step ca renew --force ${CERT_LOCATION} ${KEY_LOCATION}',
      everyMs: 15 * 60_000, conditional: true, lastRun: 'Wed 2026-12-02 02:16:03 UTC',
    }])
    // As the probe prints them: the timers and what they activate, then one `systemctl show` of them all.
    const printed = ['@@pem /etc/step/certs/gw.crt', '@@timers', 'apt-daily.timer apt-daily.service', 'cert-renewer@gw.timer cert-renewer@gw.service', '@@units',
      'Id=apt-daily.service', 'ExecStart={ path=/usr/lib/apt/apt.systemd.daily ; argv[]=/usr/lib/apt/apt.systemd.daily update ; }', '',
      'Id=apt-daily.timer', 'TimersCalendar={ OnCalendar=*-*-* 06,18:00:00 ; next_elapse=n/a }', '',
      'Id=cert-renewer@gw.service', ...show.slice(0, 3), '', 'Id=cert-renewer@gw.timer', ...show.slice(3)]
    expect(readCertSection(printed, new Date()).renewals).toEqual(timerJob('cert-renewer@gw.timer', show, ['/etc/step/certs/gw.crt']))
    expect(timerJob('x.timer', ['TimersMonotonic={ OnUnitActiveUSec=1h ; next_elapse=3h 5min }', 'ExecStart={ argv[]=/usr/local/bin/renew /etc/step/certs/gw.crt ; }'], ['/etc/step/certs/gw.crt'])[0]).toMatchObject({everyMs: HOUR, conditional: false})
  })
})
