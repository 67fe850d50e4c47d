import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdirSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {REPO, STATE} from './topology.js'

/**
 * The docker-kind services in the real-CT lab: real docker containers run by the real dockerd of
 * their CT (Debian's docker.io, from the cached layer of scripts/lab-docker-layer.sh), from an
 * image made with `docker import` (no registry): the few files node needs (its shared libraries, a
 * shell, /tmp). Node, the repo and its node_modules are bound in read-only at their own paths, as
 * the CT has them, and the emulator is the container's command. Faults become `docker stop`,
 * `docker kill`, a restart policy and what `-p` publishes.
 */

export const IMAGE = 'phoenix-lab/emulator:latest'
/** Where a docker CT sees the image tarball (bound in from the lab's state). */
export const IMAGE_DIR_IN_CT = '/opt/phoenix-lab-image'
export const imageDir = () => join(STATE, 'docker-image')

/**
 * Docker's own bridge inside each CT: benchmarking space next to the lab's 198.18.0.0/24 (never a
 * private range that could be a real network's), and the same in every CT (each is its own netns).
 */
export const DAEMON_JSON = `${JSON.stringify({bip: '198.19.0.1/24', 'default-address-pools': [{base: '198.19.16.0/20', size: 24}], 'log-level': 'warn'})}\n`

/** The host paths a CT (and its containers) bind read-only: the repo, its node_modules, node. */
export function labBinds(): string[] {
  const dirs = [REPO.replace(/\/$/, ''), realpathSync(join(REPO, 'node_modules'))]
  return [...new Set(dirs)].filter((p, i, all) => !all.some((o, j) => j !== i && p.startsWith(`${o}/`)))
}

/** Builds the image tarball once per `up`: node's libraries (ldd), dash as /bin/sh, passwd, /tmp. */
export function buildImageTarball(): string {
  const root = join(imageDir(), 'root')
  rmSync(imageDir(), {recursive: true, force: true})
  const libs = execFileSync('ldd', [process.execPath], {encoding: 'utf8'}).split('\n').map((l) => l.match(/(\/\S+) \(0x/)?.[1]).filter((p): p is string => Boolean(p))
  for (const file of [...libs, '/bin/dash']) {
    mkdirSync(join(root, dirname(file)), {recursive: true})
    copyFileSync(realpathSync(file), join(root, file))
  }
  mkdirSync(join(root, 'tmp'), {recursive: true, mode: 0o1777})
  mkdirSync(join(root, 'etc'), {recursive: true})
  execFileSync('chmod', ['1777', join(root, 'tmp')])
  execFileSync('ln', ['-s', 'dash', join(root, 'bin/sh')])
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n')
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
  const tarball = join(imageDir(), 'emulator.tar')
  execFileSync('tar', ['-C', root, '-cf', tarball, '--numeric-owner', '.'])
  rmSync(root, {recursive: true, force: true})
  return tarball
}

/** How a container runs: what `-p` publishes, its restart policy, and whether a shell is its PID 1. */
export interface ContainerOptions {
  /** `-p` argument: PORT:PORT, or ADDRESS:PORT:PORT. */
  publish: string
  /** `--restart` policy; the estate's is unless-stopped (back after a CT reboot, not after docker stop). */
  restart?: string
  /**
   * The command under `sh -c` that does not exec it, as an image whose start script runs the server
   * as a child: PID 1 is the shell, which ignores SIGTERM, so `docker stop` kills it after its grace
   * period (exit 137).
   */
  shellPid1?: boolean
  /** `--memory` (e.g. 192m): the kernel's OOM killer ends it there. */
  memory?: string
  /** More `-v` binds (SRC:DST[:ro]): the real n8n's installed tree and its data folder (real-n8n.ts). */
  binds?: readonly string[]
}

const sq = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`

/** An --env-file value is taken literally to the end of the line: no quoting, so no newline. */
function envLine(key: string, value: string): string {
  if (/[\n\r]/.test(value)) throw new Error('an environment value with a newline')
  return `${key}=${value}`
}

/**
 * The script (for `sh -s` in the CT) that (re)creates the container with its environment file;
 * `docker start`/`restart` runs it. It goes on stdin: a key must not reach any argv.
 */
export function containerScript(name: string, command: readonly string[], env: Readonly<Record<string, string>>, o: ContainerOptions): string {
  const envFile = `/etc/phoenix-lab/${name}.env`
  const binds = [...[...labBinds(), process.execPath].map((p) => `${p}:${p}:ro`), ...(o.binds ?? [])].flatMap((b) => ['-v', b])
  const cmd = o.shellPid1 ? ['/bin/sh', '-c', '"$@"; exit $?', 'sh', ...command] : command
  const argv = ['docker', 'create', '--name', name, '--restart', o.restart ?? 'unless-stopped', '-p', o.publish, '--env-file', envFile, ...(o.memory ? ['--memory', o.memory] : []), ...binds, '-w', REPO, IMAGE, ...cmd]
  const envText = Object.entries(env).map(([k, v]) => envLine(k, v)).join('\n')
  return `set -e\numask 077\nmkdir -p /etc/phoenix-lab\ncat > ${envFile} <<'PHOENIX_LAB_EOF'\n${envText}\nPHOENIX_LAB_EOF\ndocker rm -f ${sq(name)} >/dev/null 2>&1 || true\n${argv.map(sq).join(' ')} >/dev/null\n`
}

/** Where a compose stack's file lives in its guest: /opt/PROJECT/docker-compose.yml, as compose v1 looks for it. */
export const composeDir = (project: string) => `/opt/${project}`

/**
 * The script (for `sh -s` in the guest) that writes the compose stack's file (JSON, which is YAML)
 * and its environment file, and creates the service's container with Debian's docker-compose (v1:
 * it names it PROJECT_SERVICE_1 and labels it com.docker.compose.project/service, which phoenix
 * reads); `up --no-start` recreates it when the file changed. The key only in the 0600 env file.
 */
export function composeScript(compose: {project: string; service: string}, command: readonly string[], env: Readonly<Record<string, string>>, o: ContainerOptions): string {
  const dir = composeDir(compose.project)
  const envFile = `${dir}/${compose.service}.env`
  const volumes = [...labBinds(), process.execPath].map((p) => `${p}:${p}:ro`)
  // Compose interpolates $VAR in the file: a literal $ is $$ there.
  const cmd = (o.shellPid1 ? ['/bin/sh', '-c', '"$@"; exit $?', 'sh', ...command] : command).map((w) => w.replace(/\$/g, () => '$$$$'))
  const file = {version: '2.4', services: {[compose.service]: {image: IMAGE, command: cmd, working_dir: REPO, restart: o.restart ?? 'unless-stopped', ports: [o.publish], env_file: [envFile], volumes}}}
  const envText = Object.entries(env).map(([k, v]) => envLine(k, v)).join('\n')
  return `set -e\numask 077\nmkdir -p ${sq(dir)}\ncat > ${sq(envFile)} <<'PHOENIX_LAB_EOF'\n${envText}\nPHOENIX_LAB_EOF\n` +
    `cat > ${sq(`${dir}/docker-compose.yml`)} <<'PHOENIX_LAB_EOF'\n${JSON.stringify(file, null, 1)}\nPHOENIX_LAB_EOF\n` +
    `cd ${sq(dir)} && docker-compose -p ${sq(compose.project)} up --no-start ${sq(compose.service)} >/dev/null\n`
}

/** Imports the emulator image into a CT's dockerd once it answers (the tarball is bound in). */
export async function importImage(exec: (argv: readonly string[]) => Promise<string>): Promise<void> {
  await exec(['sh', '-c', `i=0; until docker info >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done; docker import ${IMAGE_DIR_IN_CT}/emulator.tar ${IMAGE} >/dev/null`])
}
