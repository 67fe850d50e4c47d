import {mkdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ctDir} from './cts.js'
import {clearFirewall, firewall} from './fault-mechanics.js'
import {STATE, VMS} from './topology.js'
import type {LabService} from './topology.js'

/**
 * The lab's Proxmox firewall (issue 13 item 5): real `.fw` files in a folder shaped like the host's
 * /etc/pve (the inventory's proxmox.configDir points phoenix at it, in both modes), enforced with
 * nftables inside the CT's own namespace from the same files, as pve-firewall enforces them on the
 * CT's veth: nothing while cluster.fw, the CT's `enable: 1` or its NIC's `firewall=1` is missing.
 * The lab's reader is its own and knows only what the lab writes: it checks phoenix, not itself.
 */

/** The lab's /etc/pve. */
export const PVE_DIR = join(STATE, 'pve')
const FIREWALL_DIR = join(PVE_DIR, 'firewall')
const guestFile = (id: number) => join(FIREWALL_DIR, `${id}.fw`)

/** cluster.fw as the operators have it (enabled, the host's input dropped), and each guest's config where pct and qm read it. */
export async function preparePveDir(ctids: readonly number[]): Promise<void> {
  await mkdir(FIREWALL_DIR, {recursive: true})
  await writeFile(join(FIREWALL_DIR, 'cluster.fw'), '# lab: the cluster firewall, on (issue 13 item 5)\n[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\nIN SSH(ACCEPT)\n')
  for (const [kind, ids, file] of [['lxc', ctids, (id: number) => join(ctDir(id), 'pct.conf')], ['qemu-server', VMS.map((v) => v.vmid), (id: number) => join(STATE, `vm${id}`, 'qm.conf')]] as const) {
    await mkdir(join(PVE_DIR, 'nodes', 'pve', kind), {recursive: true})
    for (const id of ids) await symlink(file(id), join(PVE_DIR, 'nodes', 'pve', kind, `${id}.conf`))
  }
}

/** A CT the lab writes a `.fw` file for: a service's, or one on its path (Traefik's CT 958). */
type Guest = Pick<LabService, 'ctid'>

/** Writes the CT's `.fw` file and enforces it; the line numbers phoenix names are this text's. */
export async function declareFirewall(s: Guest, text: string): Promise<void> {
  await writeFile(guestFile(s.ctid), text)
  await enforceFromFiles(s)
}

/** Removes the CT's `.fw` file and whatever the lab enforced from it. */
export async function removeFirewall(s: Guest): Promise<void> {
  await rm(guestFile(s.ctid), {force: true})
  await clearFirewall(s)
}

/** Reads the files back and applies what pve-firewall would: the CT's IN rules, then its policy_in (DROP by default). */
async function enforceFromFiles(s: Guest): Promise<void> {
  const cluster = sections(await readFile(join(FIREWALL_DIR, 'cluster.fw'), 'utf8'))
  const guest = sections(await readFile(guestFile(s.ctid), 'utf8'))
  const nic = (await readFile(join(ctDir(s.ctid), 'pct.conf'), 'utf8')).split('\n').find((l) => l.startsWith('net0:')) ?? ''
  const on = cluster.options.get('enable') === '1' && guest.options.get('enable') === '1' && /[:,]firewall=1(,|$)/.test(nic)
  if (!on) return clearFirewall(s)
  const rules = guest.rules.map(nftRule)
  const policy = guest.options.get('policy_in') ?? 'DROP'
  // pve-firewall lets established traffic back in first; the CT's loopback never crosses its veth.
  await firewall(s, ['ct state established,related accept', 'iif "lo" accept', ...rules, ...(policy === 'ACCEPT' ? [] : [verdict(policy)])].join('\n    '))
}

function sections(text: string): {options: Map<string, string>; rules: string[]} {
  const options = new Map<string, string>()
  const rules: string[] = []
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line) continue
    if (/^\[\w+\]$/.test(line)) section = line.toLowerCase()
    else if (section === '[options]') options.set(line.split(':')[0]!.trim(), line.split(':')[1]!.trim())
    else if (section === '[rules]') rules.push(line)
    else throw new Error(`the lab's firewall reader does not know: ${raw}`)
  }
  return {options, rules}
}

/** `IN ACTION [-source A] [-p tcp -dport N]`: all the lab writes. */
function nftRule(rule: string): string {
  const m = /^IN (ACCEPT|DROP|REJECT)((?: -(?:source|p|dport) \S+)*)$/.exec(rule)
  if (!m) throw new Error(`the lab's firewall reader does not know the rule: ${rule}`)
  const opt = (name: string) => new RegExp(` -${name} (\\S+)`).exec(m[2]!)?.[1]
  const source = opt('source')
  const proto = opt('p')
  const dport = opt('dport')
  const match = [source ? `ip saddr ${source}` : '', proto && dport ? `${proto} dport ${dport}` : proto ? `meta l4proto ${proto}` : ''].filter(Boolean).join(' ')
  return `${match} ${verdict(m[1]!)}`.trim()
}

function verdict(action: string): string {
  return action === 'ACCEPT' ? 'accept' : action === 'DROP' ? 'drop' : 'reject'
}
