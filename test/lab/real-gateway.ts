import {join} from 'node:path'

import {NGINX_BIN, NGINX_CONF, NGINX_ERROR_LOG, NGINX_PREFIX, TLS_DIR} from './nginx-config.js'

/**
 * The gateway CT in the real-CT lab: its nginx is a real systemd unit, Debian's own nginx.service
 * (Type=forking, `nginx -t` before start, `nginx -s reload` to reload, start-stop-daemon's QUIT to
 * stop) with the lab's prefix, config and error log added to each nginx command line. Debian's
 * nginx binary is bound in from this machine (its libraries are the rootfs's: both are bookworm), its
 * prefix read-write and the lab's certificates read-only, each at its own path, so phoenix's
 * `nginx -T`, the error log and the file:line evidence name the same files in both labs.
 */

export const NGINX_PID = join(NGINX_PREFIX, 'nginx.pid')

/** LXC mount entries of the gateway CT, after the repo's read-only bind (the prefix may be inside it). */
export function gatewayMounts(): string[] {
  return [
    `lxc.mount.entry = ${NGINX_BIN} ${NGINX_BIN.slice(1)} none bind,ro,create=file 0 0`,
    `lxc.mount.entry = ${NGINX_PREFIX} ${NGINX_PREFIX.slice(1)} none bind,create=dir 0 0`,
    `lxc.mount.entry = ${TLS_DIR} ${TLS_DIR.slice(1)} none bind,ro,create=dir 0 0`,
  ]
}

/** Debian 12's /lib/systemd/system/nginx.service, with the lab's paths. */
export function nginxUnit(): string {
  const nginx = `${NGINX_BIN} -p ${NGINX_PREFIX} -e ${NGINX_ERROR_LOG} -c ${NGINX_CONF}`
  return [
    '[Unit]', 'Description=A high performance web server and a reverse proxy server', 'Documentation=man:nginx(8)',
    'After=network-online.target remote-fs.target nss-lookup.target', 'Wants=network-online.target', '',
    '[Service]', 'Type=forking', `PIDFile=${NGINX_PID}`,
    `ExecStartPre=${nginx} -t -q -g 'daemon on; master_process on;'`,
    `ExecStart=${nginx} -g 'daemon on; master_process on;'`,
    `ExecReload=${nginx} -g 'daemon on; master_process on;' -s reload`,
    `ExecStop=-/sbin/start-stop-daemon --quiet --stop --retry QUIT/5 --pidfile ${NGINX_PID}`,
    'TimeoutStopSec=5', 'KillMode=mixed', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n')
}

/** The script (for `sh -s` in the CT) that installs the unit and enables it, as the package does. */
export function nginxUnitScript(): string {
  return `set -e\ncat > /etc/systemd/system/nginx.service <<'PHOENIX_LAB_EOF'\n${nginxUnit()}PHOENIX_LAB_EOF\nsystemctl daemon-reload\nsystemctl enable -q nginx\n`
}
