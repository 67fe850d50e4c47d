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
 * - `@@timer UNIT`: each systemd timer whose service names one (ExecStart, ExecCondition, Environment:
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
  const block = (label: string) => `awk '/^-----BEGIN ${label}-----/ { p = 1 } p { print } /^-----END ${label}-----/ { p = 0 }'`
  const certs = `_names ssl_certificate | while IFS= read -r f; do echo "\${_m}pem $f"; if [ -r "$f" ]; then head -c 262144 -- "$f" | ${block('CERTIFICATE')}; else echo "\${_m}nofile"; fi; done`
  const keys =
    `_names ssl_certificate_key | while IFS= read -r k; do echo "\${_m}key $k"; if [ ! -r "$k" ]; then echo "\${_m}nofile";` +
    ` elif command -v openssl >/dev/null 2>&1; then echo "\${_m}pub"; openssl pkey -in "$k" -passin pass: -pubout 2>/dev/null;` +
    ` else head -c 65536 -- "$k" | ${block('[A-Z ]*PRIVATE KEY')}; fi; done`
  const cron = `echo "\${_m}cron"; _names ssl_certificate | while IFS= read -r f; do grep -HnsF -- "$f" /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* 2>/dev/null | head -n 5; done`
  // list-timers --plain: the last two words are the timer and the unit it activates.
  const timers =
    `if command -v systemctl >/dev/null 2>&1; then systemctl list-timers --all --no-legend --plain 2>/dev/null | awk 'NF >= 2 { print $(NF-1), $NF }' | head -n 64 | while read -r t s; do` +
    ` e=$(systemctl show -p Environment -p ExecStart -p ExecCondition -p ExecStartPre -- "$s" 2>/dev/null); hit=;` +
    ` for f in $(_names ssl_certificate); do case "$e" in *"$f"*) hit=1;; esac; done;` +
    ` if [ -n "$hit" ]; then echo "\${_m}timer $t"; printf '%s\\n' "$e"; systemctl show -p TimersCalendar -p TimersMonotonic -p LastTriggerUSec -- "$t" 2>/dev/null; fi; done; fi`
  return `${names}; if [ -n "$(_names ssl_certificate)" ]; then ${certs}; ${keys}; ${cron}; ${timers}; fi`
}
