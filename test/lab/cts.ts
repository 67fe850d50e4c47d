import {mkdir, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {must} from './proc.js'
import {NGINX_BIN, NGINX_CONF, NGINX_ERROR_LOG} from './nginx-config.js'
import {BRIDGE, GATEWAY_CTID, HOST, SERVICES, SHIMS, STATE} from './topology.js'
import type {Ct, LabService} from './topology.js'

/**
 * What a CT has besides its namespace: the files `pct config` shows, its root's home (so a login
 * shell in the CT reads the CT's profile, not this machine's /root/.bashrc), and its bin/ with the
 * service's own commands. The CTs share this machine's filesystem; these folders are their own.
 */
export function ctDir(ctid: number): string {
  return join(STATE, `ct${ctid}`)
}

export async function prepareCt(ct: Ct): Promise<void> {
  const dir = ctDir(ct.ctid)
  for (const d of ['root', 'bin', 'units']) await mkdir(join(dir, d), {recursive: true})
  await writeFile(join(dir, 'pct.conf'), await pctConfig(ct))
  // /etc/profile resets PATH for a login shell; a real CT's /usr/local/bin is on it, so the CT's
  // bin/ (its /usr/local/bin) and the lab's systemctl/docker go back in front here.
  await writeFile(join(dir, 'root', '.profile'), `# CT ${ct.ctid}'s root profile (lab)\nPATH="${join(dir, 'bin')}:${join(SHIMS, 'ct')}:$PATH"\nexport PATH\n`)
  for (const s of SERVICES.filter((x) => x.ctid === ct.ctid)) await installCli(s)
  if (ct.ctid === GATEWAY_CTID) await writeFile(join(dir, 'bin', 'nginx'), nginxWrapper(), {mode: 0o755})
}

/** Puts the service's own commands in its CT's /usr/local/bin (what its installer does). */
export async function installCli(s: LabService): Promise<void> {
  for (const cmd of s.cli ?? []) {
    const link = join(ctDir(s.ctid), 'bin', cmd)
    await rm(link, {force: true})
    await symlink(join(SHIMS, 'bin', cmd), link)
  }
}

/** Takes them off again: a login shell in the CT no longer finds them (the cli-missing fault). */
export async function removeCli(s: LabService): Promise<void> {
  for (const cmd of s.cli ?? []) await rm(join(ctDir(s.ctid), 'bin', cmd), {force: true})
}

/**
 * The gateway CT's `nginx`: Debian's binary, whose default config is the lab's, as a real CT's
 * /etc/nginx/nginx.conf is the one its nginx runs. So `nginx -t`, `nginx -T` and `nginx -s reload`
 * in CT 953 (phoenix's probes, its hints) see the running config, not this machine's /etc/nginx.
 */
function nginxWrapper(): string {
  return `#!/bin/sh
# CT ${GATEWAY_CTID}'s nginx (lab): the lab's config unless -c is given.
for a; do [ "$a" = -c ] && exec ${NGINX_BIN} "$@"; done
exec ${NGINX_BIN} -e ${NGINX_ERROR_LOG} -c ${NGINX_CONF} "$@"
`
}

/** `pct config` of a CT: what a real one shows, with the lab's real MAC and address. */
async function pctConfig(ct: Ct): Promise<string> {
  const link = JSON.parse(await must(['ip', '-n', ct.ns, '-j', 'link', 'show', 'eth0'])) as {address: string}[]
  const hw = link[0]?.address.toUpperCase() ?? ''
  return [
    'arch: amd64', 'cores: 4', `hostname: ${ct.hostname}`, 'memory: 4096',
    `net0: name=eth0,bridge=${BRIDGE},firewall=1,gw=${HOST.address},hwaddr=${hw},ip=${ct.address}/24,type=veth`,
    'onboot: 1', 'ostype: debian', `rootfs: local-lvm:vm-${ct.ctid}-disk-0,size=32G`, 'swap: 512', 'unprivileged: 1', '',
  ].join('\n')
}
