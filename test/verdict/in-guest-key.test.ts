import {describe, expect, it} from 'vitest'

import {parseInventory} from '../../src/inventory/load.js'
import {hintsFor} from '../../src/verdict/hints.js'

/**
 * A hint that calls a service's API inside its CT takes the key from the service's own environment,
 * by the variable that service reads: llama-server's --api-key is LLAMA_API_KEY (llama.cpp
 * common/arg.cpp), vLLM's VLLM_API_KEY, Qdrant's QDRANT__SERVICE__API_KEY.
 */
function hintCommands(kind: string, port: number): string {
  const inv = parseInventory(`proxmox: { host: local }\ngateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }\nservices:\n  s: { kind: ${kind}, ctid: 957, address: 10.0.0.157, port: ${port}, runtime: { systemd: s }, apiKeyEnv: MY_KEY }\n`, 'p.yaml')
  return hintsFor('model_missing', inv.services[0]!, inv).map((h) => h.command ?? '').join('\n')
}

describe("the key a hint reads inside the guest", () => {
  it.each([
    ['llamacpp', 8081, 'LLAMA_API_KEY'],
    ['vllm', 8000, 'VLLM_API_KEY'],
  ])('%s: its own variable %s, never the inventory\'s name for phoenix\'s copy', (kind, port, own) => {
    const commands = hintCommands(kind, Number(port))
    expect(commands).toContain(own)
    expect(commands).not.toContain('MY_KEY')
  })
})
