/**
 * The certificate part of the nginx probe, run in the gateway CT after `nginx -T` left its dump in
 * $d. It needs no tool beyond sh, awk, grep and head: the PEM text is parsed by phoenix
 * (node:crypto), so a CT without openssl (Debian's nginx image) is read as well as one with it.
 *
 * - `@@pem FILE`: the CERTIFICATE blocks of each ssl_certificate, read bounded (256 KiB). Only those
 *   blocks leave the CT: a file holding the key too (nginx allows it) gives up no key.
 * - `@@key FILE`: each ssl_certificate_key. Where openssl is there, its public half is derived in the
 *   CT (`@@pub` + `openssl pkey -pubout`) and the key stays there. Otherwise its PRIVATE KEY block is
 *   read bounded (64 KiB), and phoenix derives the public key in memory and drops the rest.
 * - `@@cron`: crontab lines that name a served certificate (/etc/crontab, /etc/cron.d, users' crontabs).
 * - `@@timers` + each systemd timer and the unit it activates, `@@units` + `systemctl show` of them
 *   all; phoenix keeps the timers whose service names one (ExecStart, ExecCondition, Environment:
 *   step's cert-renewer@.timer sets CERT_LOCATION), with its schedule and when it last ran.
 * File names come from the dump; they reach the shell only as "$f", never as code.
 */
export function certificateSnippet(): string {
  // The value of each `NAME path;` line of the dump, unquoted; a path with variables is per handshake.
  // grep -o finds it inline too (`server { ssl_certificate a.crt; ... }`); a `_` or letter before it
  // (proxy_ssl_certificate) or after it (ssl_certificate_key for ssl_certificate) is another directive.
  const names =
    `_names() { printf '%s\\n' "$d" | grep -v '^[[:space:]]*#' | grep -oE "(^|[[:space:];{}])$1[[:space:]]+[^;]+" |` +
    ` sed -E "s/^[[:space:];{}]?$1[[:space:]]+//; s/[[:space:]]+$//" | tr -d "\\"'" | grep -vE '[$]|^(data|engine):' | sort -u; }`
  const certs = readPems(`printf '%s\\n' "$_cf"`)
  const keys = readKeys('_names ssl_certificate_key')
  const cron = `echo "\${_m}cron"; printf '%s\\n' "$_cf" | while IFS= read -r f; do grep -HnsF -- "$f" /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* 2>/dev/null | head -n 5; done`
  // systemctl only where a unit file names a certificate or its directory (step's template has
  // CERT_LOCATION=/etc/step/certs/%i.crt): `show` loads every unit it is asked about (70 ms for six
  // here), a grep of the unit directories costs a few. Then two calls whatever the number of
  // timers: list-timers (--plain: the last two words are the timer and the unit it activates), and
  // one `show` of them all; phoenix keeps the timers whose service names a served certificate.
  const unitDirs = '/etc/systemd/system /run/systemd/system /usr/lib/systemd/system /lib/systemd/system'
  const named = `printf '%s\\n' "$_cf" | while IFS= read -r f; do printf '%s\\n' "$f" "\${f%/*}/"; done | grep -rlsF -f - ${unitDirs} 2>/dev/null | head -n 1`
  const props = '-p Id -p Environment -p ExecStart -p ExecCondition -p ExecStartPre -p TimersCalendar -p TimersMonotonic -p LastTriggerUSec'
  const timers =
    `if command -v systemctl >/dev/null 2>&1 && [ -n "$(${named})" ]; then _tl=$(systemctl list-timers --all --no-legend --plain 2>/dev/null | awk 'NF >= 2 { print $(NF-1), $NF }' | head -n 64);` +
    ` if [ -n "$_tl" ]; then echo "\${_m}timers"; printf '%s\\n' "$_tl"; echo "\${_m}units"; (set -f; systemctl show ${props} -- $(printf '%s\\n' "$_tl" | tr ' ' '\\n' | sort -u)) 2>/dev/null; fi; fi`
  return `${names}; _cf=$(_names ssl_certificate); if [ -n "$_cf" ]; then ${certs}; ${keys}; ${cron}; ${timers}; fi`
}

const block = (label: string) => `awk '/^-----BEGIN ${label}-----/ { p = 1 } p { print } /^-----END ${label}-----/ { p = 0 }'`

/**
 * `@@pem FILE` and the CERTIFICATE blocks of each file the command lists, one a line (256 KiB read
 * at most): a file holding its key too gives up no key. `@@nofile` for one that cannot be read.
 */
export function readPems(list: string): string {
  return `${list} | while IFS= read -r f; do echo "\${_m}pem $f"; if [ -r "$f" ]; then head -c 262144 -- "$f" | ${block('CERTIFICATE')}; else echo "\${_m}nofile"; fi; done`
}

/**
 * `@@key FILE` for each key file the command lists: its public half from openssl in the CT
 * (`@@pub`), else its PRIVATE KEY block (64 KiB at most), turned into the public half by phoenix
 * and dropped (readCertSection).
 */
export function readKeys(list: string): string {
  return (
    `${list} | while IFS= read -r k; do echo "\${_m}key $k"; if [ ! -r "$k" ]; then echo "\${_m}nofile";` +
    ` elif command -v openssl >/dev/null 2>&1; then echo "\${_m}pub"; openssl pkey -in "$k" -passin pass: -pubout 2>/dev/null;` +
    ` else head -c 65536 -- "$k" | ${block('[A-Z ]*PRIVATE KEY')}; fi; done`
  )
}
