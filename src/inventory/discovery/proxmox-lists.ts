/**
 * What the Proxmox host says about its guests, as its CLIs print it: `pct list` and `qm list`
 * (pve-container's and qemu-server's CLI formats), `pct config` and `qm config` ("key: value"
 * lines, sorted, then raw `lxc.*` lines; snapshots are not printed without --snapshot).
 */

/** One guest of `pct list` or `qm list`. */
export interface ListedGuest {
  id: number
  type: 'ct' | 'vm'
  status: string
  name: string
}

/**
 * `pct list`: `printf "%-10s %-10s %-12s %-20s\n"` of VMID, Status, Lock, Name. The Lock column is
 * usually empty, so a line has three words, or four when the CT is locked (backup, migrate, ...).
 */
export function parsePctList(stdout: string): ListedGuest[] {
  const guests: ListedGuest[] = []
  for (const line of stdout.split('\n')) {
    const words = line.trim().split(/\s+/)
    if (!/^\d+$/.test(words[0] ?? '') || words.length < 2) continue
    const name = words.length >= 4 ? words[3]! : (words[2] ?? '')
    guests.push({id: Number(words[0]), type: 'ct', status: words[1]!, name})
  }
  return guests
}

/** `qm list`: `printf "%10s %-20s %-10s %-10s %12.2f %-10s\n"` of VMID, NAME, STATUS, MEM(MB), BOOTDISK(GB), PID. */
export function parseQmList(stdout: string): ListedGuest[] {
  const guests: ListedGuest[] = []
  for (const line of stdout.split('\n')) {
    const words = line.trim().split(/\s+/)
    if (!/^\d+$/.test(words[0] ?? '') || words.length < 3) continue
    guests.push({id: Number(words[0]), type: 'vm', name: words[1]!, status: words[2]!})
  }
  return guests
}

/** `pct config ID` or `qm config ID`: its keys; a key printed twice (raw lxc.* lines) keeps the first. */
export function parseGuestConfig(stdout: string): Map<string, string> {
  const config = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    if (line.startsWith('[')) break // a snapshot section (qm config --snapshot): not the running config
    const m = /^([A-Za-z][\w.-]*):\s?(.*)$/.exec(line)
    if (m && !config.has(m[1]!)) config.set(m[1]!, m[2]!)
  }
  return config
}

/** `name=eth0,bridge=vmbr0,ip=10.0.0.150/24,gw=10.0.0.1` as a map. */
export function propertyString(value: string): Map<string, string> {
  const props = new Map<string, string>()
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) props.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return props
}

/** A guest's static IPv4 address and where it was read: a CT's `net0: ...ip=`, a VM's cloud-init `ipconfig0: ip=`. */
export function configAddress(config: Map<string, string>): {address: string; key: string} | undefined {
  const keys = [...config.keys()].filter((k) => /^(net|ipconfig)\d+$/.test(k)).sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')))
  for (const key of keys) {
    const ip = propertyString(config.get(key)!).get('ip')
    const m = ip ? /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/\d+)?$/.exec(ip) : null
    if (m) return {address: m[1]!, key}
  }
  return undefined
}

/** qm config's `agent: 1` or `agent: enabled=1,fstrim_cloned_disks=1`: whether the guest agent is enabled. */
export function agentEnabled(config: Map<string, string>): boolean {
  const agent = config.get('agent')
  if (!agent) return false
  // The default key is `enabled`: `agent: 1,fstrim_cloned_disks=1` is enabled too.
  const first = agent.split(',')[0]!
  if (!first.includes('=')) return first === '1'
  return propertyString(agent).get('enabled') === '1'
}
