import {describe, expect, it} from 'vitest'

import {parseInventory} from '../../src/inventory/load.js'
import {formatAudit} from '../../src/output/human-audit.js'
import type {AuditReport} from '../../src/run/gateway-audit.js'

/** `phoenix audit`'s last line: the command to run after the fixes tests the gateway's own config and reloads its own unit. */

const yaml = (gateway: string) => `proxmox: {host: local}
gateway: {ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1"${gateway}}
services:
  ollama: {kind: ollama, ctid: 955, address: 127.0.0.1, port: 11434}
`
const report: AuditReport = {schemaVersion: 1, status: 'warn', gateway: {ctid: 953, url: 'http://127.0.0.1'},
  findings: [{id: 'server_tokens', summary: 'nginx names its version', fix: 'add server_tokens off;', file: '/etc/nginx/nginx.conf', line: 12}]} as AuditReport

describe('audit: the reload line', () => {
  it('tests the default config and reloads nginx when the inventory names neither', () => {
    const said = formatAudit(report, parseInventory(yaml(''), 'phoenix.yaml'), false)
    expect(said).toContain(`after the fixes: pct exec 953 -- sh -c 'nginx -t && systemctl reload nginx'`)
  })

  it('tests gateway.nginxConf and reloads gateway.unit', () => {
    const inv = parseInventory(yaml(', nginxConf: /opt/gw/nginx.conf, unit: openresty'), 'phoenix.yaml')
    const said = formatAudit(report, inv, false)
    expect(said).toContain(`after the fixes: pct exec 953 -- sh -c 'nginx -c /opt/gw/nginx.conf -t && systemctl reload openresty'`)
  })
})
