import {readFileSync} from 'node:fs'

import {dump} from './dump-fixture.js'

/** The operators' nginx files (SirHeads/Testing-ideas, usr/local/phoenix_hypervisor/etc/nginx at 0385ea2). */
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')
/** Their nginx.conf (includes modules-enabled, mime.types, conf.d, sites-enabled), as committed. */
export const OPERATORS_NGINX = fixture('operators-nginx.conf')
/** Their committed etc/nginx/sites-available/gateway. */
export const OPERATORS_GATEWAY = fixture('operators-gateway.conf')
export const ACME_SNIPPET = fixture('operators-acme-snippet.conf')
const MIME = 'types { text/html html; }'

/** `nginx -T` of their gateway CT: nginx.conf, mime.types, then the gateway site (and `extra` files). */
export function operatorsDump(gateway = OPERATORS_GATEWAY, extra: Record<string, string> = {}): string {
  return dump({'/etc/nginx/nginx.conf': OPERATORS_NGINX, '/etc/nginx/mime.types': MIME, ...extra, '/etc/nginx/sites-enabled/gateway': gateway})
}

