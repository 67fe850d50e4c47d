import {isIP} from 'node:net'

import type {Hop, HopDecision} from '../../firewall/fw-path.js'
import {guestLabel} from '../../io/guests/guests.js'
import type {Judgement} from '../../model/check-spec.js'
import type {Inventory, ProxyDef, ServiceDef} from '../../model/inventory.js'

/** Where a probe comes from: the host, the gateway's guest, or the intermediate proxy's. */
export type FromVantage = 'host' | 'gateway' | 'proxy'

/** Where it goes: the service, or (the gateway's hop behind a proxy) the proxy nginx forwards to. */
export type HopTarget = 'service' | 'proxy'

/** The proxy a service's route goes through, if it goes through one. */
export function proxyOf(s: ServiceDef, inv: Inventory): ProxyDef | undefined {
  return s.viaProxy ? inv.proxy : undefined
}

/**
 * Whether the traffic of the service's route must cross this hop. Straight from nginx: the gateway's
 * hop to the service. Behind a proxy: the gateway's hop to the proxy and the proxy's to the service;
 * the gateway's hop to the service is then only a vantage (a rule may block it by design), as the
 * host's always is.
 */
export function hopCarriesRoute(from: FromVantage, s: ServiceDef, inv: Inventory, to: HopTarget = 'service'): boolean {
  if (from === 'host') return false
  if (to === 'proxy') return from === 'gateway' && s.route !== undefined
  if (from === 'proxy') return proxyOf(s, inv) !== undefined
  return s.route !== undefined && proxyOf(s, inv) === undefined
}

interface Sender {
  /** In a hint's words: the host, the gateway, the proxy. */
  who: string
  /** In a summary's: from the gateway CT 953. */
  label: string
  guest?: {id: string; address: string}
}

interface Receiver {
  name: string
  id: string
  address: string
  port: number
}

function sender(from: FromVantage, inv: Inventory): Sender {
  if (from === 'host') return {who: 'the host', label: 'the host'}
  const def = from === 'gateway' ? inv.gateway : inv.proxy!
  return {who: `the ${from}`, label: `the ${from} ${guestLabel(def)}`, guest: {id: String(def.guest.id), address: def.address}}
}

function receiver(to: HopTarget, s: ServiceDef, inv: Inventory): Receiver {
  const p = inv.proxy
  return to === 'proxy' && p
    ? {name: `the proxy ${guestLabel(p)}`, id: String(p.guest.id), address: p.address, port: p.port}
    : {name: s.name, id: String(s.guest.id), address: s.address, port: s.port}
}

/** The hop a probe makes, as fw-path evaluates it. */
export function hopOf(from: FromVantage, to: HopTarget, s: ServiceDef, inv: Inventory, proto: 'tcp' | 'icmp'): Hop {
  const r = receiver(to, s, inv)
  const g = sender(from, inv).guest
  return {from: g ? {kind: 'guest', ...g} : {kind: 'host'}, to: {id: r.id, address: r.address, proto, ...(proto === 'tcp' ? {port: r.port} : {})}}
}

/** `from the proxy CT 958`, `from the gateway CT 953 to the proxy CT 958`: a hop in host.firewall's summary. */
export function hopLabel(from: FromVantage, to: HopTarget, s: ServiceDef, inv: Inventory): string {
  return `from ${sender(from, inv).label}${to === 'proxy' ? ` to ${receiver(to, s, inv).name}` : ''}`
}

/** Why a blocked hop is not by design: the route that goes through it. */
export function routeThrough(from: FromVantage, to: HopTarget, s: ServiceDef, inv: Inventory): string {
  const by = from === 'proxy' ? `${inv.proxy?.kind === 'traefik' ? 'Traefik' : 'the proxy'}'s` : "nginx's"
  return `${by} route for ${s.name} goes from ${sender(from, inv).label} to ${to === 'proxy' ? receiver(to, s, inv).name : 'it'}`
}

/**
 * The line that would let the sender through, placed before the one that blocks it: an OUT rule in
 * the sender's own file when that file blocks it, else an IN rule in the file that does. The values
 * come from the inventory; one that is not an IP address (a host name, which pve-firewall does not
 * take in a rule) is left as a placeholder, never written into the line.
 */
export function admitHint(d: HopDecision, from: FromVantage, to: HopTarget, s: ServiceDef, inv: Inventory): NonNullable<Judgement['hints']>[number] {
  const who = sender(from, inv)
  const r = receiver(to, s, inv)
  const outbound = who.guest !== undefined && d.by?.file.endsWith(`/${who.guest.id}.fw`)
  const rule = outbound
    ? `OUT ACCEPT -dest ${ip(r.address, `${r.name}'s IP address`)} -p tcp -dport ${r.port}`
    : `IN ACCEPT -source ${ip(who.guest?.address, `${who.who}'s IP address`)} -p tcp -dport ${r.port}`
  // A policy decides after every rule (its line is in [OPTIONS]): the new rule goes among the rules.
  const place = d.by?.line === undefined || d.by.text.startsWith('policy_') ? `under [RULES] in ${d.by?.file ?? `${r.id}.fw`}` : `in ${d.by.file} above line ${d.by.line}`
  return {text: `Let ${who.who} through to ${r.name}: write \`${rule}\` ${place} (pve-firewall applies it within seconds)`}
}

function ip(address: string | undefined, instead: string): string {
  return address !== undefined && isIP(address) !== 0 ? address : `<${instead}>`
}
