import type {Expectation} from '../../model/check-spec.js'
import type {DnsFailure, DnsObservation, Observation} from '../../model/probes.js'
import type {Hint} from '../../model/report.js'
import {word} from '../hint-words.js'

/** What a name must resolve to, and where it is resolved from. */
export interface NameTarget {
  name: string
  /** The addresses the traffic for this name must reach (the gateway's); empty: only that it resolves. */
  expected: readonly string[]
  /** What those addresses are, for a person: `the gateway CT 953`. */
  expectedLabel: string
  /** Other addresses phoenix knows, to say where a wrong answer leads (the service's own CT: nginx skipped). */
  known: readonly {address: string; label: string}[]
  /** The vantage, for a person: `from the Proxmox host`, `in the gateway CT 953`. */
  where: string
  /** The prefix that runs a command there, for a hint (`pct exec 953 --`), empty here or on the host. */
  run: string
  /** The same name's checks at the vantages before this one (plan order): their answers show split DNS. */
  earlier: readonly {id: string; where: string}[]
}

/** What the first resolver said, as a phrase after its address. */
const FAILURE_WORDS: Record<DnsFailure, string> = {
  nxdomain: 'answers NXDOMAIN (no such name)',
  nodata: 'has no A record for it (NOERROR, no data)',
  servfail: 'answers SERVFAIL',
  refused: 'answers REFUSED (not a name it serves, and it forwards nowhere)',
  no_answer: 'does not answer at all (down or unreachable)',
  timeout: 'did not answer before the timeout',
  unknown: 'gives no address',
}

/**
 * The name must resolve there to the address the traffic must reach. Elsewhere (straight to the
 * service, past nginx) is dns_elsewhere; nothing is dns_unresolved, with what the resolver said;
 * either, while an earlier vantage got the right answer, is dns_split: the vantages disagree.
 */
export function nameResolves(t: NameTarget): Expectation {
  return (obs, seen) => {
    if (obs.kind !== 'dns') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
    const by = source(obs)
    const right = obs.addresses.filter((a) => t.expected.includes(a))
    const wrong = obs.addresses.filter((a) => !t.expected.includes(a))
    if (obs.addresses.length && (!t.expected.length || !wrong.length)) {
      return {status: 'pass', summary: `${t.name} resolves ${t.where} to ${obs.addresses.join(', ')}${t.expected.length ? ` (${t.expectedLabel})` : ''}, ${by}`}
    }
    if (right.length) {
      return {status: 'warn', summary: `${t.name} resolves ${t.where} to ${t.expectedLabel} and also to ${wrong.map((a) => placeOf(a, t)).join(', ')}: some clients skip it`, finding: 'dns_elsewhere', hints: fixRecord(t, obs)}
    }
    const agreed = earlierRight(t, seen)
    if (agreed) {
      return {
        status: 'fail',
        summary: `${t.name} ${obs.addresses.length ? `resolves ${t.where} to ${obs.addresses.map((a) => placeOf(a, t)).join(', ')}` : `does not resolve ${t.where}`} (${by}), but to ${t.expectedLabel} ${agreed.where} (${source(agreed.obs)}): the vantages disagree`,
        finding: 'dns_split',
        evidence: [`${t.where}: ${answerOf(obs)}`, `${agreed.where}: ${answerOf(agreed.obs)}`],
        hints: [...(obs.hostsLine ? [hostsHint(t, obs)] : []), ...resolverSwap(t, obs, agreed.obs)],
      }
    }
    if (obs.addresses.length) {
      return {status: 'fail', summary: `${t.name} resolves ${t.where} to ${obs.addresses.map((a) => placeOf(a, t)).join(', ')}, not ${t.expectedLabel} (${t.expected.join(', ')}), ${by}`, finding: 'dns_elsewhere', hints: fixRecord(t, obs)}
    }
    const why = FAILURE_WORDS[obs.failure ?? 'unknown']
    return {status: 'fail', summary: `${t.name} does not resolve ${t.where}: ${obs.resolvers[0] ? `its resolver ${obs.resolvers[0]} ${why}` : 'no nameserver in /etc/resolv.conf'}`, finding: 'dns_unresolved', hints: unresolvedHints(t, obs)}
  }
}

/** Who answered: the hosts file (with its line) or the resolver. */
function source(obs: DnsObservation): string {
  if (obs.hostsLine && obs.addresses.length) return `from /etc/hosts line ${obs.hostsLine}`
  return obs.resolvers.length ? `resolver ${obs.resolvers.join(', ')} (/etc/resolv.conf)` : 'no nameserver in /etc/resolv.conf'
}

/** One vantage's answer, for the evidence: `NAME → ADDRESSES (source)`, or what its resolver said. */
function answerOf(obs: DnsObservation): string {
  if (obs.addresses.length) return `${obs.name} → ${obs.addresses.join(', ')} (${source(obs)})`
  return `${obs.name}: ${obs.resolvers[0] ? `resolver ${obs.resolvers[0]} ${FAILURE_WORDS[obs.failure ?? 'unknown']}` : 'no nameserver in /etc/resolv.conf'}`
}

/** An address with what it is, when phoenix knows (`198.18.0.154 (n8n's own CT 954: nginx skipped)`). */
function placeOf(address: string, t: NameTarget): string {
  const k = t.known.find((x) => x.address === address)
  return k ? `${address} (${k.label})` : address
}

function earlierRight(t: NameTarget, seen: ReadonlyMap<string, Observation>): {where: string; obs: DnsObservation} | undefined {
  for (const e of t.earlier) {
    const o = seen.get(e.id)
    if (o?.kind === 'dns' && o.addresses.length && o.addresses.every((a) => t.expected.includes(a))) return {where: e.where, obs: o}
  }
  return undefined
}

const at = (t: NameTarget, command: string) => (t.run ? `${t.run} ${command}` : command)
const verify = (t: NameTarget): Hint => ({text: `Check the answer ${t.where} after the fix`, command: at(t, `getent ahosts ${word(t.name)}`)})
const line = (t: NameTarget) => `${t.expected[0] ?? 'ADDRESS'}`

function hostsHint(t: NameTarget, obs: DnsObservation): Hint {
  return {text: `/etc/hosts line ${obs.hostsLine} ${t.where} names ${t.name}: make it "${line(t)} ${t.name}" or remove it`, command: at(t, `sed -n ${obs.hostsLine}p /etc/hosts`)}
}

/** The record to change: the hosts line that answered, or the resolver's (dnsmasq's address= line). */
function fixRecord(t: NameTarget, obs: DnsObservation): Hint[] {
  if (obs.hostsLine) return [hostsHint(t, obs), verify(t)]
  const r = obs.resolvers[0] ?? 'the resolver'
  return [
    {text: `The record for ${t.name} at ${r} must give ${line(t)} (${t.expectedLabel}): in dnsmasq, address=/${t.name}/${line(t)} in /etc/dnsmasq.d/, then restart dnsmasq; find the line that answers now on the machine at ${r}`, command: `grep -rn -F -e ${word(t.name)} /etc/dnsmasq.conf /etc/dnsmasq.d/ /etc/hosts`},
    verify(t),
  ]
}

function unresolvedHints(t: NameTarget, obs: DnsObservation): Hint[] {
  const r = obs.resolvers[0]
  if (!r) return [{text: `Give ${t.where} a nameserver in /etc/resolv.conf that serves ${t.name}`, command: at(t, 'cat /etc/resolv.conf')}]
  if (obs.failure === 'no_answer' || obs.failure === 'timeout') {
    return [
      {text: `The resolver ${r} does not answer: start it (dnsmasq on the Proxmox host: systemctl restart dnsmasq, then journalctl -u dnsmasq), or point /etc/resolv.conf ${t.where} at one that answers`, command: `nc -z -u -w 2 ${word(r)} 53`},
      verify(t),
    ]
  }
  return [
    {text: `${r} has no record for ${t.name}: add address=/${t.name}/${line(t)} to dnsmasq on the machine at ${r} (/etc/dnsmasq.d/), then restart dnsmasq`, command: `grep -rn -F -e ${word(t.name.split('.').slice(1).join('.') || t.name)} /etc/dnsmasq.conf /etc/dnsmasq.d/`},
    verify(t),
  ]
}

/** Where the vantages use different resolvers: point this one at the one that answers right. */
function resolverSwap(t: NameTarget, obs: DnsObservation, right: DnsObservation): Hint[] {
  const good = right.resolvers[0]
  const bad = obs.resolvers[0]
  if (good && bad && good !== bad) {
    return [{text: `${t.where} asks ${bad}, which answers ${t.name} otherwise than ${good}: point its /etc/resolv.conf at ${good}, or give ${bad} the record address=/${t.name}/${line(t)}`, command: at(t, 'cat /etc/resolv.conf')}, verify(t)]
  }
  return obs.addresses.length ? fixRecord(t, obs) : unresolvedHints(t, obs)
}
