import type {CheckSpec, Judgement} from './check-spec.js'
import type {Observation} from './probes.js'

/** What was observed for one spec, and how long it took. */
export interface Observed {
  spec: CheckSpec
  obs: Observation
  durationMs: number
}

/** A vantage's gate (did we get into the CT / onto the host), reported per service as a check. */
export interface GateResult {
  service: string
  id: string
  layer: CheckSpec['layer']
  judgement: Judgement
  durationMs: number
}

export interface Observations {
  observed: Observed[]
  gates: GateResult[]
}
