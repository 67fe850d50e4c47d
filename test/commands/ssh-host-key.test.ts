import {existsSync, readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/model/report.js'
import {REPO} from '../helpers/processes.js'
import {startSshd} from '../helpers/sshd.js'
import type {TestSshd} from '../helpers/sshd.js'

/** phoenix on an admin machine, reaching a Proxmox host (a real sshd on loopback) it has never seen. */
describe('phoenix over SSH to a host whose key it does not know', () => {
  let sshd: TestSshd
  let config: string
  let knownHosts: string
  beforeAll(async () => {
    sshd = await startSshd()
    knownHosts = join(sshd.scratch, 'known_hosts_phoenix')
    config = join(sshd.scratch, 'phoenix.yaml')
    await writeFile(config, `proxmox: { host: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, identityFile: ${sshd.identityFile}, knownHosts: ${knownHosts} }
gateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:9" }
services:
  n8n: { kind: n8n, ctid: 954, address: 127.0.0.1, port: 9, runtime: { docker: n8n } }
`)
  })
  afterAll(async () => {
    await sshd?.close()
  })

  it('is blind, not broken: exit 3, the fingerprint in the evidence, and the flag that accepts it', async () => {
    const {stdout, error} = await runCommand(['diag', 'n8n', '--layer', 'service', '--config', config, '--json'], {root: REPO})
    const report = JSON.parse(stdout) as Report
    const verdict = report.services[0]!.verdict
    expect(error?.oclif?.exit).toBe(3)
    expect(verdict).toMatchObject({layer: 'service', cause: 'vantage_unreachable'})
    expect(verdict.evidence.join('\n')).toMatch(/SHA256:[A-Za-z0-9+/]{43}/)
    expect(verdict.hints[0]!.text).toContain('--accept-new-host-key')
    expect(existsSync(knownHosts)).toBe(false)
  })

  it('records the key with --accept-new-host-key, and the next run trusts it without the flag', async () => {
    await runCommand(['diag', 'n8n', '--layer', 'service', '--config', config, '--json', '--accept-new-host-key'], {root: REPO})
    const blob = sshd.hostPublicKeyLine.split(' ')[1]!
    expect(readFileSync(knownHosts, 'utf8')).toContain(`[${sshd.host}]:${sshd.port} ssh-ed25519 ${blob}`)
    const {stdout} = await runCommand(['diag', 'n8n', '--layer', 'service', '--config', config, '--json'], {root: REPO})
    // The host is reached now; it is no Proxmox host (no pct), which phoenix says instead.
    const evidence = (JSON.parse(stdout) as Report).services[0]!.verdict.evidence.join('\n')
    expect(evidence).not.toMatch(/host key|SHA256:/)
    expect(evidence).toMatch(/pct/)
  })
})
