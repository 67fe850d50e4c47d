import {blocks, readServer, simple} from './directive-read.js'
import type {Directive} from './nginx-dump.js'
import type {TlsServer} from '../model/nginx.js'

/**
 * The server blocks that serve TLS, each with the certificate/key pairs nginx loads for it: the
 * server's own ssl_certificate lines, else the http block's (nginx inherits the whole list). The
 * n-th ssl_certificate goes with the n-th ssl_certificate_key (an RSA and an ECDSA pair), as nginx
 * pairs them. A file with variables ($ssl_server_name) is loaded per handshake: not read here.
 */
export function tlsServers(root: readonly Directive[]): TlsServer[] {
  const out: TlsServer[] = []
  for (const http of blocks(root, 'http')) {
    const inherited = pairsOf(http.block)
    for (const server of blocks(http.block, 'server')) {
      const info = readServer(server)
      if (!info.tls) continue
      const own = pairsOf(server.block)
      const port = info.listens.find((l) => l.ssl)?.port ?? 443
      out.push({file: server.file, line: server.line, serverNames: info.serverNames, port, pairs: own.length ? own : inherited})
    }
  }
  return out
}

function pairsOf(block: readonly Directive[]): TlsServer['pairs'] {
  const certs = simple(block, 'ssl_certificate')
  const keys = simple(block, 'ssl_certificate_key')
  return certs.flatMap((c, i) => {
    const cert = c.args[0]
    if (!cert || cert.includes('$') || /^(data|engine):/.test(cert)) return []
    const key = keys[i]?.args[0]
    return [{cert, ...(key && !key.includes('$') && !/^(data|engine):/.test(key) ? {key} : {}), file: c.file, line: c.line}]
  })
}
