import {CAUSE_EVIDENCE} from '../verdict/cause-evidence.js'
import {CAUSES} from '../verdict/causes.js'
import type {CauseCode} from '../verdict/causes.js'
import {hintsFor} from '../verdict/hints.js'
import {kindModule, kindModules} from '../checks/services/registry.js'
import {guestLabel} from '../io/guests/guests.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'

/** Every kind: each carries its README example (a service of that kind) and the causes it is the example of. */
const EXAMPLES = kindModules()

/** The causes only a VM has, shown for Qdrant in VM 1002 (where the operators moved it). */
const VM_CAUSES: readonly CauseCode[] = ['vm_stopped', 'agent_not_enabled', 'agent_not_responding', 'exec_timed_out']
const VM_EXAMPLE: ServiceDef = {...kindModule('qdrant').example, guest: {kind: 'vm', id: 1002}, address: '10.0.0.102'}

/** The example a cause's hint is shown for: the kind that names it in exampleFor, or n8n in CT 954. */
function exampleOf(code: CauseCode): ServiceDef {
  if (VM_CAUSES.includes(code)) return VM_EXAMPLE
  return (EXAMPLES.find((k) => k.exampleFor?.includes(code)) ?? kindModule('n8n')).example
}

const INVENTORY: Inventory = {
  source: '(example)',
  proxmox: {mode: 'local'},
  gateway: {guest: {kind: 'ct', id: 953}, address: '10.0.0.153', url: 'http://10.0.0.153', errorLog: '/var/log/nginx/error.log', unit: 'nginx'},
  thresholds: {slowMs: 1000},
  services: [...EXAMPLES.map((k) => k.example), VM_EXAMPLE],
}

/** The README's causes table, made from the causes, their evidence and their hints. */
export function causesTable(): string {
  const rows = (Object.keys(CAUSES) as CauseCode[]).map((code) => {
    const example = exampleOf(code)
    const hint = hintsFor(code, example, INVENTORY)[0]
    const fix = hint ? `${hint.text}${hint.command ? `<br>\`${hint.command}\`` : ''}` : '-'
    return [`\`${code}\``, CAUSES[code].layer ?? '-', CAUSES[code].meaning, CAUSE_EVIDENCE[code], `${fix} (for ${example.name}, ${guestLabel(example)})`]
  })
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ')
  return [
    '| cause | layer | what it means | what phoenix saw | first hint (example) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}
