import {q} from '../io/shell-words.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import type {GuestWords} from '../model/ports.js'
import type {Hint} from '../model/report.js'
import {ctApiScript} from './hint-ct-api.js'
import type {KeyFacts} from './services/kind.js'

/**
 * The names a hint needs for one service, spelled out once (src/verdict/hints.ts makes it): the
 * general hints of every cause and a kind module's own (ServiceKindModule.hints) both take it.
 */
export interface HintContext {
  s: ServiceDef
  /** How the service's guest and the gateway's are named and entered (`CT 954`, `pct exec 954 --`). */
  guest: GuestWords
  gwGuest: GuestWords
  ct: string
  gw: string
  /** `systemctl` or `docker` words for this service's runtime. */
  start: string
  logs: string
  route: string
  /** The service's health URL as the host reaches it, shell-quoted. */
  url: string
  /** How its kind sends the API key. */
  key: KeyFacts
}

/** The hints for one cause, for one service. */
export type HintMaker = (c: HintContext, inv: Inventory) => Hint[]

/**
 * GET an API path inside the CT (ctApiScript). `keyed`: with the service's key from its own
 * environment (Qdrant's QDRANT__SERVICE__API_KEY in api-key; vLLM's VLLM_API_KEY as a Bearer).
 */
export function ctApi(c: HintContext, path: string, keyed = false, pipe = ''): string {
  const {header, bearer, ownEnv} = c.key
  // A kind that names no env var of its own is asked for vLLM's (its Bearer key is the OpenAI-style one).
  const key = keyed ? {format: `${header}: ${bearer ? 'Bearer ' : ''}%s`, env: ownEnv ?? 'VLLM_API_KEY'} : undefined
  return `${c.ct} sh -c ${q(ctApiScript(c.s, path, key, pipe))}`
}

/** The service's systemd unit, or `fallback` when it runs otherwise. */
export function unitOr(c: HintContext, fallback: string): string {
  return c.s.runtime && 'systemd' in c.s.runtime ? c.s.runtime.systemd : fallback
}
