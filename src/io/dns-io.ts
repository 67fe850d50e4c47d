import {lookup, Resolver} from 'node:dns/promises'
import {readFile} from 'node:fs/promises'

import type {DnsFailure, DnsObservation, DnsProbe} from '../model/probes.js'

/**
 * Resolves a name from this process as its other requests do (getaddrinfo: /etc/hosts, then
 * /etc/resolv.conf), and when nothing resolved, asks the first nameserver directly why. Never rejects.
 */
export async function resolveName(probe: DnsProbe, timeoutMs: number): Promise<DnsObservation> {
  const [resolvers, hostsLine] = await Promise.all([nameservers(), hostsLineOf(probe.name)])
  const base: DnsObservation = {kind: 'dns', name: probe.name, addresses: [], resolvers, ...(hostsLine ? {hostsLine} : {})}
  try {
    const found = await withTimeout(lookup(probe.name, {all: true, verbatim: true}), timeoutMs)
    if (found) return {...base, addresses: [...new Set(found.map((a) => a.address))]}
    return {...base, failure: 'timeout'}
  } catch {
    return {...base, failure: resolvers[0] ? await askDirectly(probe.name, resolvers[0], timeoutMs) : 'unknown'}
  }
}

/** What the resolver itself answers for the name (one try, the probe's timeout). */
async function askDirectly(name: string, server: string, timeoutMs: number): Promise<DnsFailure> {
  const r = new Resolver({timeout: Math.max(200, Math.min(timeoutMs, 3000)), tries: 1})
  try {
    r.setServers([server])
    await r.resolve4(name)
    return 'unknown'
  } catch (error) {
    return failureOf((error as NodeJS.ErrnoException).code)
  } finally {
    r.cancel()
  }
}

function failureOf(code: string | undefined): DnsFailure {
  switch (code) {
    case 'ENOTFOUND': return 'nxdomain'
    case 'ENODATA': return 'nodata'
    case 'ESERVFAIL': return 'servfail'
    case 'EREFUSED': return 'refused'
    case 'ETIMEOUT': return 'no_answer'
    case 'ECONNREFUSED': return 'no_answer'
    default: return 'unknown'
  }
}

async function nameservers(): Promise<string[]> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === 'nameserver' && w[1]).map((w) => w[1]!)
}

/** The /etc/hosts line (1-based) that names it, if any. */
async function hostsLineOf(name: string): Promise<number | undefined> {
  const lines = (await readFile('/etc/hosts', 'utf8').catch(() => '')).split('\n')
  const i = lines.findIndex((l) => l.replace(/#.*/, '').trim().split(/\s+/).slice(1).some((n) => n.toLowerCase() === name.toLowerCase()))
  return i >= 0 ? i + 1 : undefined
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}
