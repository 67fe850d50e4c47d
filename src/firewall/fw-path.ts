import type {FirewallState, FwFile, FwRule, GuestNic, GuestNics} from '../model/firewall.js'
import {inCidr, ruleMatches} from './fw-match.js'
import type {Match, Packet} from './fw-match.js'

/** Where a decision is written: a rule's or an option's line, or a file whose default applies. */
export interface FwReason {
  file: string
  line?: number
  text: string
}

/** Whether a probe's hop gets through, and the line that decides it. */
export interface HopDecision {
  allowed: boolean | 'unknown'
  by?: FwReason
  /** What decided it, in words. */
  why: string
}

/** One hop a probe makes: from the host or a guest, to a guest's address and port (or a ping). */
export interface Hop {
  from: {kind: 'host'} | {kind: 'guest'; id: string; address: string}
  to: {id: string; address: string; proto: 'tcp' | 'icmp'; port?: number}
}

/**
 * Evaluates a hop as pve-firewall's ruleset would treat it: nothing is enforced while cluster.fw
 * does not enable the firewall; the sender's OUT rules (the host's from cluster.fw, a guest's from
 * its own file when enforced) then the receiver's IN rules, first match wins, a GROUP's rules in
 * place, then the chain's policy (a guest's policy_in defaults to DROP, policy_out to ACCEPT).
 */
export function decideHop(state: FirewallState, hop: Hop): HopDecision {
  const {cluster} = state
  if (cluster.options.enable?.value !== '1') {
    return {allowed: true, why: `the cluster firewall is off (${cluster.path}${cluster.present ? '' : ' is absent'}: [OPTIONS] enable is not 1), so no rule is enforced`}
  }
  const to = enforcement(state, hop.to.id, hop.to.address)
  const packet: Packet = {proto: hop.to.proto, ...(hop.to.port === undefined ? {} : {dport: hop.to.port}), dst: hop.to.address, ...(to.nic ? {iface: to.nic.name} : {})}
  const src = hop.from.kind === 'host' ? hostSource(state.hostAddresses, hop.to.address) : hop.from.address
  if (src) packet.src = src
  const out = hop.from.kind === 'host'
    ? walk(cluster.rules, 'out', packet, cluster, cluster, policy(cluster, 'out'))
    : outOfGuest(state, hop.from, packet)
  if (out && out.allowed !== true) return out
  // A guest without a file has nothing to enforce; one whose file is not enabled has rules that are not.
  if (!to.on) return {allowed: true, why: state.guests[hop.to.id]?.present ? `${to.why}: its rules are not enforced` : to.why}
  return walk(state.guests[hop.to.id]!.rules, 'in', packet, state.guests[hop.to.id]!, cluster, policy(state.guests[hop.to.id]!, 'in'))
}

function outOfGuest(state: FirewallState, from: {id: string; address: string}, packet: Packet): HopDecision | undefined {
  const e = enforcement(state, from.id, from.address)
  if (!e.on) return undefined
  const file = state.guests[from.id]!
  return walk(file.rules, 'out', {...packet, ...(e.nic ? {iface: e.nic.name} : {})}, file, state.cluster, policy(file, 'out'))
}

/** Whether a guest's rules are enforced: its file's enable: 1, and firewall=1 on the NIC its address is on. */
export function enforcement(state: FirewallState, id: string, address: string): {on: boolean; why: string; nic?: GuestNic; by?: FwReason} {
  const file = state.guests[id]
  if (!file?.present) return {on: false, why: `no rules are declared for guest ${id} (${file?.path ?? `${id}.fw`} is absent)`}
  const nic = nicOf(state.nics[id], address)
  const enable = file.options.enable
  if (enable?.value !== '1') {
    return {on: false, why: `${file.path} [OPTIONS] ${enable ? `sets enable: ${enable.value}` : 'does not set enable: 1 (a guest\'s firewall is off by default)'}`, ...(nic ? {nic} : {}), by: {file: file.path, ...(enable ? {line: enable.line} : {}), text: enable ? `enable: ${enable.value}` : '[OPTIONS] without enable: 1'}}
  }
  if (!nic) return {on: false, why: `guest ${id}'s config (${state.nics[id]?.config ?? 'pct/qm config'}) has no network device`}
  if (!nic.firewall) return {on: false, why: `guest ${id}'s ${nic.name} has no firewall=1 (${nic.text})`, nic, by: {file: state.nics[id]!.config, text: nic.text}}
  return {on: true, why: `${file.path} enables it on ${nic.name}`, nic}
}

/** The NIC carrying the address (a CT's ip=), else net0, else the first. */
function nicOf(nics: GuestNics | undefined, address: string): GuestNic | undefined {
  const all = nics?.nics ?? []
  return all.find((n) => n.ip === address) ?? all.find((n) => n.name === 'net0') ?? all[0]
}

function policy(file: FwFile, direction: 'in' | 'out'): FwReason & {action: string} {
  const set = file.options[`policy_${direction}`]
  // The host's and a guest's defaults: nothing in (DROP), everything out (ACCEPT).
  const action = set?.value ?? (direction === 'in' ? 'DROP' : 'ACCEPT')
  return set ? {file: file.path, line: set.line, text: `policy_${direction}: ${action}`, action} : {file: file.path, text: `policy_${direction} ${action} (the default: [OPTIONS] sets none)`, action}
}

/** First match wins; a GROUP's rules are walked in place; then the policy. */
function walk(rules: readonly FwRule[], direction: 'in' | 'out', packet: Packet, file: FwFile, cluster: FwFile, fallback: FwReason & {action: string}): HopDecision {
  for (const rule of rules) {
    if (!rule.enabled || rule.problem) continue
    if (rule.type === 'group') {
      if (rule.iface && packet.iface && rule.iface !== packet.iface) continue
      for (const inner of cluster.groups[rule.action.toLowerCase()] ?? []) {
        if (!inner.enabled || inner.problem || inner.type !== direction) continue
        const hit = decided(inner, ruleMatches(inner, packet, file, cluster), `security group ${rule.action} (${rule.file}:${rule.line})`)
        if (hit) return hit
      }
      continue
    }
    if (rule.type !== direction) continue
    const hit = decided(rule, ruleMatches(rule, packet, file, cluster))
    if (hit) return hit
  }
  const {action, ...by} = fallback
  return {allowed: action === 'ACCEPT', by, why: `no rule matches before the policy: ${by.text}`}
}

function decided(rule: FwRule, match: Match, via?: string): HopDecision | undefined {
  if (match === 'no') return undefined
  const by = {file: rule.file, line: rule.line, text: rule.text}
  if (match === 'unknown') return {allowed: 'unknown', by, why: `phoenix cannot tell whether this rule matches${via ? ` (in ${via})` : ''}`}
  return {allowed: rule.action === 'ACCEPT', by, why: `${rule.action}${via ? ` in ${via}` : ''}`}
}

/** `file:line` of a reason, or the file alone (a default). */
export function whereOf(by: FwReason): string {
  return by.line === undefined ? by.file : `${by.file}:${by.line}`
}

/**
 * The host's source address toward a guest: its address on the subnet the guest is on (the bridge's,
 * as the kernel picks it for a connected route); undefined when none is, and rules on the source
 * are then "cannot tell".
 */
export function hostSource(hostAddresses: readonly string[], target: string): string | undefined {
  const onLink = hostAddresses.find((a) => !a.startsWith('127.') && a.includes('/') && inCidr(target, a) === 'yes')
  return onLink?.split('/')[0]
}
