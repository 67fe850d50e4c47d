/**
 * Hint commands that call a service's API inside its CT, as phoenix's own probes do: at 127.0.0.1,
 * else at the CT's address (a service bound there only refuses loopback), and with the key read
 * from the unit's or container's own environment (a fresh `sh -c` in the CT has none of the
 * service's variables). The key reaches curl on stdin (printf is a shell builtin), never argv.
 */
import {q} from '../io/shell-words.js'
import {hostPort} from './services/kind.js'
import type {ServiceDef} from '../model/inventory.js'

/** `NAME=value` lines of the service's own environment: `docker inspect` or `systemctl show`. */
export function runtimeEnvLines(s: ServiceDef): string {
  const r = s.runtime
  const env = `docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}'`
  if (r && 'docker' in r) return `${env} ${q(r.docker)}`
  if (r && 'compose' in r) {
    const {project, service} = r.compose
    return `${env} $(docker ps -aq --filter ${q(`label=com.docker.compose.project=${project}`)} --filter ${q(`label=com.docker.compose.service=${service}`)} | head -n 1)`
  }
  return `systemctl show -p Environment --value ${q(r && 'systemd' in r ? r.systemd : s.name)} | tr ' ' '\\n'`
}

/**
 * The script (for `sh -c` inside the CT) that GETs `path` from the service and pipes the answer
 * through `pipe`. `key`: the header line (printf format, `%s` the key) and the env var of the
 * service that holds its key.
 */
export function ctApiScript(s: ServiceDef, path: string, key?: {format: string; env: string}, pipe = ''): string {
  const loopback = `127.0.0.1:${s.port}`
  const own = hostPort(s.address, s.port)
  const read = key ? `k=$(${runtimeEnvLines(s)} | sed -n ${q(`s/^${key.env}=//p`)}); ` : ''
  const feed = key ? `printf ${q(`${key.format}\\n`)} "$k" | ` : ''
  const curl = `${feed}curl -sf --max-time 5${key ? ' -H @-' : ''} "http://$a"${q(path)}`
  return `${read}{ for a in ${q(loopback)} ${q(own)}; do ${curl} && break; done; }${pipe ? ` | ${pipe}` : ''}`
}
