import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchScript, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {dnsSnippet, parseDns} from '../../src/checks/probes/dns.js'
import type {DnsProbe, Observation} from '../../src/model/probes.js'
import {REPO} from '../helpers/processes.js'

/**
 * The dns probe against Debian's real dnsmasq: both ways phoenix resolves (the batch snippet a
 * host or CT runs, and this process's getaddrinfo) run in a private network and mount namespace
 * (unshare) whose /etc/resolv.conf and /etc/hosts are the test's own and whose only resolver is a
 * dnsmasq on its loopback: no query leaves it. Needs root, like the lab.
 */

const NAMES = ['n8n.internal.test', 'gone.internal.test', 'www.elsewhere.test', 'pinned.internal.test']
const probes: DnsProbe[] = NAMES.map((name) => ({kind: 'dns', name}))

let dir: string

/** Runs `command` in the namespace: once with dnsmasq up, once after it stopped. Its stdout, per phase. */
function inNamespace(command: string, stdin = ''): Promise<{up: string; down: string}> {
  const script = `set -e
ip link set lo up
mount --bind ${dir}/resolv.conf /etc/resolv.conf
mount --bind ${dir}/hosts /etc/hosts
dnsmasq -C ${dir}/dnsmasq.conf --keep-in-foreground & pid=$!
i=0; until [ $i -ge 50 ] || nc -z -u -w 1 127.0.0.1 53 2>/dev/null && getent ahosts n8n.internal.test >/dev/null; do sleep 0.1; i=$((i+1)); done
echo '=== up'; ${command}
kill $pid; wait $pid || true
echo '=== down'; ${command}
`
  return new Promise((resolve, reject) => {
    const child = execFile('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script, 'ns'], {cwd: REPO, timeout: 60_000, maxBuffer: 4 << 20}, (error, out, err) => {
      if (error) return reject(new Error(`${error.message}\n${err}`))
      const [, up = '', down = ''] = out.split(/^=== (?:up|down)$/m)
      resolve({up, down})
    })
    child.stdin!.end(stdin)
  })
}

describe('dns probe against a real dnsmasq', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-dns-'))
    await writeFile(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
    await writeFile(join(dir, 'hosts'), '127.0.0.1 localhost\n# a pinned name\n198.18.0.7 pinned.internal.test pinned\n')
    await writeFile(join(dir, 'dnsmasq.conf'), 'no-resolv\nno-hosts\nlisten-address=127.0.0.1\nbind-interfaces\nlocal=/internal.test/\naddress=/n8n.internal.test/198.18.0.153\n')
  })
  afterAll(async () => rm(dir, {recursive: true, force: true}))

  it('the batch snippet: addresses, the resolver, the hosts line, and why a name gives none', async () => {
    const script = batchScript(probes.map((p) => dnsSnippet(p, 2000)), 'f00d')
    await writeFile(join(dir, 'batch.sh'), script)
    const {up, down} = await inNamespace(`sh -s < ${dir}/batch.sh`)
    const read = (out: string): Observation[] => splitBatchOutput(out, probes.length, 'f00d').lines.map((l, i) => parseDns(l, probes[i]!))
    expect(read(up)).toEqual([
      {kind: 'dns', name: 'n8n.internal.test', addresses: ['198.18.0.153'], resolvers: ['127.0.0.1']},
      {kind: 'dns', name: 'gone.internal.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'nxdomain'},
      {kind: 'dns', name: 'www.elsewhere.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'refused'},
      {kind: 'dns', name: 'pinned.internal.test', addresses: ['198.18.0.7'], resolvers: ['127.0.0.1'], hostsLine: 3},
    ])
    expect(read(down).slice(0, 2)).toEqual([
      {kind: 'dns', name: 'n8n.internal.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'no_answer'},
      {kind: 'dns', name: 'gone.internal.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'no_answer'},
    ])
  }, 60_000)

  it('from this process (getaddrinfo, then the resolver asked directly): the same answers', async () => {
    const code = `import {resolveName} from './src/io/dns-io.ts'; const out = []; for (const name of ${JSON.stringify(NAMES)}) out.push(await resolveName({kind: 'dns', name}, 2000)); console.log(JSON.stringify(out))`
    await writeFile(join(dir, 'native.mts'), code.replace('./src/', `${REPO}/src/`))
    const {up, down} = await inNamespace(`${REPO}/node_modules/.bin/tsx ${dir}/native.mts`)
    expect(JSON.parse(up)).toEqual([
      {kind: 'dns', name: 'n8n.internal.test', addresses: ['198.18.0.153'], resolvers: ['127.0.0.1']},
      {kind: 'dns', name: 'gone.internal.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'nxdomain'},
      {kind: 'dns', name: 'www.elsewhere.test', addresses: [], resolvers: ['127.0.0.1'], failure: 'refused'},
      {kind: 'dns', name: 'pinned.internal.test', addresses: ['198.18.0.7'], resolvers: ['127.0.0.1'], hostsLine: 3},
    ])
    expect((JSON.parse(down) as Observation[]).slice(0, 2).map((o) => 'failure' in o && o.failure)).toEqual(['no_answer', 'no_answer'])
  }, 60_000)
})
