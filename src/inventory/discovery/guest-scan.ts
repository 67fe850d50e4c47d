/**
 * What `phoenix init` reads inside one running guest, in one exec: its listening TCP sockets with
 * their processes' command lines, its running systemd units, its docker containers, its addresses,
 * and where nginx is installed, nginx's loaded config (`nginx -T`). Read-only, no key involved.
 */

const MARK = '@@phoenix-scan:'
const SECTIONS = ['listen', 'cmdline', 'units', 'docker', 'compose', 'addr', 'nginx'] as const
type Section = (typeof SECTIONS)[number]

/** The script, run with `sh -s` on stdin (pct exec ID -- sh -s); it ends by itself. */
export const SCAN_SCRIPT = [
  `echo '${MARK}listen'; ss -Hltnp 2>/dev/null || netstat -tlnp 2>/dev/null`,
  // Each listening process's argv (NUL-separated in /proc): the model a server was started with.
  `echo '${MARK}cmdline'; for p in $(ss -Hltnp 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do [ -r /proc/$p/cmdline ] && printf '%s ' "$p" && tr '\\000' ' ' < /proc/$p/cmdline && echo; done`,
  `echo '${MARK}units'; systemctl list-units --type=service --state=running --no-legend --plain --no-pager 2>/dev/null`,
  `echo '${MARK}docker'; docker ps 2>/dev/null`,
  // Containers a compose stack runs, with the labels compose gives them (their names vary by version).
  `echo '${MARK}compose'; docker ps --filter label=com.docker.compose.project --format '{{.Names}} {{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.service"}}' 2>/dev/null`,
  `echo '${MARK}addr'; hostname -I 2>/dev/null`,
  `echo '${MARK}nginx'; if command -v nginx >/dev/null 2>&1; then nginx -T 2>/dev/null; fi`,
  'exit 0',
  '',
].join('\n')

/** A listening TCP socket and the process that holds it. */
export interface ListeningSocket {
  address: string
  port: number
  process?: string
  pid?: number
}

export interface GuestScan {
  sockets: ListeningSocket[]
  /** Command line of each listening process, by pid (never printed: it may hold a key). */
  cmdlines: Map<number, string[]>
  /** Running systemd units, without `.service`. */
  units: string[]
  /** Running docker containers: name and image, and the compose service a stack's container is. */
  containers: {name: string; image: string; compose?: {project: string; service: string}}[]
  addresses: string[]
  /** `nginx -T`'s dump, when nginx is installed there. */
  nginxDump?: string
}

/** Splits the scan's output into its sections and reads each. */
export function parseScan(stdout: string): GuestScan {
  const sections = new Map<Section, string[]>()
  let current: Section | undefined
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const name = line.slice(MARK.length).trim() as Section
      current = SECTIONS.includes(name) ? name : undefined
      if (current) sections.set(current, [])
      continue
    }
    if (current) sections.get(current)!.push(line)
  }
  const lines = (s: Section) => (sections.get(s) ?? []).filter((l) => l.trim() !== '')
  const nginx = (sections.get('nginx') ?? []).join('\n')
  return {
    sockets: lines('listen').map(parseSocket).filter((s): s is ListeningSocket => s !== undefined),
    cmdlines: new Map(lines('cmdline').map((l) => l.trim().split(/\s+/)).filter((w) => /^\d+$/.test(w[0]!)).map((w) => [Number(w[0]), w.slice(1)])),
    units: lines('units').map(parseUnit).filter((u): u is string => u !== undefined),
    containers: withCompose(parseDockerPs(lines('docker')), lines('compose')),
    addresses: lines('addr').join(' ').split(/\s+/).filter((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a)),
    ...(nginx.trim() ? {nginxDump: nginx} : {}),
  }
}

/** `LISTEN 0 511 0.0.0.0:8000 0.0.0.0:* users:(("node",pid=15032,fd=19))`, or netstat's `tcp 0 0 0.0.0.0:80 0.0.0.0:* LISTEN 12/nginx`. */
export function parseSocket(line: string): ListeningSocket | undefined {
  const fields = line.trim().split(/\s+/)
  const netstat = fields[0]?.startsWith('tcp')
  const local = netstat ? fields[3] : fields[0] === 'LISTEN' ? fields[3] : undefined
  const m = local?.match(/^\[?(.*?)\]?(?:%[\w.-]+)?:(\d+)$/)
  if (!m) return undefined
  const socket: ListeningSocket = {address: m[1]!, port: Number(m[2])}
  const user = netstat ? /^(\d+)\/(\S+)/.exec(fields[6] ?? '') : /users:\(\("([^"]+)",pid=(\d+)/.exec(line)
  if (user) {
    socket.process = netstat ? user[2]! : user[1]!
    socket.pid = Number(netstat ? user[1] : user[2])
  }
  return socket
}

/** `ollama.service loaded active running Ollama Service`: the unit, when it runs. */
function parseUnit(line: string): string | undefined {
  const [unit, , active, sub] = line.trim().replace(/^[●*]\s*/, '').split(/\s+/)
  if (!unit?.endsWith('.service') || active !== 'active' || sub !== 'running') return undefined
  return unit.slice(0, -'.service'.length)
}

/** `docker ps`'s table: the image is the second column, the names the last (whatever the columns between). */
function parseDockerPs(lines: string[]): {name: string; image: string}[] {
  return lines
    .filter((l) => !l.startsWith('CONTAINER ID'))
    .map((l) => l.trim().split(/\s{2,}|\t/).length > 1 ? l.trim().split(/\s+/) : [])
    .filter((w) => w.length >= 3)
    .map((w) => ({name: w[w.length - 1]!, image: w[1]!}))
}

/** `NAME PROJECT SERVICE` lines: each container a compose stack runs gets its project and service. */
function withCompose(containers: {name: string; image: string}[], lines: string[]): GuestScan['containers'] {
  const labels = new Map(lines.map((l) => l.trim().split(/\s+/)).filter((w) => w.length === 3).map((w) => [w[0]!, {project: w[1]!, service: w[2]!}]))
  return containers.map((c) => (labels.has(c.name) ? {...c, compose: labels.get(c.name)!} : c))
}

/** Whether a socket can be reached from outside its guest (not loopback only). */
export function reachable(socket: ListeningSocket): boolean {
  return !/^(127\.|::1$|localhost)/.test(socket.address)
}
