/**
 * The Proxmox firewall as the host has it: its `.fw` files (cluster.fw and one per guest) read as
 * pve-firewall reads them, and the guests' NICs (`netN: …,firewall=1`). Types only.
 */

/** Where a rule or an option is written: the file and its 1-based line, and the line itself. */
export interface FwWhere {
  file: string
  line: number
  text: string
}

/** One line of [RULES] or of a [group NAME] section, as pve-firewall's parse_fw_rule reads it. */
export interface FwRule extends FwWhere {
  /** `in`, `out` or `group` (a security group of cluster.fw, named by `action`). */
  type: string
  /** ACCEPT, DROP, REJECT, or the security group's name. */
  action: string
  /** `SSH(ACCEPT)`: the macro's name. */
  macro?: string
  /** A rule written `|IN …` is disabled. */
  enabled: boolean
  iface?: string
  proto?: string
  dport?: string
  sport?: string
  source?: string
  dest?: string
  icmpType?: string
  /** Why pve-firewall would leave this rule out (its parameters do not verify): a bad line. */
  problem?: string
}

/** A line pve-firewall cannot use: warned about, and left out of the ruleset. */
export interface FwProblem extends FwWhere {
  problem: string
}

/** One entry of an [IPSET name] section; `! 10.0.0.0/8` is a nomatch entry. */
export interface FwIpsetEntry {
  cidr: string
  nomatch: boolean
}

/** A `.fw` file: absent (no such file: nothing declared), or its sections. */
export interface FwFile {
  path: string
  present: boolean
  /** [OPTIONS]: `enable`, `policy_in`, … with where each is written. */
  options: Record<string, {value: string; line: number}>
  rules: FwRule[]
  /** cluster.fw's [group NAME] sections (lower-cased names). */
  groups: Record<string, FwRule[]>
  ipsets: Record<string, FwIpsetEntry[]>
  /** [ALIASES]: lower-cased name to IP or CIDR. */
  aliases: Record<string, string>
  problems: FwProblem[]
}

/** A guest's network device as its config says (`net0: name=eth0,…,firewall=1,ip=10.0.0.155/24`). */
export interface GuestNic {
  name: string
  firewall: boolean
  /** A CT's `ip=` address (without the prefix length); VMs carry none. */
  ip?: string
  text: string
}

/** A guest's config as the host has it: its NICs, or why it could not be read. */
export interface GuestNics {
  /** `lxc/950` or `qemu-server/1002`. */
  config: string
  nics: GuestNic[]
  /** No config file for this id on any node. */
  absent?: boolean
}

/** The firewall as read on the host: cluster.fw, the guests' files and NICs, the host's source address per target. */
export interface FirewallState {
  cluster: FwFile
  /** By guest id; a guest without a file has an absent one. */
  guests: Record<string, FwFile>
  nics: Record<string, GuestNics>
  /** The host's own addresses with their prefix (`ip -o addr`): its source toward a guest on its bridge. */
  hostAddresses: string[]
}
