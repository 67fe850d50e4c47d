import type {FwFile, FwRule} from '../model/firewall.js'
import {MACROS, PROTOCOLS, portList} from './fw-match.js'

/**
 * What pve-firewall's verify_rule would object to in a rule's own words (its type, action, protocol,
 * ports, addresses); such a rule is left out of the ruleset, as pve-firewall leaves it out. Whether
 * an ipset, alias or group it names exists is verifyReferences', once cluster.fw is read too.
 */
export function verifyRule(rule: FwRule, scope: 'cluster' | 'guest'): string | undefined {
  if (rule.type === 'group') return /^[A-Za-z][A-Za-z0-9_-]+$/.test(rule.action) ? undefined : `invalid characters in security group name '${rule.action}'`
  if (rule.type !== 'in' && rule.type !== 'out') return `unknown rule type '${rule.type}' (IN, OUT or GROUP)`
  if (!/^(ACCEPT|DROP|REJECT)$/.test(rule.action)) return `unknown action '${rule.action}' (ACCEPT, DROP or REJECT, or MACRO(ACTION))`
  if (rule.macro && !Object.hasOwn(MACROS, rule.macro.toLowerCase())) return `unknown macro '${rule.macro}'`
  if (scope === 'guest' && rule.iface && !/^net\d+$/.test(rule.iface)) return `-i ${rule.iface}: a guest's rule names its device netN`
  if (rule.proto && !Object.hasOwn(PROTOCOLS, rule.proto.toLowerCase()) && !/^\d{1,3}$/.test(rule.proto)) return `unknown protocol '${rule.proto}'`
  for (const key of ['dport', 'sport'] as const) {
    const value = rule[key]
    if (value === undefined) continue
    if (!rule.proto) return `-${key} needs -p (missing property: proto)`
    const icmp = /^(icmp|icmpv6|ipv6-icmp)$/i.test(rule.proto)
    if (!(icmp && key === 'dport') && !/^(tcp|udp|udplite|sctp|dccp|6|17)$/i.test(rule.proto)) return `protocol '${rule.proto}' does not support ports`
    if (!(icmp && key === 'dport') && portList(value) === undefined) return `invalid port list '${value}' (numbers, names from /etc/services, A:B ranges, commas)`
  }
  for (const key of ['source', 'dest'] as const) {
    const value = rule[key]
    if (value !== undefined && !addressSyntax(value)) return `invalid ${key} '${value}' (an address, CIDR, A-B range, a list of them, +ipset or an alias)`
  }
  return undefined
}

/** Rules naming an ipset, alias or security group that neither the file nor cluster.fw defines. */
export function verifyReferences(file: FwFile, cluster: FwFile): void {
  for (const rule of [...file.rules, ...Object.values(file.groups).flat()]) {
    if (rule.problem) continue
    const why = missingReference(rule, file, cluster)
    if (why) {
      rule.problem = why
      file.problems.push({file: rule.file, line: rule.line, text: rule.text, problem: why})
    }
  }
}

function missingReference(rule: FwRule, file: FwFile, cluster: FwFile): string | undefined {
  if (rule.type === 'group') return Object.hasOwn(cluster.groups, rule.action.toLowerCase()) ? undefined : `no such security group '${rule.action}' in cluster.fw`
  for (const value of [rule.source, rule.dest]) {
    if (value === undefined) continue
    const set = /^\+(?:(guest|dc)\/)?(.+)$/.exec(value)
    if (set && !has(set[1], set[2]!, file.ipsets, cluster.ipsets)) return `no such ipset '${set[2]}'`
    const alias = /^(?:(guest|dc)\/)?([A-Za-z][A-Za-z0-9_-]+)$/.exec(value)
    if (!set && alias && !has(alias[1], alias[2]!, file.aliases, cluster.aliases)) return `no such alias '${value}'`
  }
  return undefined
}

function has(scope: string | undefined, name: string, own: Record<string, unknown>, cluster: Record<string, unknown>): boolean {
  const key = name.toLowerCase()
  return (scope !== 'dc' && Object.hasOwn(own, key)) || (scope !== 'guest' && Object.hasOwn(cluster, key))
}

/** An ipset or alias reference, or a list of addresses and CIDRs, or one A-B range (parse_address_list). */
function addressSyntax(value: string): boolean {
  if (/^\+(?:(guest|dc)\/)?[A-Za-z][A-Za-z0-9_-]+$/.test(value) || /^(?:(guest|dc)\/)?[A-Za-z][A-Za-z0-9_-]+$/.test(value)) return true
  const items = value.split(',')
  if (items.some((i) => !i) || (items.length > 1 && value.includes('-'))) return false
  return items.every((i) => {
    const range = i.split('-')
    return range.length === 2 ? range.every((a) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(a) || a.includes(':')) : /^[0-9a-f:./]+$/i.test(i)
  })
}
