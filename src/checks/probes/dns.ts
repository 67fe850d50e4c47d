import type {NetIo} from '../../model/ports.js'
import {marker, missingTool, q, seconds} from '../../io/shell-words.js'
import type {DnsFailure, DnsObservation, DnsProbe, Observation} from '../../model/probes.js'

/** Resolves from this process (the client's vantage, or the host's when phoenix runs on it). */
export function runDnsNative(probe: DnsProbe, io: NetIo, timeoutMs: number): Promise<DnsObservation> {
  return io.dns(probe, timeoutMs)
}

/**
 * A DNS query for the name's A record, built in sh: a fixed header (id 0x1234, recursion desired,
 * one question), the name's labels, type A, class IN. dd gathers it into one write so that nc
 * sends it as one datagram; od shows the answer's first bytes (the rcode is in the fourth).
 */
const QUERY = [
  `_dq() { { printf '\\022\\064\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000'`,
  `_n=$1; while [ -n "$_n" ]; do _l=\${_n%%.*}; printf "\\\\$(printf %03o \${#_l})%s" "$_l"; [ "$_n" = "$_l" ] && _n= || _n=\${_n#*.}; done`,
  `printf '\\000\\000\\001\\000\\001'; } | dd bs=1024 iflag=fullblock 2>/dev/null | nc -u -w "$3" "$2" 53 2>/dev/null | od -An -tx1 -N8; }`,
].join('; ')

/**
 * At a remote vantage: the nameservers of /etc/resolv.conf, the /etc/hosts line naming it,
 * `getent ahosts` (what every program there gets, bounded by the timeout), and when that finds
 * nothing, the first nameserver's own answer to a direct query (nc and od, where present).
 */
export function dnsSnippet(probe: DnsProbe, timeoutMs: number): string {
  const name = q(probe.name)
  return [
    QUERY,
    `echo "\${_m}resolvers $(awk '$1 == "nameserver" { printf "%s ", $2 }' /etc/resolv.conf 2>/dev/null)"`,
    `awk -v n=${name} '{ sub(/#.*/, ""); for (i = 2; i <= NF; i++) if (tolower($i) == tolower(n)) { print ENVIRON["_m"] "hosts " NR; exit } }' /etc/hosts 2>/dev/null`,
    `if command -v getent >/dev/null 2>&1; then _a=$(_t ${seconds(timeoutMs)} getent ahosts ${name}); _r=$?; echo "\${_m}getent $_r"; printf '%s\\n' "$_a" | awk 'NF && !s[$1]++ { print $1 }'`,
    `  if [ $_r != 0 ] && command -v nc >/dev/null 2>&1 && command -v od >/dev/null 2>&1; then _s=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null); [ -n "$_s" ] && echo "\${_m}answer $(_dq ${name} "$_s" 1)"; fi`,
    `else echo "\${_m}missing getent"; fi`,
  ].join('\n')
}

const IP = /^[0-9a-fA-F:.]+$/

/** Reads what dnsSnippet printed. */
export function parseDns(lines: readonly string[], probe: DnsProbe): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'getent is not installed there'}
  const rc = marker(lines, 'getent')
  if (!rc) return {kind: 'unavailable', reason: 'exec_failed', message: 'the name lookup printed nothing'}
  const hosts = Number(marker(lines, 'hosts')?.[0])
  const addresses = rc[0] === '0' ? lines.filter((l) => !l.startsWith('@@') && IP.test(l.trim())).map((l) => l.trim()) : []
  const obs: DnsObservation = {kind: 'dns', name: probe.name, addresses, resolvers: marker(lines, 'resolvers') ?? [], ...(hosts > 0 ? {hostsLine: hosts} : {})}
  if (addresses.length) return obs
  // 124: coreutils timeout ended getent; otherwise the direct query's header says why.
  return {...obs, failure: rc[0] === '124' ? 'timeout' : failureFromAnswer(marker(lines, 'answer'))}
}

/** The rcode (low 4 bits of the fourth byte) of the direct query's answer; no bytes: no answer. */
function failureFromAnswer(bytes: string[] | undefined): DnsFailure {
  if (!bytes) return 'unknown'
  if (bytes.length < 4) return 'no_answer'
  const rcode = parseInt(bytes[3]!, 16) & 0xf
  const answers = bytes.length >= 8 ? parseInt(bytes[6]! + bytes[7]!, 16) : 0
  return rcode === 3 ? 'nxdomain' : rcode === 2 ? 'servfail' : rcode === 5 ? 'refused' : rcode === 0 && answers === 0 ? 'nodata' : 'unknown'
}
