import {readCertSection} from '../../gateway/pem-read.js'
import {tlsServers} from '../../gateway/tls-servers.js'
import {certificateSnippet} from './nginx-certs.js'
import {parseConfigTest} from '../../gateway/config-test.js'
import {parseErrorLog} from '../../gateway/error-log.js'
import {auditHardening} from '../../gateway/hardening.js'
import {parseNginxDump} from '../../gateway/nginx-dump.js'
import {buildRouteTable, upstreamBlocks} from '../../gateway/route-table.js'
import {marker, missingTool, needTool, q, seconds} from '../../io/shell-words.js'
import type {NginxObservation, NginxProbe, Observation} from '../../model/probes.js'

/**
 * nginx -t, nginx -T and the error log's tail in one go, inside the gateway CT. -t's messages go
 * to stderr and -T's dump to stdout, so -t runs on its own: a broken config dumps nothing, and its
 * [emerg] line (file and line) is exactly what the operator needs.
 */
export function nginxSnippet(probe: NginxProbe, timeoutMs: number): string {
  const t = `_t ${seconds(timeoutMs)}`
  const conf = probe.conf ? ` -c ${q(probe.conf)}` : ''
  const log = q(probe.errorLog)
  // The dump is kept in a variable: printed for the route table, then read again for the
  // certificates, keys and renewal jobs (certificateSnippet).
  return needTool(
    'nginx',
    `${t} nginx -t${conf} 2>&1; echo "\${_m}rc $?"; echo "\${_m}dump"; d=$(${t} nginx -T${conf} 2>/dev/null); printf '%s\\n' "$d"; echo "\${_m}log";` +
      ` if [ -r ${log} ]; then tail -n ${Number(probe.errorLines)} ${log}; else echo "\${_m}unread ${probe.errorLog.replaceAll(/[^\w./-]/g, '')}"; fi;` +
      ` echo "\${_m}certs"; ${certificateSnippet()}`,
  )
}

/** Reads what nginxSnippet printed: the test, the route table, the audit, the error entries. */
export function parseNginx(lines: readonly string[], probe: NginxProbe): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'nginx is not installed in the gateway CT'}
  const dumpAt = lines.indexOf('@@dump')
  const logAt = lines.indexOf('@@log')
  const testLines = lines.slice(0, dumpAt === -1 ? lines.length : dumpAt).filter((l) => !l.startsWith('@@'))
  const rc = Number(marker(lines, 'rc')?.[0] ?? 1)
  const dump = dumpAt === -1 ? '' : lines.slice(dumpAt + 1, logAt === -1 ? lines.length : logAt).join('\n')
  const certsAt = lines.indexOf('@@certs')
  const logLines = logAt === -1 ? [] : lines.slice(logAt + 1, certsAt === -1 ? lines.length : certsAt).filter((l) => !l.startsWith('@@'))
  const {certificates, keys, renewals} = readCertSection(certsAt === -1 ? [] : lines.slice(certsAt + 1), new Date())
  const unread = marker(lines, 'unread')
  const test = parseConfigTest(testLines.join('\n'), rc)
  const parsed = dump.trim() ? parseNginxDump(dump) : {root: [], problems: []}
  const routes = buildRouteTable(parsed.root)
  const obs: NginxObservation = {
    kind: 'nginx',
    test: {ok: test.ok, messages: test.messages},
    routes,
    upstreams: upstreamBlocks(parsed.root),
    problems: parsed.problems,
    certificates,
    keys,
    tlsServers: tlsServers(parsed.root),
    renewals,
    hardening: parsed.root.length ? auditHardening(parsed.root, routes, probe.apiPaths) : [],
    errors: parseErrorLog(logLines),
    ...(unread ? {errorLogUnread: `${probe.errorLog} is not readable in the gateway CT`} : {}),
  }
  return obs
}
