import {Chalk} from 'chalk'
import type {ChalkInstance} from 'chalk'

import type {Status} from '../model/status.js'

/** Colours and symbols for one output; plain when colour is off (piped, NO_COLOR). */
export interface Style {
  c: ChalkInstance
  status(status: Status): string
  icon(status: Status): string
}

const ICONS: Record<Status, string> = {pass: '✔', warn: '!', fail: '✖', skip: '-', unknown: '?'}

/** The style for an output that is, or is not, coloured. */
export function makeStyle(colour: boolean): Style {
  const c = new Chalk({level: colour ? 1 : 0})
  const paint: Record<Status, (s: string) => string> = {pass: c.green, warn: c.yellow, fail: c.red, skip: c.gray, unknown: c.magenta}
  return {
    c,
    status: (s) => paint[s](s.padEnd(7)),
    icon: (s) => paint[s](ICONS[s]),
  }
}

/** `1234` → `1.2 s`, `87` → `87 ms`. */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`
}
