import {labServices, labShape} from './topology.js'
import type {LabService} from './topology.js'

/**
 * The lab's DNS names (dnsmasq on the host serves them: dns.ts). Apart from dns.ts so that the
 * gateway's config and the inventory can read them without its imports (an import cycle).
 */
export const LAB_DOMAIN = 'internal.phoenix.test'
/** The services whose route is a name (a server block of their own on the gateway, as the operators' are). */
export const NAMED: readonly string[] = ['qdrant', 'llamacpp', 'web']

/** The gateway's own name (the operators' nginx.internal.<domain>): the operators' shape's gateway.url. */
export const GATEWAY_NAME = `gateway.${LAB_DOMAIN}`

/** The named services of the lab that is up: in the operators' shape, every one of them. */
export function namedServices(): readonly string[] {
  return labShape() === 'operators' ? labServices().map((s) => s.name) : NAMED
}

/**
 * A named service's name (`qdrant.internal.phoenix.test`), or undefined for a path-routed one. A
 * service behind Traefik is reached by its name (Traefik routes by Host). Pure: unit tests read the
 * lab's configs while another lab may be up.
 */
export function nameOf(s: Pick<LabService, 'name' | 'viaProxy'>): string | undefined {
  return NAMED.includes(s.name) || s.viaProxy ? `${s.name}.${LAB_DOMAIN}` : undefined
}
