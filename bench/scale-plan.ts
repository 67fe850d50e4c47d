/**
 * The synthetic estate of the scale test, shared by the server that plays it (scale-server.ts)
 * and the inventory phoenix reads (scale.ts): names, addresses, which services hang.
 * Addresses are in 127.77.0.0/16, inside a namespace of the bench's own: loopback only.
 */

/** Every service listens on this port of its own address, as a real estate's CTs do. */
export const SERVICE_PORT = 8080
/** The gateway (nginx's stand-in) on port 80 of its own address. */
export const GATEWAY_ADDRESS = '127.77.0.1'
/** A tenth of the services hang, spread through the inventory (every tenth one). */
export const HANG_EVERY = 10

export function serviceName(index: number): string {
  return `svc-${String(index + 1).padStart(3, '0')}`
}

/** 127.77.1.1, 127.77.1.2, … 250 to a /24, so 200 services fit in 127.77.1.0/24. */
export function serviceAddress(index: number): string {
  return `127.77.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
}

export function isHanging(index: number): boolean {
  return index % HANG_EVERY === HANG_EVERY - 1
}

/**
 * phoenix's inventory for N services: `kind: http` (health /healthz), a route each on the
 * gateway, phoenix on the "host" (`host: local`). Only the host and client layers run (--layer):
 * there are no CTs to `pct exec` into, and 200 namespaces would measure the machine.
 */
export function scaleInventory(count: number): string {
  const lines = [
    `# phoenix scale-test inventory: ${count} kind-http services on loopback, every ${HANG_EVERY}th hanging (bench/scale-plan.ts)`,
    'proxmox: { host: local }',
    `gateway: { ctid: 999, address: ${GATEWAY_ADDRESS}, url: "http://${GATEWAY_ADDRESS}" }`,
    'services:',
  ]
  for (let i = 0; i < count; i++) {
    lines.push(`  ${serviceName(i)}: { kind: http, ctid: ${1000 + i}, address: ${serviceAddress(i)}, port: ${SERVICE_PORT}, route: /${serviceName(i)}/ }`)
  }
  return `${lines.join('\n')}\n`
}
