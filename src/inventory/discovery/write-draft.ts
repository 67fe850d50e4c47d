import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {Document} from 'yaml'

import {DEFAULT_TOPOLOGY} from '../default-topology.js'
import {UsageError} from '../errors.js'
import {parseInventory} from '../load.js'
import {draftText, mergeDraft} from './draft.js'

/** The seed topology (`phoenix init --example`): an estate to copy from, not anyone's own. */
export function exampleDocument(): Document {
  const doc = new Document(structuredClone(DEFAULT_TOPOLOGY))
  doc.commentBefore = [
    ' phoenix inventory: an EXAMPLE (the estate phoenix was first written for, CTs 950-957 on 10.0.0.150-157).',
    ' Change every ctid, address, port and route to your own; keys go in env vars named by apiKeyEnv.',
  ].join('\n')
  return doc
}

export interface WriteOutcome {
  file: string
  action: 'written' | 'merged' | 'unchanged'
  added: string[]
  /** Why the file does not load yet (a TODO left, no gateway found), or nothing when it does. */
  problem?: string
}

/** Writes the draft to `file`: new, or merged into the user's (`merge`), or replacing it (`force`). */
export function writeDraft(file: string, draft: Document, mode: {merge: boolean; force: boolean}): WriteOutcome {
  const exists = existsSync(file)
  if (exists && !mode.merge && !mode.force) {
    throw new UsageError(`${file} exists; phoenix init never overwrites it\n  fix: --merge adds what is new and keeps your edits, --force replaces it, --dry-run prints the draft`)
  }
  let text = draftText(draft)
  let added: string[] = []
  let action: WriteOutcome['action'] = 'written'
  if (exists && mode.merge) {
    const before = readFileSync(file, 'utf8')
    try {
      ;({text, added} = mergeDraft(before, draft))
    } catch (error) {
      throw new UsageError(`${file}: cannot merge into it: ${(error as Error).message}\n  fix: fix the file, or --force to replace it with the draft`)
    }
    action = added.length ? 'merged' : 'unchanged'
  }
  if (action !== 'unchanged') {
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`)
    writeFileSync(temp, text, {mode: 0o644})
    renameSync(temp, file)
  }
  return {file, action, added, ...problemOf(text, file)}
}

/** Whether the text loads as an inventory: the draft may still have TODOs. */
export function problemOf(text: string, file: string): {problem?: string} {
  try {
    parseInventory(text, file)
    return {}
  } catch (error) {
    return {problem: (error as Error).message}
  }
}
