import type {FirewallState, GuestNic} from '../model/firewall.js'
import {parseFwFile} from './fw-parse.js'
import {verifyReferences} from './fw-verify.js'

/**
 * The firewall's state from the host's lines: `@@fw ID` then the file (or `@@absent`), `@@conf
 * lxc/ID` then its netN lines (or `@@absent`), `@@route ADDRESS [SRC]`. Pure.
 */
export function readFirewallState(lines: readonly string[], dir: string): FirewallState {
  const texts = new Map<string, string[] | undefined>()
  const confs = new Map<string, string[] | undefined>()
  const sources: Record<string, string | undefined> = {}
  let current: string[] | undefined
  for (const line of lines) {
    const m = /^@@(fw|conf|route|absent)(?: (\S+))?(?: (\S+))?\s*$/.exec(line)
    if (!m) {
      current?.push(line)
      continue
    }
    const [, tag, a, b] = m
    current = undefined
    if (tag === 'absent') {
      const last = [...texts.keys(), ...confs.keys()].at(-1)
      if (last !== undefined) (texts.has(last) ? texts : confs).set(last, undefined)
    } else if (tag === 'route' && a) {
      sources[a] = b
    } else if (a) {
      current = []
      ;(tag === 'fw' ? texts : confs).set(a, current)
    }
  }
  const path = (id: string) => `${dir.replace(/\/+$/, '')}/firewall/${id}.fw`
  const cluster = parseFwFile(path('cluster'), texts.get('cluster')?.join('\n'), 'cluster')
  const guests: FirewallState['guests'] = {}
  for (const [id, text] of texts) {
    if (id === 'cluster') continue
    guests[id] = parseFwFile(path(id), text?.join('\n'), 'guest')
    verifyReferences(guests[id], cluster)
  }
  verifyReferences(cluster, cluster)
  const nics: FirewallState['nics'] = {}
  for (const [config, text] of confs) {
    const id = config.split('/')[1]!
    nics[id] = {config: `${config.startsWith('lxc') ? 'pct' : 'qm'} config ${id}`, nics: (text ?? []).flatMap(nicOf), ...(text === undefined ? {absent: true} : {})}
  }
  return {cluster, guests, nics, sources}
}

/** `net0: name=eth0,bridge=vmbr0,firewall=1,ip=10.0.0.155/24,type=veth` (a VM's: `virtio=MAC,bridge=vmbr0,firewall=1`). */
function nicOf(line: string): GuestNic[] {
  const m = /^\s*(net\d+):\s*(\S+)/.exec(line)
  if (!m) return []
  const options = new Map(m[2]!.split(',').map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]))
  const ip = options.get('ip')?.split('/')[0]
  return [{name: m[1]!, firewall: options.get('firewall') === '1', ...(ip && ip !== 'dhcp' && ip !== 'manual' ? {ip} : {}), text: line.trim()}]
}
