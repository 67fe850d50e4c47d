import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {nginxSnippet, parseNginx} from '../../src/checks/probes/nginx.js'
import type {NginxObservation, NginxProbe} from '../../src/model/probes.js'
import {judgeKeys} from '../../src/gateway/cert-pki.js'
import {judgeCertificates} from '../../src/gateway/certificates.js'
import type {RenewalContext} from '../../src/gateway/certificates.js'

const renew: RenewalContext = {jobs: [], renewHint: (file: string) => ({text: `renew ${file}`}), jobHints: () => []}

/**
 * The nginx probe as it runs in the gateway CT, against Debian's real nginx (`-t` and `-T` read the
 * config and listen on nothing) and real openssl certificates.
 */
describe('the nginx probe on a real nginx', () => {
  let dir: string
  const probe = (): NginxProbe => ({kind: 'nginx', conf: join(dir, 'nginx.conf'), errorLog: join(dir, 'error.log'), errorLines: 50, apiPaths: ['/v1/']})
  const observe = (env?: NodeJS.ProcessEnv): NginxObservation => {
    const out = execFileSync('sh', ['-s'], {input: batchScript([nginxSnippet(probe(), 5000)]), encoding: 'utf8', ...(env ? {env} : {})})
    return parseNginx(splitBatchOutput(out, 1).lines[0]!, probe()) as NginxObservation
  }
  const conf = (server: string) =>
    writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  server_tokens off;\n${server}\n}\n`)

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-nginx-'))
    for (const [name, days] of [['soon', 10], ['later', 400]] as const) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-days', String(days), '-subj', `/CN=${name}.test`], {stdio: 'ignore'})
    }
    // An expired one: OpenSSL 3.0 signs a request with notAfter a day before notBefore for -days -1.
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'old.key'), '-out', join(dir, 'old.csr'), '-subj', '/CN=old.test'], {stdio: 'ignore'})
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'old.csr'), '-signkey', join(dir, 'old.key'), '-days', '-1', '-out', join(dir, 'old.crt')], {stdio: 'ignore'})
    writeFileSync(join(dir, 'error.log'), '2026/11/24 01:00:00 [error] 7#7: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 198.18.0.1, server: _, request: "GET /v1/models HTTP/1.1", upstream: "http://198.18.0.150:8000/v1/models", host: "198.18.0.153"\n')
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('reads the routes, the error log and each certificate\'s notBefore and notAfter; a new certificate is healthy, however short-lived', () => {
    conf(`  server { listen 127.0.0.1:18443 ssl; server_name api.test; ssl_certificate ${dir}/soon.crt; ssl_certificate_key ${dir}/soon.key;
    location /v1/ { proxy_pass http://198.18.0.150:8000; } }
  server { listen 127.0.0.1:18444 ssl; server_name later.test; ssl_certificate ${dir}/later.crt; ssl_certificate_key ${dir}/later.key; location / { return 204; } }`)
    const obs = observe()
    expect(obs.test.ok).toBe(true)
    expect(obs.routes.map((r) => r.location.path)).toEqual(['/v1/', '/'])
    expect(obs.errors).toMatchObject([{kind: 'refused', peer: {address: '198.18.0.150', port: 8000}}])
    const days = Object.fromEntries(obs.certificates.map((c) => [c.file.split('/').pop(), c.daysLeft]))
    expect(days['soon.crt']).toBeLessThanOrEqual(10)
    expect(days['later.crt']).toBeGreaterThan(390)
    expect(obs.certificates.every((c) => c.notBefore && c.lifeLeft! > 0.99)).toBe(true)
    expect(judgeCertificates(obs.certificates, renew)).toMatchObject({status: 'pass'})
  })

  it('an expired certificate is critical, its evidence names the file and both dates', () => {
    conf(`  server { listen 127.0.0.1:18446 ssl; server_name old.test; ssl_certificate ${dir}/old.crt; ssl_certificate_key ${dir}/old.key; location / { return 204; } }`)
    const obs = observe()
    const judged = judgeCertificates(obs.certificates, renew)
    expect(judged).toMatchObject({status: 'fail', finding: 'cert_expired', hints: [{text: `renew ${dir}/old.crt`}]})
    expect(judged.summary).toMatch(new RegExp(`^certificate ${dir}/old.crt expired (\\d+ hours|\\d+ minutes) ago`))
    expect(judged.evidence![0]).toMatch(new RegExp(`^${dir}/old.crt: notBefore 20\\d\\d-.*, notAfter 20\\d\\d-.* \\(expired .* ago\\)$`))
    expect(JSON.stringify(judged)).not.toMatch(/undefined|-\d+ days/)
  })

  it('with openssl in the CT, the key\'s public half comes from openssl pkey -pubout there, and matches', () => {
    conf(`  server { listen 127.0.0.1:18447 ssl; server_name api.test; ssl_certificate ${dir}/soon.crt; ssl_certificate_key ${dir}/soon.key; location / { return 204; } }`)
    const obs = observe()
    expect(obs.keys).toEqual([expect.objectContaining({file: `${dir}/soon.key`, via: 'openssl'})])
    expect(obs.tlsServers).toEqual([{file: join(dir, 'nginx.conf'), line: 6, serverNames: ['api.test'], port: 18447, pairs: [{cert: `${dir}/soon.crt`, key: `${dir}/soon.key`, file: join(dir, 'nginx.conf'), line: 6}]}])
    expect(judgeKeys(obs.certificates, obs.keys!, obs.tlsServers!, () => [])).toMatchObject({status: 'pass', summary: '1 key(s) match their certificate (public keys compared)'})
  })

  it('without openssl (Debian\'s nginx CT): the PEM is parsed by phoenix, the key read bounded and only its public half kept; no key byte in what the probe gives back', () => {
    // A PATH with every tool but openssl; and a certificate file that holds its key too (nginx allows it).
    const bin = join(dir, 'bin')
    mkdirSync(bin, {recursive: true})
    for (const d of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
      for (const f of readdirSync(d)) if (f !== 'openssl' && !existsSync(join(bin, f))) symlinkSync(join(d, f), join(bin, f))
    }
    writeFileSync(join(dir, 'both.pem'), readFileSync(join(dir, 'soon.key'), 'utf8') + readFileSync(join(dir, 'soon.crt'), 'utf8'))
    conf(`  server { listen 127.0.0.1:18448 ssl; server_name api.test; ssl_certificate ${dir}/both.pem; ssl_certificate_key ${dir}/soon.key; location / { return 204; } }`)
    const obs = observe({PATH: bin, LANG: 'C'})
    expect(obs.test.ok).toBe(true)
    expect(obs.certificates).toEqual([expect.objectContaining({file: `${dir}/both.pem`, subject: 'CN=soon.test'})])
    expect(obs.keys).toEqual([expect.objectContaining({file: `${dir}/soon.key`, via: 'derived'})])
    expect(judgeKeys(obs.certificates, obs.keys!, obs.tlsServers!, () => []).status).toBe('pass')
    const key = readFileSync(join(dir, 'soon.key'), 'utf8').split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))
    const said = JSON.stringify(obs)
    expect(key.length).toBeGreaterThan(0)
    for (const line of key) expect(said).not.toContain(line)
    expect(said).not.toContain('PRIVATE KEY')
  })

  it('a key that is not its certificate\'s: nginx -t refuses the pair with OpenSSL\'s "key values mismatch"', () => {
    conf(`  server { listen 127.0.0.1:18449 ssl; server_name api.test; ssl_certificate ${dir}/soon.crt; ssl_certificate_key ${dir}/later.key; location / { return 204; } }`)
    const obs = observe()
    expect(obs.test.ok).toBe(false)
    expect(obs.test.messages).toContainEqual(expect.objectContaining({level: 'emerg', text: expect.stringMatching(new RegExp(`SSL_CTX_use_PrivateKey\\("${dir}/later.key"\\) failed .*key values mismatch`))}))
  })

  it('keeps nginx -t\'s [emerg] with its file and line when the config is broken', () => {
    conf(`  server { listen 127.0.0.1:18445;\n    location / { proxy_passs http://127.0.0.1:1; }\n  }`)
    const obs = observe()
    expect(obs.test.ok).toBe(false)
    expect(obs.test.messages).toContainEqual(expect.objectContaining({level: 'emerg', file: join(dir, 'nginx.conf'), line: 7}))
    expect(obs.routes).toEqual([])
  })
})
