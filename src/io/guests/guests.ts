import type {Guest, GuestRef, GuestTransport, GuestWords, Shell} from '../../model/ports.js'
import {pct} from './pct.js'
import {qm} from './qm.js'

/** Every guest kind's transport: a new kind is its file and one line here (the mapped type asks for it). */
const TRANSPORTS: {[K in GuestRef['kind']]: GuestTransport} = {
  ct: pct,
  vm: qm,
}

/** The guest a service or the gateway lives in (the inventory's ctid: or vmid:). */
export function guestOf(def: {guest: GuestRef}): GuestRef {
  return def.guest
}

/** A guest as reports carry it, under the inventory's key: `{ctid: 954}` or `{vmid: 1002}`. */
export function guestIds(ref: GuestRef): {ctid: number} | {vmid: number} {
  return ref.kind === 'vm' ? {vmid: ref.id} : {ctid: ref.id}
}

/** The guest a report names (its ctid or vmid). */
export function guestOfIds(ids: {ctid?: number; vmid?: number}): GuestRef {
  return ids.vmid !== undefined ? {kind: 'vm', id: ids.vmid} : {kind: 'ct', id: ids.ctid ?? 0}
}

/** How a service or the gateway's guest is called: `CT 954`, `VM 1002`. */
export function guestLabel(def: {guest: GuestRef}): string {
  return guestWords(def.guest).label
}

/** How the guest's transport names it and the commands a hint prints for it (pure). */
export function guestWords(ref: GuestRef): GuestWords {
  return TRANSPORTS[ref.kind].words(ref.id)
}

/** The guest, entered through the Proxmox host's shell. */
export function openGuest(ref: GuestRef, host: Shell): Guest {
  return TRANSPORTS[ref.kind].open(host, ref.id)
}
