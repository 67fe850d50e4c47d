import type {FwFile, FwRule} from '../model/firewall.js'

/** What a probe sends: its protocol, destination port (TCP), and the addresses at both ends. */
export interface Packet {
  proto: 'tcp' | 'icmp'
  dport?: number
  /** undefined: phoenix does not know it (the host's source address could not be read). */
  src?: string
  dst?: string
  /** The guest's device the packet crosses (net0). */
  iface?: string
}

/** Whether a rule matches: `unknown` when it depends on something phoenix cannot tell. */
export type Match = 'yes' | 'no' | 'unknown'

/** Protocol names pve-firewall takes and their numbers (the ones a probe can be). */
export const PROTOCOLS: Record<string, number> = {tcp: 6, udp: 17, icmp: 1, icmpv6: 58, 'ipv6-icmp': 58, udplite: 136, sctp: 132, dccp: 33, gre: 47, esp: 50, ah: 51}

/** The macros phoenix reads (Proxmox has more; another macro's rule is "cannot tell"). Lower-cased names. */
export const MACROS: Record<string, {proto: 'tcp' | 'udp' | 'icmp'; dport?: string}[] | undefined> = {
  ssh: [{proto: 'tcp', dport: '22'}],
  http: [{proto: 'tcp', dport: '80'}],
  https: [{proto: 'tcp', dport: '443'}],
  web: [{proto: 'tcp', dport: '80'}, {proto: 'tcp', dport: '443'}],
  ping: [{proto: 'icmp', dport: 'echo-request'}],
  dns: [{proto: 'udp', dport: '53'}, {proto: 'tcp', dport: '53'}],
}

/** A few /etc/services names; another name makes the rule "cannot tell". */
const SERVICES: Record<string, number> = {ssh: 22, http: 80, https: 443, domain: 53, 'http-alt': 8080, postgresql: 5432, mysql: 3306, redis: 6379}

/** `80,443,8000:8100,ssh` as ranges; undefined when it is not a port list. Names phoenix does not know give [-1, -1]. */
export function portList(value: string): [number, number][] | undefined {
  const out: [number, number][] = []
  for (const item of value.split(',')) {
    const range = /^(\d+):(\d+)$/.exec(item)
    if (range && Number(range[1]) <= Number(range[2]) && Number(range[2]) <= 65_535) out.push([Number(range[1]), Number(range[2])])
    else if (/^\d+$/.test(item) && Number(item) <= 65_535) out.push([Number(item), Number(item)])
    else if (/^[a-z][a-z0-9-]*$/i.test(item)) out.push(SERVICES[item.toLowerCase()] === undefined ? [-1, -1] : [SERVICES[item.toLowerCase()]!, SERVICES[item.toLowerCase()]!])
    else return undefined
  }
  return out
}

/** Whether one rule (not a group) matches the packet; `file` and `cluster` resolve its ipsets and aliases. */
export function ruleMatches(rule: FwRule, p: Packet, file: FwFile, cluster: FwFile): Match {
  if (rule.iface && p.iface && rule.iface !== p.iface) return 'no'
  const parts: Match[] = []
  if (rule.macro) {
    const forms = MACROS[rule.macro.toLowerCase()]
    if (!forms) return 'unknown'
    parts.push(any(forms.map((f) => protoPort(f.proto, rule.dport ?? f.dport, p))))
  } else if (rule.proto) {
    parts.push(protoPort(rule.proto, rule.dport, p, rule.icmpType))
  }
  // A probe's source port is ephemeral: a rule on it is one phoenix cannot judge.
  if (rule.sport) parts.push('unknown')
  if (rule.source) parts.push(addressMatches(rule.source, p.src, file, cluster))
  if (rule.dest) parts.push(addressMatches(rule.dest, p.dst, file, cluster))
  return all(parts)
}

function protoPort(proto: string, dport: string | undefined, p: Packet, icmpType?: string): Match {
  const number = PROTOCOLS[proto.toLowerCase()] ?? Number(proto)
  if (number !== PROTOCOLS[p.proto]) return 'no'
  if (p.proto === 'icmp') {
    const type = icmpType ?? dport
    return type === undefined || /^(any|echo-request|8)$/i.test(type) ? 'yes' : 'no'
  }
  if (dport === undefined || p.dport === undefined) return dport === undefined ? 'yes' : 'unknown'
  const ranges = portList(dport)
  if (!ranges) return 'no'
  if (ranges.some(([a, b]) => a <= p.dport! && p.dport! <= b)) return 'yes'
  return ranges.some(([a]) => a === -1) ? 'unknown' : 'no'
}

/** An address against `-source`/`-dest`: a list, a CIDR, an A-B range, `+ipset` or an alias. */
export function addressMatches(value: string, address: string | undefined, file: FwFile, cluster: FwFile): Match {
  if (address === undefined) return 'unknown'
  const set = /^\+(?:(guest|dc)\/)?(.+)$/.exec(value)
  if (set) return ipsetMatches(lookup(set[1], set[2]!, file.ipsets, cluster.ipsets) ?? [], address, file, cluster)
  const alias = /^(?:(guest|dc)\/)?([A-Za-z][A-Za-z0-9_-]+)$/.exec(value)
  if (alias) {
    const cidr = lookup(alias[1], alias[2]!, file.aliases, cluster.aliases)
    return cidr === undefined ? 'no' : inCidr(address, cidr)
  }
  return any(value.split(',').map((item) => (item.includes('-') ? inRange(address, item) : inCidr(address, item))))
}

/** nomatch entries (`! 10.0.0.0/8`) exclude what they cover; entries may be aliases. */
function ipsetMatches(entries: readonly {cidr: string; nomatch: boolean}[], address: string, file: FwFile, cluster: FwFile): Match {
  const resolve = (cidr: string) => (/^(?:(guest|dc)\/)?[A-Za-z][A-Za-z0-9_-]+$/.test(cidr) ? addressMatches(cidr, address, file, cluster) : inCidr(address, cidr))
  const excluded = any(entries.filter((e) => e.nomatch).map((e) => resolve(e.cidr)))
  if (excluded === 'yes') return 'no'
  const included = any(entries.filter((e) => !e.nomatch).map((e) => resolve(e.cidr)))
  return excluded === 'unknown' && included !== 'no' ? 'unknown' : included
}

function lookup<T>(scope: string | undefined, name: string, own: Record<string, T>, cluster: Record<string, T>): T | undefined {
  const key = name.toLowerCase()
  return (scope !== 'dc' && Object.hasOwn(own, key) ? own[key] : undefined) ?? (scope !== 'guest' && Object.hasOwn(cluster, key) ? cluster[key] : undefined)
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.')
  if (parts.length !== 4 || parts.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined
  return parts.reduce((n, x) => n * 256 + Number(x), 0)
}

/** IPv4 by its bits; IPv6 only when written the same (another IPv6 form: cannot tell). */
export function inCidr(address: string, cidr: string): Match {
  const [net, bits] = cidr.split('/')
  const a = ipv4(address)
  const n = ipv4(net!)
  if (a === undefined || n === undefined) {
    if (a !== undefined || n !== undefined) return 'no'
    return bits === undefined && net!.toLowerCase() === address.toLowerCase() ? 'yes' : 'unknown'
  }
  const size = 2 ** (32 - Number(bits ?? 32))
  return Math.floor(a / size) === Math.floor(n / size) ? 'yes' : 'no'
}

function inRange(address: string, range: string): Match {
  const [from, to] = range.split('-').map(ipv4)
  const a = ipv4(address)
  if (a === undefined || from === undefined || to === undefined) return 'unknown'
  return from <= a && a <= to ? 'yes' : 'no'
}

function any(ms: readonly Match[]): Match {
  return ms.includes('yes') ? 'yes' : ms.includes('unknown') ? 'unknown' : 'no'
}

function all(ms: readonly Match[]): Match {
  return ms.includes('no') ? 'no' : ms.includes('unknown') ? 'unknown' : 'yes'
}
