import {readFileSync} from 'node:fs'

import {dump} from './dump-fixture.js'

/**
 * The shape of the operators' nginx files (SirHeads/Testing-ideas, usr/local/phoenix_hypervisor/etc/nginx
 * at 0385ea2): their directives, names and addresses, line for line, with comments of our own (the
 * repository carries no licence, so its prose is not copied). Never probed: parsed only.
 */
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')
/** Their nginx.conf (includes modules-enabled, mime.types, conf.d, sites-enabled), directive for directive. */
export const OPERATORS_NGINX = fixture('operators-nginx.conf')
/** Their etc/nginx/sites-available/gateway, directive for directive. */
export const OPERATORS_GATEWAY = fixture('operators-gateway.conf')
export const ACME_SNIPPET = fixture('operators-acme-snippet.conf')
const MIME = 'types { text/html html; }'

/** `nginx -T` of their gateway CT: nginx.conf, mime.types, then the gateway site (and `extra` files). */
export function operatorsDump(gateway = OPERATORS_GATEWAY, extra: Record<string, string> = {}): string {
  return dump({'/etc/nginx/nginx.conf': OPERATORS_NGINX, '/etc/nginx/mime.types': MIME, ...extra, '/etc/nginx/sites-enabled/gateway': gateway})
}

