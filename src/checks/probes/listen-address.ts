import {q} from '../../io/shell-words.js'

/**
 * Inside a CT, where to ask a service: an address its port really listens on. A service bound only
 * to the CT's address (N8N_LISTEN_ADDRESS, vLLM --host, OLLAMA_HOST set to the CT's IP) refuses
 * 127.0.0.1, so the snippet reads the listening sockets (`ss`, else `netstat`; the local address is
 * the 4th field of both) and picks: 127.0.0.1 when the port is on it or on a wildcard, [::1]
 * when only there, else the first address it is bound to. Chosen in the snippet itself, because the
 * batch runs its probes in parallel: no probe can wait for service.listen's answer.
 */
export function listenAddressSnippet(port: number, variable = '_a'): string {
  const awk = [
    `{ a = $4; if (substr(a, length(a) - length(p) + 1) != p) next; a = substr(a, 1, length(a) - length(p));`,
    ` gsub(/^\\[|\\]$/, "", a); sub(/%.*$/, "", a);`,
    ` if (a == "0.0.0.0" || a == "*" || a == "::" || a == "" || a == "127.0.0.1" || a == "::ffff:127.0.0.1") loop = 1;`,
    ` else if (a == "::1") six = 1; else if (first == "") first = a }`,
    ` END { if (loop || (!six && first == "")) print "127.0.0.1"; else if (six) print "[::1]";`,
    ` else if (first ~ /:/) print "[" first "]"; else print first }`,
  ].join('')
  return `${variable}=$( { ss -tlnH 2>/dev/null || netstat -tln 2>/dev/null; } | awk -v p=${q(`:${port}`)} ${q(awk)} )`
}

/** The URL with its host replaced by the shell variable the snippet above set: `"http://$_a"':8000/path'`. */
export function urlAtListenAddress(url: string, variable = '_a'): string {
  const u = new URL(url)
  // URL drops a default port (`:80`) from u.port and u.host alike: put it back from the scheme.
  const port = u.port || (u.protocol === 'https:' ? 443 : 80)
  return `"${u.protocol}//$${variable}"${q(`:${port}${u.pathname}${u.search}`)}`
}
