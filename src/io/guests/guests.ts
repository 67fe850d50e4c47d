import type {Guest, GuestRef, GuestTransport, GuestWords, Shell} from '../../model/ports.js'
import {pct} from './pct.js'

/** Every guest kind's transport: a new kind is its file and one line here (the mapped type asks for it). */
const TRANSPORTS: {[K in GuestRef['kind']]: GuestTransport} = {
  ct: pct,
}

/** The guest a service or the gateway lives in, from the inventory's id for it. */
export function guestOf(def: {ctid: number}): GuestRef {
  return {kind: 'ct', id: def.ctid}
}

/** How the guest's transport names it and the commands a hint prints for it (pure). */
export function guestWords(ref: GuestRef): GuestWords {
  return TRANSPORTS[ref.kind].words(ref.id)
}

/** The guest, entered through the Proxmox host's shell. */
export function openGuest(ref: GuestRef, host: Shell): Guest {
  return TRANSPORTS[ref.kind].open(host, ref.id)
}
