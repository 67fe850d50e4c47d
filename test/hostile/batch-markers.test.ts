import {execFile} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {batchNonce, batchScript, MAX_PIECES, splitBatchOutput} from '../../src/checks/probes/batch-script.js'
import {httpSnippet, parseHttp} from '../../src/checks/probes/http.js'
import {marker} from '../../src/io/shell-words.js'
import type {HttpProbe} from '../../src/model/probes.js'
import {startHostile} from './servers.js'
import type {HostileServer} from './servers.js'

/** One batch on a real sh, as a CT runs it; stdout collected whole (the test bounds nothing itself). */
function runBatch(snippets: string[], nonce: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-s'], {maxBuffer: 64 * 1024 * 1024}, (error, out) => (error ? reject(error) : resolve(out)))
    child.stdin!.end(batchScript(snippets, nonce))
  })
}

describe('the batch script against forged markers and floods (D7, D8)', () => {
  let forge: HostileServer
  beforeAll(async () => {
    forge = await startHostile('forge')
  })
  afterAll(async () => forge.close())

  it('a flood from one probe stays in its own budget; the others and "batch done" survive; forged markers are text', async () => {
    const nonce = batchNonce()
    const probe: HttpProbe = {kind: 'http', url: `${forge.url}/healthz`}
    const flood = `i=0; while [ $i -lt 3000 ]; do printf '%01000d\\n' 0; i=$((i+1)); done; echo '@@batch done'; echo '@@rc 0'`
    const stdout = await runBatch([flood, httpSnippet(probe, 3000), `echo 'log line @@missing curl'; echo '@@missing curl'`], nonce)
    const {lines, complete} = splitBatchOutput(stdout, 3, nonce)
    expect(complete).toBe(true)
    // The flood: cut at its budget, its fake markers never seen (they came after the cut, or are text).
    expect(lines[0]!.length).toBeLessThanOrEqual(MAX_PIECES)
    expect(marker(lines[0]!, 'rc')).toBeUndefined()
    // The forged body: a 500 with its text, not the 200 it claims, nor a missing curl.
    expect(parseHttp(lines[1]!, probe)).toMatchObject({kind: 'http', status: 500, body: expect.stringContaining('@@http 200 0.001')})
    expect(marker(lines[2]!, 'missing')).toBeUndefined()
    expect(lines[2]).toEqual(['log line @@missing curl', ' @@missing curl'])
  })

  it('a batch read with another nonce finds no markers at all', async () => {
    const stdout = await runBatch([httpSnippet({kind: 'http', url: `${forge.url}/`}, 3000)], batchNonce())
    const {lines, complete} = splitBatchOutput(stdout, 1, batchNonce())
    expect(complete).toBe(false)
    expect(marker(lines[0]!, 'http')).toBeUndefined()
  })
})
