import type {Fault} from './faults.js'
import {GATEWAY_CTID, TLS_HOST} from './topology.js'
import {ctExec} from './services.js'
import {GATEWAY_CERT, GATEWAY_KEY, gatewayCertificate, gatewayKey} from './tls.js'
import type {CertVariant} from './tls.js'

/**
 * The gateway's certificate as a PKI (issue 13 item 4): its TLS virtual host's files are changed on
 * disk, as a renewal (or a mistake) would leave them; phoenix reads them in the gateway CT. Gateway
 * rows: only `check gateway` runs (the services' routes are plain http and cannot be affected), so
 * each row costs one gateway check per mode.
 */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const CERT = escape(GATEWAY_CERT)
/** The cron file the stalled row writes in the gateway CT: an hourly renewal naming the certificate. */
const CRON_FILE = '/etc/cron.d/phoenix-lab-cert-renewal'

/** The instance of step's renewer for the gateway (smallstep's documented cert-renewer@.service and .timer). */
const RENEWER = 'cert-renewer@nginx'

function certFault(name: string, does: string, variant: CertVariant, gateway: Fault['gateway']): Fault {
  return {
    name, does, appliesTo: ['n8n'], shared: true, gatewayOnly: true,
    inject: async () => gatewayCertificate(variant),
    heal: async () => gatewayCertificate('healthy'),
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    gateway,
  }
}

export const CERT_FAULTS: readonly Fault[] = [
  certFault('cert-expired', "the gateway's 24-hour certificate ended an hour ago (its renewal never ran)", 'expired',
    {layer: 'service', cause: 'cert_expired', evidence: new RegExp(`^ +${CERT}: notBefore .* \\(expired \\d+ minutes ago\\)$`, 'm')}),
  certFault('cert-other-ca', "the gateway's certificate issued by another CA than gateway.ca", 'other-ca',
    {layer: 'service', cause: 'cert_untrusted', evidence: new RegExp(`^ +${CERT}: subject CN=${escape(TLS_HOST)}, issuer CN=other-ca$`, 'm'), command: /^openssl s_client -connect [\d.]+:443 -servername n8n\.phoenix\.local -CAfile \S+ca\.crt -verify_return_error <\/dev\/null$/m}),
  certFault('cert-misnamed', `the gateway's certificate is for other.${TLS_HOST.split('.').slice(1).join('.')}, its server block serves ${TLS_HOST}`, 'misnamed',
    {layer: 'service', cause: 'cert_name_mismatch', evidence: new RegExp(`^ +${CERT} \\(server .*:\\d+\\): not valid for ${escape(TLS_HOST)}$`, 'm'), hint: new RegExp(`with DNS:${escape(TLS_HOST)} among its subjectAltName`)}),
  {
    name: 'cert-key-mismatch', does: "the gateway's key file replaced by another key (a renewal that wrote the key, not the certificate); nginx keeps serving the old pair",
    appliesTo: ['n8n'], shared: true, gatewayOnly: true,
    inject: async () => gatewayKey(true),
    heal: async () => gatewayKey(false),
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    gateway: {layer: 'service', cause: 'cert_key_mismatch', evidence: new RegExp(`SSL_CTX_use_PrivateKey\\("${escape(GATEWAY_KEY)}"\\) failed .*key values mismatch`)},
  },
  {
    name: 'cert-renewal-stalled', does: `the gateway's 24-hour certificate is 3 hours old while ${CRON_FILE} in the gateway CT renews it hourly`,
    appliesTo: ['n8n'], shared: true, gatewayOnly: true, realOnly: true,
    inject: async () => {
      gatewayCertificate('stalled')
      await ctExec(GATEWAY_CTID, ['sh', '-s'], `mkdir -p /etc/cron.d\nprintf '%s\\n' '0 * * * * root step ca renew --force ${GATEWAY_CERT} ${GATEWAY_KEY}' > ${CRON_FILE}\n`)
    },
    heal: async () => {
      await ctExec(GATEWAY_CTID, ['rm', '-f', CRON_FILE])
      gatewayCertificate('healthy')
    },
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    gateway: {layer: 'service', cause: 'renewal_stalled', status: 'warn', evidence: new RegExp(`^ +renewed by cron ${escape(CRON_FILE)}:1: 0 \\* \\* \\* \\* root step ca renew --force ${CERT} .*\\(every 60 minutes\\)$`, 'm'), command: new RegExp(`grep -n -F -e ${CERT} ${escape(CRON_FILE)}$`, 'm')},
  },
  {
    name: 'cert-renewal-timer', does: "the gateway's 24-hour certificate is 18 hours old while step's cert-renewer@nginx.timer (every 15 minutes, renewing when due) is enabled in the gateway CT",
    appliesTo: ['n8n'], shared: true, gatewayOnly: true, realOnly: true,
    inject: async () => {
      gatewayCertificate('due')
      await ctExec(GATEWAY_CTID, ['sh', '-s'], stepRenewerScript())
    },
    heal: async () => {
      await ctExec(GATEWAY_CTID, ['sh', '-s'], `systemctl disable -q --now ${RENEWER}.timer\nrm -rf /etc/systemd/system/cert-renewer@*\nsystemctl daemon-reload\n`)
      gatewayCertificate('healthy')
    },
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    gateway: {
      layer: 'service', cause: 'renewal_stalled', status: 'warn',
      evidence: new RegExp(`^ +renewed by timer ${escape(RENEWER)}\\.timer: OnCalendar=\\*-\\*-\\* \\*:01/15:00; runs /usr/bin/step ca renew --force .*\\(every 15 minutes, renews only when due\\)$`, 'm'),
      command: new RegExp(`journalctl -u ${escape(RENEWER)}\\.service -n 30 --no-pager$`, 'm'),
    },
  },
]

/**
 * step's cert-renewer@.service and @.timer as smallstep documents them (renew with ExecCondition
 * `step certificate needs-renewal`, every 15 minutes), the instance's paths in a drop-in; the timer
 * enabled and started. No step binary: the renewal never succeeds, as in a stalled estate.
 */
function stepRenewerScript(): string {
  const unit = (path: string, text: string) => `cat > ${path} <<'PHOENIX_LAB_EOF'\n${text}PHOENIX_LAB_EOF\n`
  return [
    'set -e',
    'mkdir -p /etc/systemd/system/cert-renewer@nginx.service.d',
    unit('/etc/systemd/system/cert-renewer@.service', '[Unit]\nDescription=Certificate renewer for %I\nAfter=network-online.target\n\n[Service]\nType=oneshot\nUser=root\nEnvironment=STEPPATH=/etc/step-ca CERT_LOCATION=/etc/step/certs/%i.crt KEY_LOCATION=/etc/step/certs/%i.key\nExecCondition=/usr/bin/step certificate needs-renewal ${CERT_LOCATION}\nExecStart=/usr/bin/step ca renew --force ${CERT_LOCATION} ${KEY_LOCATION}\n'),
    unit('/etc/systemd/system/cert-renewer@.timer', '[Unit]\nDescription=Timer for certificate renewal of %I\n\n[Timer]\nPersistent=true\nOnCalendar=*:1/15\nAccuracySec=1us\nRandomizedDelaySec=5m\n\n[Install]\nWantedBy=timers.target\n'),
    unit('/etc/systemd/system/cert-renewer@nginx.service.d/override.conf', `[Service]\nEnvironment=CERT_LOCATION=${GATEWAY_CERT} KEY_LOCATION=${GATEWAY_KEY}\n`),
    'systemctl daemon-reload',
    `systemctl enable -q --now ${RENEWER}.timer`,
    '',
  ].join('\n')
}
