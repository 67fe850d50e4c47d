import type {Inventory} from '../model/inventory.js'
import type {ExecResult} from '../model/ports.js'
import {createRunIo} from '../io/run-io.js'

/** Long enough for `pct start` or a unit's start job; a fix that takes longer has not worked. */
const FIX_TIMEOUT_MS = 60_000

/**
 * Runs a fix's command on the Proxmox host, exactly as it was shown for a person to paste: through
 * the same way in as the diagnosis (this machine, or SSH), with the same minimal environment.
 * Only `diag --fix` calls this, after the person confirmed (or passed --yes).
 */
export async function applyFix(inventory: Inventory, command: string, options: {acceptNewHostKey: boolean; signal?: AbortSignal}): Promise<ExecResult> {
  const io = await createRunIo(inventory, {acceptNewHostKey: options.acceptNewHostKey, deadlineMs: FIX_TIMEOUT_MS})
  try {
    return await io.host.exec(['sh', '-c', command], {timeoutMs: FIX_TIMEOUT_MS, maxOutput: 64 * 1024, ...(options.signal ? {signal: options.signal} : {})})
  } finally {
    await io.close()
  }
}
