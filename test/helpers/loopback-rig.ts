import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, REPO, spawnEmulator, stopProcess, waitForPort} from './processes.js'

/** One service of the rig: an emulator profile run as a unit or container of that name. */
export interface RigServiceSpec {
  name: string
  kind: string
  profile: string
  runtime: 'systemd' | 'docker'
  route: string
  extraArgs?: string[]
}

/**
 * Every "CT" is this machine, on 127.0.0.1: emulators as real processes, a real nginx as the
 * gateway, and pct/systemctl/journalctl/docker shims that report the processes' real state.
 * Fast enough for the command tests; the namespace lab (test/lab) is the full topology.
 */
export interface Rig {
  dir: string
  configFile: string
  /** Environment to run phoenix with: the shims first on PATH. */
  env: NodeJS.ProcessEnv
  stopService(name: string): Promise<void>
  startService(name: string): Promise<void>
  close(): Promise<void>
}

/**
 * The PATH that puts the rig's shims first, for a rig in `dir`. phoenix spawns pct with PATH, LANG
 * and TERM only, so the rig's pct cannot read PHOENIX_RIG from phoenix's environment: a wrapper in
 * dir/bin gives it (and the "CT"'s HOME, when given) to the command, as lxc-attach sets a CT's.
 */
export async function rigShimPath(dir: string, home?: string): Promise<string> {
  await mkdir(join(dir, 'bin'), {recursive: true})
  const exports = `PHOENIX_RIG='${dir}'${home ? ` HOME='${home}'` : ''}`
  await writeFile(join(dir, 'bin', 'pct'), `#!/bin/sh\nexport ${exports}\nexec '${join(REPO, 'test/helpers/rig-shims/pct')}' "$@"\n`, {mode: 0o755})
  return `${join(dir, 'bin')}:${join(REPO, 'test/helpers/rig-shims')}:${process.env.PATH}`
}

export async function startRig(specs: readonly RigServiceSpec[]): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'phoenix-rig-'))
  await mkdir(join(dir, 'units'))
  await mkdir(join(dir, 'nginx', 'logs'), {recursive: true})
  // A login shell in a rig "CT" finds the rig's shims (the ollama CLI among them) through ~/.profile.
  await mkdir(join(dir, 'home'))
  await writeFile(join(dir, 'home', '.profile'), `PATH="${join(REPO, 'test/helpers/rig-shims')}:$PATH"\n`)
  const path = await rigShimPath(dir, join(dir, 'home'))
  const ports = new Map<string, number>()
  for (const s of specs) ports.set(s.name, await freePort())
  const children = new Map<string, ChildProcess>()
  const start = async (s: RigServiceSpec) => {
    const port = ports.get(s.name)!
    const child = spawnEmulator(['--profile', s.profile, '--host', '127.0.0.1', '--port', String(port), ...(s.extraArgs ?? [])], join(dir, 'units', `${s.name}.log`))
    children.set(s.name, child)
    await writeFile(join(dir, 'units', `${s.name}.pid`), String(child.pid))
    await waitForPort('127.0.0.1', port, `emulator ${s.name}`)
  }
  const nginx = {child: undefined as ChildProcess | undefined}
  const rig: Rig = {
    dir,
    configFile: join(dir, 'phoenix.yaml'),
    env: {...process.env, PATH: path, PHOENIX_RIG: dir, HOME: join(dir, 'home'), NO_COLOR: '1'},
    stopService: async (name) => stopProcess(children.get(name)),
    // A start over a running emulator stops it first: the rig keeps one handle per service, and a
    // replaced handle's process would outlive close().
    startService: async (name) => {
      await stopProcess(children.get(name))
      await start(specs.find((s) => s.name === name)!)
    },
    close: async () => {
      await Promise.all([...children.values()].map(stopProcess))
      await stopProcess(nginx.child)
      await rm(dir, {recursive: true, force: true})
    },
  }
  try {
    await Promise.all(specs.map(start))
    const gatewayPort = await freePort()
    nginx.child = await startNginx(dir, gatewayPort, specs, ports)
    await writeFile(rig.configFile, inventoryYaml(dir, gatewayPort, specs, ports))
    return rig
  } catch (error) {
    await rig.close()
    throw error
  }
}

async function startNginx(dir: string, port: number, specs: readonly RigServiceSpec[], ports: Map<string, number>): Promise<ChildProcess> {
  const locations = specs.map((s) =>
    s.route.endsWith('/')
      ? `location ${s.route} { proxy_pass http://127.0.0.1:${ports.get(s.name)}/; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; proxy_set_header Host $http_host; proxy_connect_timeout 2s; proxy_read_timeout 5s; }`
      : `location ${s.route} { proxy_pass http://127.0.0.1:${ports.get(s.name)}; proxy_connect_timeout 2s; proxy_read_timeout 5s; }`,
  )
  const n = join(dir, 'nginx')
  const conf = `daemon off; worker_processes 1; pid ${n}/nginx.pid; error_log ${n}/logs/error.log info;
events { worker_connections 256; }
http {
  access_log ${n}/logs/access.log;
  client_body_temp_path ${n}/cb; proxy_temp_path ${n}/px; fastcgi_temp_path ${n}/fc; uwsgi_temp_path ${n}/uw; scgi_temp_path ${n}/sc;
  server {
    listen 127.0.0.1:${port}; server_name rig.test;
    ${locations.join('\n    ')}
  }
}
`
  await writeFile(join(n, 'nginx.conf'), conf)
  const child = spawn('/usr/sbin/nginx', ['-p', n, '-c', join(n, 'nginx.conf')], {stdio: 'ignore'})
  await waitForPort('127.0.0.1', port, 'nginx')
  // The gateway's unit, as the systemctl shim reads units.
  await writeFile(join(dir, 'units', 'nginx.pid'), String(child.pid))
  return child
}

function inventoryYaml(dir: string, gatewayPort: number, specs: readonly RigServiceSpec[], ports: Map<string, number>): string {
  const services = specs.map(
    (s) => `  ${s.name}: { kind: ${s.kind}, ctid: ${960 + specs.indexOf(s)}, address: 127.0.0.1, port: ${ports.get(s.name)}, runtime: { ${s.runtime}: ${s.name} }, route: ${s.route} }`,
  )
  return `# loopback rig: every CT is this machine
proxmox: { host: local }
gateway: { ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${gatewayPort}", nginxConf: ${dir}/nginx/nginx.conf, errorLog: ${dir}/nginx/logs/error.log, unit: nginx }
thresholds: { slowMs: 2500 }
services:
${services.join('\n')}
`
}
