import {NGINX_ERROR_LOG, NGINX_PREFIX, TLS_DIR} from './nginx-config.js'
import type {GatewayVariation} from './nginx-config.js'
import {LAB_DOMAIN} from './names.js'
import {ctById, GATEWAY_CTID, PROXY_CTID, TLS_HOST} from './topology.js'

/**
 * The gateway's nginx.conf in the operators' shape: what their generator (v3,
 * bin/generate_nginx_gateway_config.sh) writes, at the lab's addresses. Port 80 answers ACME
 * challenges and redirects everything else to https; port 443 terminates TLS for every name under
 * the domain and sends all of it, Host kept, to Traefik's `web` entry point by address: one shared
 * `location /` for every service, which no hint may repoint at one of them. It passes WebSocket
 * upgrades (n8n's editor needs its push): the headers an operator adds for n8n, `Connection: close`
 * kept for every other request (the map).
 */
export function operatorsNginxConf(v: GatewayVariation = {}): string {
  const p = NGINX_PREFIX
  const traefik = `${ctById(PROXY_CTID).address}:${v.traefikPort ?? 80}`
  return `# Gateway CT ${GATEWAY_CTID} in the operators' shape (test/lab/operators-nginx.ts), as their generator v3 writes it.
worker_processes 1;
pid ${p}/nginx.pid;
error_log ${NGINX_ERROR_LOG} info;
events { worker_connections 512; }
http {
    server_tokens off;
    access_log ${p}/logs/access.log;
    client_body_temp_path ${p}/tmp/client_body;
    proxy_temp_path ${p}/tmp/proxy;
    fastcgi_temp_path ${p}/tmp/fastcgi;
    uwsgi_temp_path ${p}/tmp/uwsgi;
    scgi_temp_path ${p}/tmp/scgi;
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }

    # ACME http-01 challenges, and every other http request redirected to https.
    server {
        listen 80;
        server_name _;
        location /.well-known/acme-challenge/ {
            root ${p}/html;
            allow all;
        }
        location / {
            return 301 https://$host$request_uri;
        }
    }

    # The single TLS termination point: every name under the domain, all of it to Traefik.
    server {
        listen 443 ssl http2;
        server_name *.${LAB_DOMAIN};
        ssl_certificate ${TLS_DIR}/${TLS_HOST}.crt;
        ssl_certificate_key ${TLS_DIR}/${TLS_HOST}.key;
        proxy_connect_timeout 2s;
        location / {
            proxy_pass http://${traefik};${v.noWebsocket ? '' : `
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;`}
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
}
`
}
