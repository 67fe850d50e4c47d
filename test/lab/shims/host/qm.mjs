// Lab stand-in for Proxmox's qm on the lab's host (run by .lab/host-bin/qm with the lab's node).
// A lab "VM" is a real LXC container (test/lab/vms.ts) whose Debian qemu-guest-agent listens on a
// unix socket in the VM's folder (what QEMU's virtio-serial chardev is on a real host); this qm
// speaks the agent's real protocol to it, as qemu-server's QMPClient does (guest-sync-delimited,
// then the command), and behaves as qemu-server's qm.pm / Agent.pm: the same checks in the same
// order, the same messages, exit 255 on error, results printed as Perl's pretty canonical JSON.
import {appendFileSync, existsSync, readdirSync, readFileSync} from 'node:fs'
import {connect} from 'node:net'
import {execFileSync, spawnSync} from 'node:child_process'
import {join} from 'node:path'

import {argsOf, perlJson} from './qm-words.mjs'

const LAB = process.env.PHOENIX_LAB_STATE
if (!LAB || !existsSync(join(LAB, 'lab.env'))) fail(`lab: not up (no ${LAB}/lab.env); run: npm run lab -- up --real`)
const LXC_PATH = join(LAB, 'lxc')
const NODE = 'pve'
appendFileSync(join(LAB, 'qm-calls.log'), `${Date.now() / 1000} ${process.pid} ${process.argv.slice(2).join(' ').slice(0, 160)}\n`)

function fail(message) {
  process.stderr.write(`${message.replace(/\n?$/, '\n')}`)
  process.exit(255)
}

const vmDir = (vmid) => join(LAB, `vm${vmid}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** PVE::QemuConfig->load_config: the VM's config as key => value, or the real error. */
function loadConfig(vmid) {
  if (!/^[1-9]\d{2,8}$/.test(vmid ?? '')) fail('400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID')
  const file = join(vmDir(vmid), 'qm.conf')
  if (!existsSync(file)) fail(`Configuration file 'nodes/${NODE}/qemu-server/${vmid}.conf' does not exist`)
  const text = readFileSync(file, 'utf8')
  const conf = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_-]+): (.*)$/.exec(line)
    if (m) conf[m[1]] = m[2]
  }
  return {conf, text}
}

/** LXC's tools run in the lab host's namespaces, through its holder process (real-ct.ts). */
function inHost(argv, options = {}) {
  const holder = readFileSync(join(LXC_PATH, 'host.pid'), 'utf8').trim()
  return spawnSync('nsenter', ['--target', holder, '--mount', '--net', '--', ...argv], {encoding: 'utf8', ...options})
}

/** PVE::QemuServer::Helpers::vm_running_locally: here, the VM's container runs. */
function running(vmid) {
  if (!existsSync(join(LXC_PATH, vmid, 'config'))) return false
  return inHost(['lxc-info', '-n', vmid, '-P', LXC_PATH, '-sH']).stdout.trim() === 'RUNNING'
}

/** The agent's socket (a real host's /var/run/qemu-server/VMID.qga). */
const qgaSocket = (vmid) => join(vmDir(vmid), 'qga', 'qga.sock')

/**
 * One agent command as QMPClient sends it: guest-sync-delimited with an id, then the command; the
 * answer is 0xFF, the sync's {"return": id}, then the command's. Resolves to the command's object
 * ({return} or {error}); rejects with QMPClient's message on timeout. A QEMU whose guest runs no
 * agent still accepts on its chardev and never answers: a refused lab socket waits out the timeout.
 */
let sequence = 0
function qga(vmid, execute, args, timeoutS) {
  // QMPClient's ids for the agent: the pid, a 0, a sequence number.
  const id = Number(`${process.pid}0${++sequence}`)
  const started = Date.now()
  const request = `${JSON.stringify({execute: 'guest-sync-delimited', arguments: {id}})}\n${JSON.stringify(args ? {execute, arguments: args} : {execute, arguments: {}})}\n`
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0)
    let done = false
    const finish = (error, value) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(new Error(`VM ${vmid} qga command '${execute}' failed - ${error}`))
      else resolve(value)
    }
    const timer = setTimeout(() => finish('got timeout'), Math.max(0, timeoutS * 1000 - (Date.now() - started)))
    const socket = connect(qgaSocket(vmid))
    socket.on('error', () => {}) // the chardev of an agent-less guest: nothing answers until the timeout
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      const start = buffer.lastIndexOf(0xff)
      if (start < 0) return
      // QMPClient's /\xff([^\n]+}\r?\n[^\n]+})\r?\n/: both lines complete (a big answer comes in pieces).
      const m = /^\s*([^\n]+})\r?\n([^\n]+})\r?\n/.exec(buffer.subarray(start + 1).toString('utf8'))
      if (!m) return
      try {
        const sync = JSON.parse(m[1])
        if (sync.return !== id) return finish(`got wrong command id '${sync.return}' (expected ${id})`)
        finish(undefined, JSON.parse(m[2]))
      } catch (error) {
        finish(error.message)
      }
    })
  })
}

/** PVE::QemuServer::Agent::assert_agent_available. */
async function assertAgentAvailable(vmid, conf) {
  if (conf.agent === undefined) fail('No QEMU guest agent configured')
  if (!running(vmid)) fail(`VM ${vmid} is not running`)
  // qga_check_running: guest-ping with a 3 s timeout. A VM started with the agent disabled has no
  // agent channel at all (QEMU adds it only with agent: 1), so nothing is ever there to answer.
  const enabled = /^(1|on|yes|true|enabled=(1|on|yes|true))(,|$)/.test(conf.agent)
  const ok = enabled ? await qga(vmid, 'guest-ping', undefined, 3).then(() => true, () => false) : false
  if (!ok) fail('QEMU guest agent is not running')
}

/** Agent.pm's agent_cmd: assert, run, and "Agent error: DESC" for the agent's own errors. */
async function agentCmd(vmid, conf, execute, args, timeoutS = 5) {
  await assertAgentAvailable(vmid, conf)
  const res = await qga(vmid, execute, args, timeoutS).catch((e) => fail(e.message))
  if (res.error?.desc) fail(`Agent error: ${res.error.desc}`)
  return res.return
}

/** qemu_exec_status: out-data and err-data decoded, booleans as 1/0 (JSON::is_bool). */
async function execStatus(vmid, conf, pid) {
  const res = await agentCmd(vmid, conf, 'guest-exec-status', {pid: Number(pid)})
  // decode_base64 yields bytes; Perl then prints them as characters (each byte one), so UTF-8
  // output comes back UTF-8-encoded twice, as on a real host.
  for (const k of ['out-data', 'err-data']) if (res[k]) res[k] = Buffer.from(res[k], 'base64').toString('latin1')
  for (const [k, v] of Object.entries(res)) if (typeof v === 'boolean') res[k] = v ? 1 : 0
  return res
}

/** print_agent_result: nothing for an empty hash, else pretty canonical JSON. */
function printResult(result) {
  if (result === undefined || result === null) return
  if (typeof result === 'object' && !Array.isArray(result) && !Object.keys(result).length) return
  process.stdout.write(typeof result === 'object' ? perlJson(result) : `${String(result).replace(/\n$/, '')}\n`)
}

/** `qm guest exec`: qm.pm's exec, synchronous by default, polling every second until `timeout`. */
async function guestExec(vmid, options, command) {
  const sync = options.synchronous ?? true
  if (options.timeout !== undefined && !sync) fail("400 Parameter verification failed.\nsynchronous: needs to be set for 'timeout'")
  let input
  if (options['pass-stdin']) {
    const chunks = []
    let size = 0
    for await (const chunk of process.stdin) {
      chunks.push(chunk)
      size += chunk.length
      if (size > 1024 * 1024) fail("'input-data' (STDIN) is limited to 1 MiB, aborting")
    }
    input = Buffer.concat(chunks)
  }
  const {conf} = loadConfig(vmid)
  const args = {'capture-output': true}
  if (command.length) Object.assign(args, {path: command[0], arg: command.slice(1)})
  if (input !== undefined) args['input-data'] = input.toString('base64')
  if (args['input-data'] === undefined && args.path === undefined) fail('command or input-data (or both) required')
  let res = await agentCmd(vmid, conf, 'guest-exec', args)
  if (sync) {
    const timeout = options.timeout ?? 30
    const start = Math.floor(Date.now() / 1000)
    while (timeout === 0 || Math.floor(Date.now() / 1000) - start < timeout) {
      const out = await execStatus(vmid, conf, res.pid)
      if (out.exited) {
        res = out
        break
      }
      await sleep(1000)
    }
    if (!res.exited) process.stderr.write('timeout reached, returning pid\n')
  }
  printResult(res)
}

/** `qm start|stop|shutdown`: the VM's container. QEMU stops hard on `stop`, the guest shuts down on `shutdown`. */
function power(cmd, vmid) {
  loadConfig(vmid)
  const ns = `${readFileSync(join(LAB, 'lab.env'), 'utf8').match(/PHX_PREFIX='([^']*)'/)[1]}vm${vmid}`
  if (cmd === 'start') {
    if (running(vmid)) fail(`VM ${vmid} already running`)
    execFileSync('ip', ['-n', ns, 'link', 'set', 'eth0', 'up'])
    const r = inHost(['lxc-start', '-n', vmid, '-P', LXC_PATH, '-d'])
    if (r.status !== 0) fail(`start failed: ${(r.stderr || '').trim()}`)
    return
  }
  if (!running(vmid)) return
  const r = inHost(['lxc-stop', '-n', vmid, '-P', LXC_PATH, ...(cmd === 'stop' ? ['-k'] : ['-t', '60'])])
  if (r.status !== 0) fail(`VM ${vmid} ${cmd} failed: ${(r.stderr || '').trim()}`)
  execFileSync('ip', ['-n', ns, 'link', 'set', 'eth0', 'down'])
}

function list() {
  const ids = readdirSync(LAB).map((d) => /^vm(\d+)$/.exec(d)?.[1]).filter((id) => id && existsSync(join(vmDir(id), 'qm.conf'))).sort((a, b) => a - b)
  if (!ids.length) return
  process.stdout.write(`${'VMID'.padStart(10)} ${'NAME'.padEnd(20)} ${'STATUS'.padEnd(10)} ${'MEM(MB)'.padEnd(10)} ${'BOOTDISK(GB)'.padStart(12)} ${'PID'.padEnd(10)}\n`)
  for (const id of ids) {
    const {conf} = loadConfig(id)
    const on = running(id)
    const pid = on ? inHost(['lxc-info', '-n', id, '-P', LXC_PATH, '-pH']).stdout.trim() : '0'
    process.stdout.write(`${id.padStart(10)} ${(conf.name ?? '').padEnd(20)} ${(on ? 'running' : 'stopped').padEnd(10)} ${(conf.memory ?? '0').padEnd(10)} ${'32.00'.padStart(12)} ${pid.padEnd(10)}\n`)
  }
}

async function main(argv) {
  const [cmd, ...rest] = argv
  if (cmd === 'guest') {
    const [sub, vmid, ...more] = rest
    const {options, positional} = argsOf(more, {synchronous: 'bool', timeout: 'int', 'pass-stdin': 'bool'}, fail)
    if (sub === 'exec') return guestExec(vmid, options, positional)
    const {conf} = loadConfig(vmid)
    if (sub === 'cmd') return printResult(await agentCmd(vmid, conf, `guest-${positional[0] ?? fail('400 not enough arguments')}`))
    if (sub === 'exec-status') return printResult(await execStatus(vmid, conf, positional[0]))
    fail(`qm guest: '${sub}' is not supported by the lab (cmd, exec, exec-status)`)
  }
  if (cmd === 'status') {
    loadConfig(rest[0])
    return void process.stdout.write(`status: ${running(rest[0]) ? 'running' : 'stopped'}\n`)
  }
  if (cmd === 'config') return void process.stdout.write(loadConfig(rest[0]).text)
  if (cmd === 'list') return list()
  if (['start', 'stop', 'shutdown'].includes(cmd)) return power(cmd, rest[0])
  fail(`qm: '${cmd}' is not supported by the lab (guest cmd|exec|exec-status, status, config, list, start, stop, shutdown)`)
}

await main(process.argv.slice(2))
