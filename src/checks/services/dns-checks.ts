import {isIP} from 'node:net'

import {guestLabel, guestOf, guestWords} from '../../io/guests/guests.js'
import type {CheckSpec, Vantage} from '../../model/check-spec.js'
import type {ServiceDef} from '../../model/inventory.js'
import {LAYERS} from '../../model/status.js'
import type {Layer} from '../../model/status.js'
import {nameResolves} from '../expectations/dns.js'
import type {PlanContext} from './kind.js'

/**
 * DNS as a layer of facts (issue 13.3): the names a service's traffic is addressed by, resolved at
 * each vantage phoenix has, in that vantage's own batch (one exec per guest per layer): the host,
 * the proxy's CT (Traefik, for a service behind it), the gateway CT, the client (this process).
 * Each later vantage compares its answer with the earlier ones' (LAYERS order): split DNS.
 */

/** The names a client uses to reach the service: its route's host, and the gateway URL's host when that is a name. */
export function namesOf(s: ServiceDef, c: PlanContext): {id: string; name: string}[] {
  if (!s.route) return []
  const urlHost = new URL(c.inventory.gateway.url).hostname
  const names = [...(s.route.host ? [{id: 'dns', name: s.route.host}] : []), ...(isIP(urlHost.replace(/^\[|\]$/g, '')) ? [] : [{id: 'dns-url', name: urlHost}])]
  return names.filter((n, i) => names.findIndex((m) => m.name.toLowerCase() === n.name.toLowerCase()) === i)
}

/** One dns check per name at this layer's vantage; empty when the service has no name to resolve. */
export function dnsChecks(s: ServiceDef, layer: Layer, vantage: Vantage, where: string, run: string, c: PlanContext): CheckSpec[] {
  const gw = c.inventory.gateway
  const expected = [gw.address, new URL(gw.url).hostname.replace(/^\[|\]$/g, '')].filter((a, i, all) => isIP(a) && all.indexOf(a) === i)
  const known = c.inventory.services.map((x) => ({address: x.address, label: x.name === s.name ? `${s.name}'s own ${guestLabel(x)}: nginx skipped` : `${x.name}'s ${guestLabel(x)}`}))
  const before = LAYERS.slice(0, LAYERS.indexOf(layer))
  return namesOf(s, c).map(({id, name}) => ({
    service: s.name,
    id: `${layer}.${id}`,
    layer,
    vantage,
    probe: {kind: 'dns', name},
    judge: nameResolves({
      name, expected, expectedLabel: `the gateway ${guestLabel(gw)}`, known, where, run,
      earlier: before.map((l) => ({id: `${l}.${id}`, where: whereOf(l, c)})),
    }),
  }))
}

/** A layer's vantage, in words (the layers that resolve names). */
export function whereOf(layer: Layer, c: PlanContext): string {
  switch (layer) {
    case 'host': return 'on the Proxmox host'
    case 'proxy': return c.inventory.proxy ? `in the proxy ${guestLabel(c.inventory.proxy)}` : 'in the proxy'
    case 'gateway': return `in the gateway ${guestLabel(c.inventory.gateway)}`
    case 'client': return 'where phoenix runs (the client)'
    default: return `at the ${layer} layer`
  }
}

/** The gateway guest's command prefix for hints. */
export function gatewayRun(c: PlanContext): string {
  return guestWords(guestOf(c.inventory.gateway)).run
}

/** The proxy guest's command prefix for hints (`pct exec 102 --`). */
export function proxyRun(c: PlanContext): string {
  return c.inventory.proxy ? guestWords(guestOf(c.inventory.proxy)).run : ''
}
