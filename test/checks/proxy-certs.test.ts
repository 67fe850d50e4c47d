import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {parseTraefik, traefikSnippet} from '../../src/checks/probes/traefik.js'
import {judgeProxyCerts} from '../../src/checks/services/proxy-certs.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {Inventory} from '../../src/model/inventory.js'
import type {TraefikProbe} from '../../src/model/probes.js'
import type {TraefikObservation} from '../../src/model/traefik.js'
import {hoursFromNow, Pki} from '../helpers/pki.js'

/**
 * The certificates Traefik serves (tls.certificates), read by the proxy probe as it runs in the
 * proxy's CT (real sh, real files made by the real openssl) and judged as nginx's are.
 */
describe("the certificates Traefik serves for a service's routers with tls", () => {
  let dir: string
  let pki: Pki
  let inv: Inventory
  const HOST = 'ollama.internal.example'
  const probe = (): TraefikProbe => ({kind: 'traefik', configDir: join(dir, 'dynamic')})
  const observe = (env?: NodeJS.ProcessEnv) => {
    const out = execFileSync('sh', ['-s'], {input: batchScript([traefikSnippet(probe(), 5000)]), encoding: 'utf8', ...(env ? {env} : {})})
    return {out, obs: parseTraefik(splitBatchOutput(out, 1).lines[0]!, probe()) as TraefikObservation}
  }
  /** The dynamic config in TOML or YAML: ollama's router with tls, its certificate and key files. */
  const write = (cert: string, key: string, toml = false) => {
    rmSync(join(dir, 'dynamic'), {recursive: true, force: true})
    mkdirSync(join(dir, 'dynamic'))
    if (toml) {
      writeFileSync(join(dir, 'dynamic', 'conf.toml'), `[http.routers.ollama]\n  rule = "Host(\`${HOST}\`)"\n  service = "ollama"\n  [http.routers.ollama.tls]\n[[http.services.ollama.loadBalancer.servers]]\n  url = "http://10.0.0.155:11434"\n\n[[tls.certificates]]\n  certFile = "${pki.at(cert)}"\n  keyFile = "${pki.at(key)}"\n`)
    } else {
      writeFileSync(join(dir, 'dynamic', 'conf.yml'), `http:\n  routers:\n    ollama:\n      rule: "Host(\`${HOST}\`)"\n      service: ollama\n      tls: {}\n  services:\n    ollama:\n      loadBalancer:\n        servers:\n          - url: "http://10.0.0.155:11434"\ntls:\n  certificates:\n    - certFile: ${pki.at(cert)}\n      keyFile: "${pki.at(key)}"\n`)
    }
  }
  const judge = (env?: NodeJS.ProcessEnv) => judgeProxyCerts(inv.services[0]!, inv, inv.proxy!.guest, observe(env).obs)

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-certs-'))
    pki = new Pki(dir)
    pki.ca('root')
    pki.ca('stranger')
    const day = {from: hoursFromNow(-1), until: hoursFromNow(23)}
    pki.issue('leaf', 'root', {sans: `DNS:${HOST}`, ...day})
    pki.issue('other', 'root', {sans: 'DNS:chat.internal.example', ...day})
    pki.issue('foreign', 'stranger', {sans: `DNS:${HOST}`, ...day})
    pki.issue('old', 'root', {sans: `DNS:${HOST}`, from: hoursFromNow(-30), until: hoursFromNow(-6)})
    pki.issue('late', 'root', {sans: `DNS:${HOST}`, from: hoursFromNow(-20), until: hoursFromNow(4)})
    writeFileSync(join(dir, 'inventory.yaml'), `proxmox: { host: local }\ngateway: { ctid: 101, address: 10.0.0.153, url: https://gw.internal.example, ca: ${pki.at('root.crt')} }\nproxy: { kind: traefik, ctid: 102, address: 10.0.0.12 }\nservices:\n  ollama: { kind: ollama, ctid: 914, address: 10.0.0.155, port: 11434, viaProxy: true, route: { host: ${HOST}, path: / } }\n`)
    const parsed = parseInventory(readFileSync(join(dir, 'inventory.yaml'), 'utf8'), join(dir, 'inventory.yaml'))
    // The CA's text, as loading the inventory from its file reads it.
    inv = {...parsed, gateway: {...parsed.gateway, caText: pki.read('root.crt')}}
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('a 24-hour certificate covering the Host, chained to gateway.ca, with its key: healthy; the entry and router named by file:line', () => {
    write('leaf.crt', 'leaf.key')
    const {obs} = observe()
    expect(obs.tlsCertificates).toEqual([{certFile: pki.at('leaf.crt'), keyFile: pki.at('leaf.key'), at: {file: join(dir, 'dynamic', 'conf.yml'), line: 14}}])
    expect(obs.keys).toEqual([expect.objectContaining({file: pki.at('leaf.key'), via: 'openssl'})])
    const j = judge()
    expect(j).toMatchObject({status: 'pass', summary: expect.stringContaining(`${pki.at('leaf.crt')} (${join(dir, 'dynamic', 'conf.yml')}:14) covers ${HOST}`)})
    expect(j.summary).toMatch(/chain to gateway\.ca.*1 key\(s\) match/)
  })

  it('TOML reads the same', () => {
    write('leaf.crt', 'leaf.key', true)
    expect(judge()).toMatchObject({status: 'pass', summary: expect.stringContaining(`(${join(dir, 'dynamic', 'conf.toml')}:8) covers ${HOST}`)})
  })

  it('each fault its own cause: expired, a third of its life left, another CA, another name, another key', () => {
    write('old.crt', 'old.key')
    expect(judge()).toMatchObject({status: 'fail', finding: 'proxy_cert_expired', summary: expect.stringMatching(/old\.crt expired 6 hours ago: clients refuse Traefik's TLS for ollama/)})
    write('late.crt', 'late.key')
    expect(judge()).toMatchObject({status: 'warn', finding: 'proxy_cert_expiring'})
    write('foreign.crt', 'foreign.key')
    expect(judge()).toMatchObject({status: 'fail', finding: 'proxy_cert_untrusted', hints: [{command: expect.stringMatching(/^pct exec 102 -- openssl x509 -in \S+foreign\.crt -noout -subject -issuer -dates$/)}]})
    write('other.crt', 'other.key')
    expect(judge()).toMatchObject({status: 'fail', finding: 'proxy_cert_name_mismatch', summary: expect.stringContaining(`no certificate for ${HOST} (router ollama (`)})
    write('missing.crt', 'leaf.key')
    const gone = judge()
    expect(gone).toMatchObject({finding: 'proxy_cert_name_mismatch', summary: expect.stringContaining(`(not readable in its CT: ${pki.at('missing.crt')})`)})
    expect(gone.evidence).toContain(`tls.certificates ${join(dir, 'dynamic', 'conf.yml')}:14: ${pki.at('missing.crt')}: not readable in the proxy's CT`)
    write('leaf.crt', 'other.key')
    expect(judge()).toMatchObject({status: 'fail', finding: 'proxy_cert_key_mismatch', summary: expect.stringContaining('Traefik does not load the pair')})
  })

  it('no key byte leaves: with openssl only the public half; without it the key is read bounded and only its hash kept', () => {
    write('leaf.crt', 'leaf.key')
    const key = readFileSync(pki.at('leaf.key'), 'utf8').split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))
    expect(key.length).toBeGreaterThan(0)
    const withOpenssl = observe()
    for (const line of key) expect(withOpenssl.out).not.toContain(line)
    const bin = join(dir, 'bin')
    mkdirSync(bin, {recursive: true})
    for (const d of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
      for (const f of readdirSync(d)) if (f !== 'openssl' && !existsSync(join(bin, f))) symlinkSync(join(d, f), join(bin, f))
    }
    const without = observe({PATH: bin, LANG: 'C'})
    expect(without.obs.keys).toEqual([expect.objectContaining({file: pki.at('leaf.key'), via: 'derived'})])
    const said = JSON.stringify([without.obs, judgeProxyCerts(inv.services[0]!, inv, inv.proxy!.guest, without.obs)])
    for (const line of key) expect(said).not.toContain(line)
    expect(said).not.toContain('PRIVATE KEY')
  })

  it('a router without tls has nothing to judge; a router with tls and no tls.certificates gets Traefik\'s default certificate', () => {
    write('leaf.crt', 'leaf.key')
    writeFileSync(join(dir, 'dynamic', 'conf.yml'), readFileSync(join(dir, 'dynamic', 'conf.yml'), 'utf8').replace('      tls: {}\n', ''))
    expect(judge()).toMatchObject({status: 'pass', summary: 'no Traefik router with tls leads to ollama: Traefik serves no certificate for it'})
    writeFileSync(join(dir, 'dynamic', 'conf.yml'), `http:\n  routers:\n    ollama: {rule: "Host(\`${HOST}\`)", service: ollama, tls: {}}\n  services:\n    ollama: {loadBalancer: {servers: [{url: "http://10.0.0.155:11434"}]}}\n`)
    expect(judge()).toMatchObject({status: 'fail', finding: 'proxy_cert_name_mismatch', summary: expect.stringContaining('self-signed default certificate')})
  })
})
