import {describe, expect, it} from 'vitest'

import type {Estate} from '../../../src/inventory/discovery/estate.js'
import {draftDocument, draftText, mergeDraft} from '../../../src/inventory/discovery/draft.js'
import {parseInventory} from '../../../src/inventory/load.js'

const ESTATE: Estate = {
  host: 'local',
  gateway: {ctid: {value: 101, how: 'CT 101 (Nginx-Phoenix) runs nginx'}, address: {value: '10.0.0.153', how: 'pct config 101: net0 ip='}, url: {value: 'https://10.0.0.153', how: 'nginx -T'}, todo: ['ca: the PEM file of the CA']},
  services: [
    {
      name: 'granite-embedding',
      kind: {value: 'vllm', how: 'GET /v1/models: owned_by vllm'},
      ctid: {value: 801, how: 'pct list'},
      address: {value: '10.0.0.141', how: 'pct config 801: net0 ip='},
      port: {value: 8000, how: 'ss in CT 801'},
      runtime: {value: {systemd: 'vllm_model_server'}, how: 'systemctl list-units in CT 801'},
      apiKeyEnv: {value: 'VLLM_API_KEY', how: 'GET /v1/models answered 401 without a key'},
      todo: ['route: no location of the gateway proxies to it'],
    },
  ],
  notes: ['VM 1002 (drphoenix, running, guest agent enabled): its services are not read yet; add them by hand'],
}

describe('the draft inventory', () => {
  const text = draftText(draftDocument(ESTATE, {host: 'local'}, 'this Proxmox host'))

  it('says after each guessed value how it was found, and what it could not tell as TODO lines', () => {
    const valueLines = text.split('\n').filter((l) => /^\s+\w+: \S/.test(l))
    expect(valueLines.length).toBeGreaterThan(8)
    for (const line of valueLines) expect(line, line).toMatch(/ # \S/)
    expect(text).toContain('    runtime: { systemd: vllm_model_server } # systemctl list-units in CT 801')
    expect(text).toContain('    # TODO: route: no location of the gateway proxies to it')
    expect(text).toContain('  # TODO: ca: the PEM file of the CA')
    expect(text).toContain('# NOTE: VM 1002 (drphoenix')
  })

  it('loads as an inventory as it stands (the TODOs are comments), with the key variable named', () => {
    const inv = parseInventory(text, 'draft.yaml')
    expect(inv.services[0]).toMatchObject({name: 'granite-embedding', kind: 'vllm', guest: {kind: 'ct', id: 801}, apiKeyEnv: 'VLLM_API_KEY'})
    expect(inv.gateway).toMatchObject({guest: {kind: 'ct', id: 101}, url: 'https://10.0.0.153'})
  })

  it('--merge keeps the user\'s values, comments and order, and adds only what is new', () => {
    const theirs = [
      '# my estate, by hand',
      'proxmox: { host: local }',
      'gateway: { ctid: 101, address: 10.0.0.153, url: https://gw.lan, ca: /etc/phoenix/ca.pem } # my CA',
      'services:',
      '  embed: # renamed by me',
      '    kind: vllm',
      '    ctid: 801',
      '    address: 10.0.0.141',
      '    port: 8000',
      '    task: embed # I know it embeds',
      '',
    ].join('\n')
    const more: Estate = {...ESTATE, services: [...ESTATE.services, {...ESTATE.services[0]!, name: 'ollama', kind: {value: 'ollama', how: 'GET /'}, ctid: {value: 914, how: 'pct list'}, port: {value: 11434, how: 'ss'}, todo: []}]}
    const {text: merged, added} = mergeDraft(theirs, draftDocument(more, {host: 'local'}, 'here'))
    expect(added).toEqual(['ollama'])
    expect(merged.startsWith(theirs.trimEnd().split('\n').slice(0, 4).join('\n'))).toBe(true)
    for (const mine of ['# my estate, by hand', 'url: https://gw.lan', '# my CA', 'embed:', '# renamed by me', 'task: embed # I know it embeds']) expect(merged).toContain(mine)
    expect(merged).not.toContain('granite-embedding')
    expect(merged).toContain('  ollama:\n    kind: ollama # GET /')
    expect(parseInventory(merged, 'merged.yaml').services.map((s) => s.name)).toEqual(['embed', 'ollama'])
    // Nothing new: nothing added.
    expect(mergeDraft(merged, draftDocument(more, {host: 'local'}, 'here')).added).toEqual([])
  })
})
