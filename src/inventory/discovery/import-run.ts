import type {Document} from 'yaml'

import {UsageError} from '../errors.js'
import type {ProxmoxTarget} from '../../model/inventory.js'

/** `phoenix init --from FILE` (filled in by the import). */
export async function importDraft(_file: string, _target: ProxmoxTarget | undefined, _accept: boolean): Promise<{draft: Document; summary: string[]}> {
  throw new UsageError('--from is not supported yet')
}
