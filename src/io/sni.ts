import {isIP} from 'node:net'

/**
 * The TLS server name (SNI) to send for a host, or undefined for an IP address: RFC 6066 forbids
 * an IP there, and Node warns (DEP0123) on stderr for every such connection, which from cron is
 * a mail on every run. Without a name, Node and undici derive it themselves, skipping IPs.
 */
export function sniName(host: string | undefined): string | undefined {
  if (!host) return undefined
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return isIP(bare) ? undefined : bare
}

/** `{servername}` for a TLS connect option, or nothing for an IP or no host. */
export function sniOption(host: string | undefined): {servername?: string} {
  const name = sniName(host)
  return name ? {servername: name} : {}
}
