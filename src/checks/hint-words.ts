/**
 * Words for the commands hints print for a person to paste. Every value that came from the
 * inventory goes through `word` (or into a script that goes through `q` as a whole), so pasting a
 * hint can never run something a config value smuggled in: a health path `/h;touch x`, a route
 * `/r/$(id)/`, a unit name with a backslash. Plain values stay readable (`10.0.0.154`, `ollama`).
 */
import {guestOf, guestWords} from '../io/guests/guests.js'
import {q} from '../io/shell-words.js'
import type {Inventory} from '../model/inventory.js'
import type {GuestRef} from '../model/ports.js'

/** Characters that mean nothing to sh anywhere in a word (no `~`: it expands at a word's start). */
const PLAIN = /^[A-Za-z0-9._:/@%+=,-]+$/

/**
 * A value as one shell word: as is when plain, in double quotes when only spaces make it not
 * (nothing else in it means anything to sh inside them; easier to read inside `sh -c '…'`),
 * single-quoted otherwise.
 */
export function word(value: string | number): string {
  const text = String(value)
  if (PLAIN.test(text)) return text
  return PLAIN.test(text.replaceAll(' ', '_')) ? `"${text}"` : q(text)
}

/** `pct exec CTID -- sh -c 'SCRIPT'`: a pipeline run inside a guest, quoted as one word. */
export function shIn(guest: GuestRef, script: string): string {
  return `${guestWords(guest).run} sh -c ${q(script)}`
}

/** Runs a command inside the gateway's guest, for a hint: `pct exec 953 --` (the command follows). */
export function inGateway(inv: Inventory): string {
  return guestWords(guestOf(inv.gateway)).run
}

/** How to call the gateway's nginx and its unit, from the inventory (gateway.nginxConf, gateway.unit). */
export function gatewayWords(inv: Inventory): {nginx: string; unit: string; errorLog: string} {
  const g = inv.gateway
  return {nginx: g.nginxConf ? `nginx -c ${word(g.nginxConf)}` : 'nginx', unit: word(g.unit), errorLog: word(g.errorLog)}
}

/** Shows the lines of the gateway's whole config (nginx -T) that contain `text`, literally, with context. */
export function nginxShow(inv: Inventory, text: string, after = 8): string {
  return shIn(guestOf(inv.gateway), `${gatewayWords(inv).nginx} -T 2>/dev/null | grep -n -F${after ? ` -A${after}` : ''} -e ${word(text)}`)
}

/** Tests the gateway's config and reloads (or starts) nginx only when the test passes. */
export function nginxTestThen(inv: Inventory, action: 'reload' | 'start'): string {
  const {nginx, unit} = gatewayWords(inv)
  return shIn(guestOf(inv.gateway), `${nginx} -t && systemctl ${action} ${unit}`)
}

/** The last lines of the gateway's error log (gateway.errorLog). */
export function gatewayErrorLog(inv: Inventory, lines = 30): string {
  return `${inGateway(inv)} tail -n ${lines} ${gatewayWords(inv).errorLog}`
}

/** `systemctl status UNIT` for the gateway's nginx (gateway.unit). */
export function gatewayStatus(inv: Inventory): string {
  return `${inGateway(inv)} systemctl status ${gatewayWords(inv).unit} --no-pager`
}

/**
 * Whether an env var is set in this shell's environment (what phoenix, started from it, would
 * read), naming it in both answers. printenv sees only exported variables, as phoenix does.
 */
export function envIsSet(name: string): string {
  return `test -n "$(printenv ${word(name)})" && echo ${q(`${name} is set`)} || echo ${q(`${name} is empty or not exported`)}`
}

/** A guest's .fw file where this estate keeps them (proxmox.configDir; /etc/pve unless it says), quoted for a shell. */
export function fwFileOf(inv: Inventory, id: number): string {
  return word(`${inv.pveDir ?? '/etc/pve'}/firewall/${id}.fw`)
}
