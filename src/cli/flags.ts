import {Flags} from '@oclif/core'

import {LAYERS} from '../model/status.js'

/** Flags every diagnosing command shares. */
export const runFlags = {
  config: Flags.string({char: 'c', description: 'Inventory file (else $PHOENIX_CONFIG, ./phoenix.yaml, ~/.config/phoenix/config.yaml, else what pct sees on this Proxmox host).', helpValue: 'FILE'}),
  timeout: Flags.string({description: 'Per-probe timeout (500ms, 5s; a bare number is seconds).', default: '5s', helpValue: 'DURATION'}),
  deadline: Flags.string({description: 'Deadline for the whole run.', default: '20s', helpValue: 'DURATION'}),
  concurrency: Flags.integer({description: 'Most probes (or remote batches) at work at once; a probe still waiting after 0.5 s waits aside without its slot (up to 8x as many, within the open-file limit).', default: 64, min: 1, max: 1024}),
  layer: Flags.string({description: 'Only these layers (repeatable). Without SSH to the host, --layer client still works.', options: [...LAYERS], multiple: true}),
  'accept-new-host-key': Flags.boolean({description: 'Over SSH: accept an unknown host key and record it in proxmox.knownHosts (a changed key is never accepted).', default: false}),
}

/** Flags of the commands that read the gateway's config once (`audit`, `gateway routes`). */
export const gatewayReadFlags = {
  config: Flags.string({char: 'c', description: 'Inventory file (else $PHOENIX_CONFIG, ./phoenix.yaml, ~/.config/phoenix/config.yaml; phoenix init writes one).', helpValue: 'FILE'}),
  timeout: Flags.string({description: 'Timeout for reading the config (and, for audit, for each request).', default: '10s', helpValue: 'DURATION'}),
  'accept-new-host-key': runFlags['accept-new-host-key'],
}

/** `--wait` of `check` and `diag`: for the minutes after a fix. */
export const waitFlag = Flags.string({description: "Rerun until nothing is critical or unknown, or DURATION ends (at most 1h), showing only what changed; the exit code is the last run's.", helpValue: 'DURATION'})
