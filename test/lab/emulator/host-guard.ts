import {BlockList, isIP} from 'node:net'
import {hostname, networkInterfaces} from 'node:os'

/**
 * Ollama's allowedHostsMiddleware (server/routes.go, service-apis.md 1.1), the reason a proxy that
 * forwards a public Host gets 403 from an Ollama bound to loopback.
 */

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** netip's IsPrivate: RFC 1918 and RFC 4193. */
const PRIVATE = new BlockList()
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4')
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4')
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4')
PRIVATE.addSubnet('fc00::', 7, 'ipv6')

/** netip unmaps ::ffff:a.b.c.d before classifying, so do the same. */
function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  return m?.[1] ?? ip
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 4 ? 'ipv4' : 'ipv6'
}

export function isLoopback(ip: string): boolean {
  const a = unmap(ip)
  return isIP(a) !== 0 && LOOPBACK.check(a, family(a))
}

/**
 * The guard applies only when the server listens on a loopback address, or when asked with
 * `--host-guard`. The lab needs the option: its Ollama must listen on 0.0.0.0 so the host and the
 * gateway CT reach it across the bridge, and real Ollama on 0.0.0.0 accepts any Host, so a lab
 * gateway forwarding the public Host would never see the 403 that operators get (Ollama bound to
 * loopback behind a proxy or tunnel on the same machine, service-apis.md 1.1). With the option the
 * same check runs on every request, and the healthy gateway's `Host localhost:11434` is what passes.
 */
export function guardActive(listenHost: string, forced = false): boolean {
  return forced || listenHost === 'localhost' || isLoopback(listenHost)
}

/** Go's net.SplitHostPort, falling back to the whole value when it fails (as the middleware does). */
function hostOf(header: string): string {
  if (header.startsWith('[')) return /^\[([^\]]*)\]:[^:]*$/.exec(header)?.[1] ?? header
  const i = header.indexOf(':')
  return i >= 0 && header.indexOf(':', i + 1) < 0 ? header.slice(0, i) : header
}

function isOwnAddress(ip: string): boolean {
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.address === ip))
}

function allowedIp(ip: string): boolean {
  const a = unmap(ip)
  const f = family(a)
  return LOOPBACK.check(a, f) || PRIVATE.check(a, f) || a === '0.0.0.0' || a === '::' || isOwnAddress(a)
}

/** allowedHost: empty, localhost, the machine's hostname, or a *.localhost/*.local/*.internal name. */
function allowedName(host: string): boolean {
  if (host === '' || host === 'localhost' || host === hostname().toLowerCase()) return true
  return ['.localhost', '.local', '.internal'].some((tld) => host.endsWith(tld))
}

/** What the middleware does with this Host header: pass it on, 204 a preflight, or 403. */
export function checkHost(hostHeader: string | undefined, method: string): 'next' | 'options' | 'forbidden' {
  const host = hostOf(hostHeader ?? '').toLowerCase()
  if (isIP(unmap(host)) !== 0 && allowedIp(host)) return 'next'
  if (allowedName(host)) return method === 'OPTIONS' ? 'options' : 'next'
  return 'forbidden'
}
