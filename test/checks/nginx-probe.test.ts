import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {nginxSnippet, parseNginx} from '../../src/checks/probes/nginx.js'
import type {NginxObservation, NginxProbe} from '../../src/model/probes.js'
import {judgeCertificates} from '../../src/gateway/certificates.js'

const renew = (file: string) => ({text: `renew ${file}`})

/**
 * The nginx probe as it runs in the gateway CT, against Debian's real nginx (`-t` and `-T` read the
 * config and listen on nothing) and real openssl certificates.
 */
describe('the nginx probe on a real nginx', () => {
  let dir: string
  const probe = (): NginxProbe => ({kind: 'nginx', conf: join(dir, 'nginx.conf'), errorLog: join(dir, 'error.log'), errorLines: 50, apiPaths: ['/v1/']})
  const observe = (): NginxObservation => {
    const out = execFileSync('sh', ['-s'], {input: batchScript([nginxSnippet(probe(), 5000)]), encoding: 'utf8'})
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

  it('keeps nginx -t\'s [emerg] with its file and line when the config is broken', () => {
    conf(`  server { listen 127.0.0.1:18445;\n    location / { proxy_passs http://127.0.0.1:1; }\n  }`)
    const obs = observe()
    expect(obs.test.ok).toBe(false)
    expect(obs.test.messages).toContainEqual(expect.objectContaining({level: 'emerg', file: join(dir, 'nginx.conf'), line: 7}))
    expect(obs.routes).toEqual([])
  })
})
