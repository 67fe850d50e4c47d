import {CAUSE_EVIDENCE} from '../verdict/cause-evidence.js'
import {CAUSES} from '../verdict/causes.js'
import type {CauseCode} from '../verdict/causes.js'
import {hintsFor} from '../verdict/hints.js'
import type {Inventory, ServiceDef, ServiceKind} from '../model/inventory.js'

/** The example a cause's hint is shown for: the kind it is about, or n8n in CT 954. */
const EXAMPLE_KIND: Partial<Record<CauseCode, ServiceKind>> = {
  model_missing: 'ollama', bound_to_loopback: 'ollama', host_header_rejected: 'ollama', cli_missing: 'ollama',
  kv_cache_full: 'vllm', embedding_dim_mismatch: 'vllm', inference_failed: 'vllm', service_starting: 'vllm',
  not_ready: 'qdrant', collection_missing: 'qdrant', api_auth_failed: 'qdrant', api_key_unset: 'qdrant',
  config_invalid: 'nginx', hardening_weak: 'nginx', cert_expired: 'nginx', cert_expiring: 'nginx',
}

const EXAMPLES: Record<ServiceKind, ServiceDef> = {
  n8n: {name: 'n8n', kind: 'n8n', ctid: 954, address: '10.0.0.154', port: 5678, runtime: {docker: 'n8n'}, route: {path: '/n8n/'}},
  ollama: {name: 'ollama', kind: 'ollama', ctid: 955, address: '10.0.0.155', port: 11434, runtime: {systemd: 'ollama'}, route: {path: '/ollama/'}, model: 'llama3.2:latest'},
  vllm: {name: 'vllm-embed', kind: 'vllm', task: 'embed', ctid: 951, address: '10.0.0.151', port: 8000, runtime: {systemd: 'vllm-embed'}, route: {path: '/v1/embeddings'}, dim: 1024},
  qdrant: {name: 'qdrant', kind: 'qdrant', ctid: 952, address: '10.0.0.152', port: 6333, runtime: {docker: 'qdrant'}, route: {path: '/qdrant/'}, apiKeyEnv: 'QDRANT_API_KEY', collections: ['docs']},
  http: {name: 'web', kind: 'http', ctid: 960, address: '10.0.0.160', port: 8080, route: {path: '/web/'}},
  openwebui: {name: 'openwebui', kind: 'openwebui', ctid: 956, address: '10.0.0.156', port: 8080, runtime: {docker: 'open-webui'}, route: {path: '/webui/'}},
  llamacpp: {name: 'llamacpp', kind: 'llamacpp', ctid: 957, address: '10.0.0.157', port: 8081, runtime: {systemd: 'llama-server'}, route: {path: '/llamacpp/'}},
  nginx: {name: 'gateway', kind: 'nginx', ctid: 953, address: '10.0.0.153', port: 80, runtime: {systemd: 'nginx'}, route: {path: '/'}},
}

const INVENTORY: Inventory = {
  source: '(example)',
  proxmox: {mode: 'local'},
  gateway: {ctid: 953, address: '10.0.0.153', url: 'http://10.0.0.153', errorLog: '/var/log/nginx/error.log', unit: 'nginx'},
  thresholds: {slowMs: 1000},
  services: Object.values(EXAMPLES),
}

/** The README's causes table, made from the causes, their evidence and their hints. */
export function causesTable(): string {
  const rows = (Object.keys(CAUSES) as CauseCode[]).map((code) => {
    const example = EXAMPLES[EXAMPLE_KIND[code] ?? 'n8n']
    const hint = hintsFor(code, example, INVENTORY)[0]
    const fix = hint ? `${hint.text}${hint.command ? `<br>\`${hint.command}\`` : ''}` : '-'
    return [`\`${code}\``, CAUSES[code].layer ?? '-', CAUSES[code].meaning, CAUSE_EVIDENCE[code], `${fix} (for ${example.name}, CT ${example.ctid})`]
  })
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ')
  return [
    '| cause | layer | what it means | what phoenix saw | first hint (example) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}
