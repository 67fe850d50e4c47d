import type {FirewallState, GuestNic} from '../model/firewall.js'
import {parseFwFile} from './fw-parse.js'
import {verifyReferences} from './fw-verify.js'

/**
 * The firewall's state from the host's lines: after `@@fw`, `firewall/ID.fw:LINE:TEXT` (grep -Hn);
 * after `@@conf`, `nodes/NODE/lxc/ID.conf:TEXT`; after `@@addr`, `ip -o addr` lines. A guest with
 * no line has no file (an empty file declares nothing either). Pure.
 */
export function readFirewallState(lines: readonly string[], dir: string, ids: readonly string[]): FirewallState {
  const texts = new Map<string, string[]>()
  const confs = new Map<string, string[]>()
  const hostAddresses: string[] = []
  let section = ''
  for (const line of lines) {
    if (/^@@(fw|conf|addr)$/.test(line)) {
      section = line.slice(2)
      continue
    }
    const fw = section === 'fw' ? /^firewall\/(\w+)\.fw:(\d+):(.*)$/.exec(line) : null
    if (fw) {
      const text = texts.get(fw[1]!) ?? texts.set(fw[1]!, []).get(fw[1]!)!
      text[Number(fw[2]) - 1] = fw[3]!
      continue
    }
    const conf = section === 'conf' ? /^nodes\/[^/]+\/(lxc|qemu-server)\/(\d+)\.conf:(.*)$/.exec(line) : null
    if (conf) (confs.get(conf[2]!) ?? confs.set(conf[2]!, [`${conf[1]}`]).get(conf[2]!)!).push(conf[3]!)
    const addr = section === 'addr' ? /\sinet6?\s+(\S+)/.exec(line) : null
    if (addr) hostAddresses.push(addr[1]!)
  }
  const path = (id: string) => `${dir.replace(/\/+$/, '')}/firewall/${id}.fw`
  const text = (id: string) => (texts.has(id) ? Array.from(texts.get(id)!, (l) => l ?? '').join('\n') : undefined)
  const cluster = parseFwFile(path('cluster'), text('cluster'), 'cluster')
  verifyReferences(cluster, cluster)
  const guests: FirewallState['guests'] = {}
  const nics: FirewallState['nics'] = {}
  for (const id of ids) {
    guests[id] = parseFwFile(path(id), text(id), 'guest')
    verifyReferences(guests[id], cluster)
    const [kind, ...conf] = confs.get(id) ?? []
    // What pct config shows: the config's current section, before its first [snapshot].
    const current = conf.slice(0, conf.findIndex((l) => l.startsWith('[')) === -1 ? conf.length : conf.findIndex((l) => l.startsWith('[')))
    nics[id] = {config: `${kind === 'qemu-server' ? 'qm' : 'pct'} config ${id}`, nics: current.flatMap(nicOf), ...(kind === undefined ? {absent: true} : {})}
  }
  return {cluster, guests, nics, hostAddresses}
}

/** `net0: name=eth0,bridge=vmbr0,firewall=1,ip=10.0.0.155/24,type=veth` (a VM's: `virtio=MAC,bridge=vmbr0,firewall=1`). */
function nicOf(line: string): GuestNic[] {
  const m = /^\s*(net\d+):\s*(\S+)/.exec(line)
  if (!m) return []
  const options = new Map(m[2]!.split(',').map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]))
  const ip = options.get('ip')?.split('/')[0]
  return [{name: m[1]!, firewall: options.get('firewall') === '1', ...(ip && ip !== 'dhcp' && ip !== 'manual' ? {ip} : {}), text: line.trim()}]
}
