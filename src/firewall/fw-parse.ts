import type {FwFile, FwRule} from '../model/firewall.js'
import {verifyRule} from './fw-verify.js'

/**
 * Reads a Proxmox `.fw` file as pve-firewall's generic_fw_config_parser does: each line trimmed,
 * `#` lines and blank lines skipped, sections [OPTIONS], [ALIASES], [RULES], [IPSET name] and (in
 * cluster.fw only) [group name], matched without regard to case. A line pve-firewall would warn
 * about and leave out is a problem with its line number, never an exception.
 */
export function parseFwFile(path: string, text: string | undefined, scope: 'cluster' | 'guest'): FwFile {
  const file: FwFile = {path, present: text !== undefined, options: {}, rules: [], groups: {}, ipsets: {}, aliases: {}, problems: []}
  if (text === undefined) return file
  let section: {kind: 'options' | 'aliases' | 'rules'} | {kind: 'group' | 'ipset'; name: string} | undefined
  const lines = text.split('\n')
  lines.forEach((raw, i) => {
    const line = raw.trim()
    const at = {file: path, line: i + 1, text: line}
    const problem = (why: string) => file.problems.push({...at, problem: why})
    if (!line || line.startsWith('#')) return
    const head = /^\[(options|aliases|rules)\]$/i.exec(line)
    if (head) return void (section = {kind: head[1]!.toLowerCase() as 'options' | 'aliases' | 'rules'})
    const named = /^\[(group|ipset)\s+(\S+)\]\s*(?:#.*)?$/i.exec(line)
    if (named && (named[1]!.toLowerCase() === 'ipset' || scope === 'cluster')) {
      const kind = named[1]!.toLowerCase() as 'group' | 'ipset'
      const name = named[2]!.toLowerCase()
      if (!/^[A-Za-z][A-Za-z0-9_-]+$/.test(name)) return void (problem(`invalid ${kind === 'group' ? 'security group' : 'ipset'} name '${name}'`), (section = undefined))
      section = {kind, name}
      if (kind === 'group') file.groups[name] = []
      else file.ipsets[name] = []
      return
    }
    if (!section) return void problem('skip line - no section')
    switch (section.kind) {
      case 'options':
        return void readOption(line, scope, file, at.line, problem)
      case 'aliases': {
        const m = /^(\S+)\s+(\S+)$/.exec(line.replace(/\s*#.*$/, ''))
        if (m && isIpOrCidr(m[2]!)) file.aliases[m[1]!.toLowerCase()] = m[2]!
        else problem('an alias is a name and an IP address or CIDR network')
        return
      }
      case 'rules':
      case 'group': {
        const rule = parseRule(line, at)
        if (typeof rule === 'string') return void problem(rule)
        if (section.kind === 'group') file.groups[section.name]!.push(rule)
        else file.rules.push(rule)
        return
      }
      case 'ipset': {
        const m = /^(!)?\s*(\S+)\s*$/.exec(line.replace(/#.*$/, '').trim())
        if (!m) return void problem('an ipset entry is an IP address, a CIDR network or an alias')
        file.ipsets[section.name]!.push({cidr: m[2]!, nomatch: m[1] === '!'})
      }
    }
  })
  // Rules are verified once every section is read: a rule may name an ipset or alias written below it.
  for (const rule of [...file.rules, ...Object.values(file.groups).flat()]) {
    const why = verifyRule(rule, scope)
    if (why) {
      rule.problem = why
      file.problems.push({file: path, line: rule.line, text: rule.text, problem: why})
    }
  }
  return file
}

const GUEST_OPTION = /^(enable|dhcp|ndp|radv|macfilter|ipfilter|ips):\s*[01]$|^(log_level_in|log_level_out):\s*\S*$|^policy_(in|out):\s*(ACCEPT|DROP|REJECT)$|^ips_queues:\s*\d+(:\d+)?$|^layer2_protocols:\s*\S+$/i
const CLUSTER_OPTION = /^enable:\s*\d+$|^ebtables:\s*[01]$|^policy_(in|out|forward):\s*(ACCEPT|DROP|REJECT)$|^log_ratelimit:\s*\S+$/i

/** An [OPTIONS] line: the options pve-firewall knows for that file (parse_vmfw_option, parse_clusterfw_option). */
function readOption(line: string, scope: 'cluster' | 'guest', file: FwFile, lineNo: number, problem: (why: string) => void): void {
  if (!(scope === 'cluster' ? CLUSTER_OPTION : GUEST_OPTION).test(line)) return void problem(`can't parse option '${line}'`)
  const [key, ...rest] = line.split(':')
  file.options[key!.trim().toLowerCase()] = {value: rest.join(':').trim().toUpperCase(), line: lineNo}
}

/** One rule line (parse_fw_rule): `[|]TYPE ACTION [-i X] [-p X] [-dport X] [-sport X] [-source X] [-dest X] [-log L] [-icmp-type X] [# comment]`. */
function parseRule(line: string, at: {file: string; line: number; text: string}): FwRule | string {
  let rest = line.replace(/#\s*(.*?)\s*$/, '').trim()
  const enabled = !rest.startsWith('|')
  if (!enabled) rest = rest.slice(1)
  const head = /^(\S+)\s+(\S+)\s*/.exec(rest)
  if (!head) return `unable to parse rule: ${rest}`
  rest = rest.slice(head[0].length)
  const rule: FwRule = {...at, type: head[1]!.toLowerCase(), action: head[2]!, enabled}
  const macro = /^(\S+)\((ACCEPT|DROP|REJECT)\)$/.exec(rule.action)
  if (macro && (rule.type === 'in' || rule.type === 'out')) Object.assign(rule, {macro: macro[1], action: macro[2]})
  const OPTIONS: [RegExp, keyof FwRule][] = [
    [/^-i (\S+)\s*/, 'iface'], [/^(?:-p|--?proto) (\S+)\s*/, 'proto'], [/^--?dport (\S+)\s*/, 'dport'], [/^--?sport (\S+)\s*/, 'sport'],
    [/^--?source (\S+)\s*/, 'source'], [/^--?dest (\S+)\s*/, 'dest'], [/^--?log (emerg|alert|crit|err|warning|notice|info|debug|nolog)\s*/, 'text'], [/^--?icmp-type (\S+)\s*/, 'icmpType'],
  ]
  while (rest.length) {
    const hit = OPTIONS.map(([re, key]) => [re.exec(rest), key] as const).find(([m]) => m)
    // A group rule takes -i only (parse_fw_rule stops there).
    if (!hit || (rule.type === 'group' && hit[1] !== 'iface')) break
    const [m, key] = hit
    if (key !== 'text') (rule as unknown as Record<string, string>)[key] = m![1]!
    rest = rest.slice(m![0].length)
  }
  if (rest.length) return `unable to parse rule parameters: ${rest}`
  return rule
}

/** An IPv4 or IPv6 address, with an optional prefix length (parse_ip_or_cidr). */
export function isIpOrCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/')
  if (extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return false
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(ip!) ? ip!.split('.').every((o) => Number(o) < 256) && Number(bits ?? 32) <= 32 : /^[0-9a-f:.]+$/i.test(ip!) && ip!.includes(':') && Number(bits ?? 128) <= 128
}
