import type {LabService} from './topology.js'

/**
 * The lab's DNS names (dnsmasq on the host serves them: dns.ts). Apart from dns.ts so that the
 * gateway's config and the inventory can read them without its imports (an import cycle).
 */
export const LAB_DOMAIN = 'internal.phoenix.test'
/** The services whose route is a name (a server block of their own on the gateway, as the operators' are). */
export const NAMED: readonly string[] = ['qdrant', 'llamacpp', 'web']

/** A named service's name (`qdrant.internal.phoenix.test`), or undefined for a path-routed one. */
export function nameOf(s: Pick<LabService, 'name'>): string | undefined {
  return NAMED.includes(s.name) ? `${s.name}.${LAB_DOMAIN}` : undefined
}
