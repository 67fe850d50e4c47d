import {describe, expect, it} from 'vitest'

import {guestOf, guestWords, openGuest} from '../../src/io/guests/guests.js'
import {parsePctStatus} from '../../src/io/guests/pct.js'
import type {Shell} from '../../src/model/ports.js'
import {runRemoteBatch} from '../../src/run/remote-batch.js'
import {answered, recordingHost} from '../helpers/recording-host.js'

/**
 * The Proxmox host, as far as a guest transport sees it: a real local shell where `pct exec ID --
 * sh -s` is that `sh -s` (the CT is this machine) and `pct status ID` answers `state`; every argv
 * and stdin is kept, to show what the transport sends.
 */
function host(state: 'running' | 'stopped', enters = true) {
  return recordingHost(async (argv, options, local) => {
    if (argv[0] === 'pct' && argv[1] === 'status') return answered(`status: ${state}\n`)
    if (argv[0] === 'pct' && argv[1] === 'exec' && argv[3] === '--') return enters ? local.exec(argv.slice(4), options) : answered('', 1, `CT ${argv[2]} not running\n`)
    return undefined
  })
}

describe('guests: the pct transport behind the Guest port', () => {
  it('names a CT in pct words, for summaries and hints', () => {
    expect(guestWords(guestOf({guest: {kind: 'ct', id: 954}}))).toEqual({
      id: 954, label: 'CT 954', gate: 'ct', exec: 'pct exec', status: 'pct status', start: 'pct start', config: 'pct config', run: 'pct exec 954 --', unit: 'pve-container@954', stopped: 'container_stopped',
    })
  })

  it('runs the script as `pct exec ID -- sh -s` with the script on stdin, never in argv', async () => {
    const shell = host('running')
    const result = await openGuest({kind: 'ct', id: 954}, shell).exec('echo "in $((6 * 7))"; exit 0\n', {timeoutMs: 5000})
    expect(result).toMatchObject({ok: true, code: 0, stdout: 'in 42\n'})
    expect(shell.calls).toEqual([{argv: ['pct', 'exec', '954', '--', 'sh', '-s'], stdin: 'echo "in $((6 * 7))"; exit 0\n'}])
  })

  it('reads its state with `pct status ID`, and says why when it cannot', async () => {
    expect(await openGuest({kind: 'ct', id: 7}, host('stopped')).state({timeoutMs: 1000})).toEqual({kind: 'ct-status', state: 'stopped'})
    expect(parsePctStatus('Configuration file does not exist\n', 2)).toMatchObject({kind: 'unavailable', reason: 'exec_failed'})
    const down: Shell = {description: 'down', close: async () => {}, exec: async () => ({ok: false, reason: 'unreachable', message: 'ssh: no route', durationMs: 0})}
    expect(await openGuest({kind: 'ct', id: 7}, down).state({timeoutMs: 1000})).toEqual({kind: 'unavailable', reason: 'vantage_unreachable', message: 'ssh: no route'})
  })

  it('a batch that cannot get into a stopped CT fails its gate as container_stopped, in pct words', async () => {
    const spec = {service: 's', id: 'service.listen', layer: 'service' as const, vantage: {at: 'guest' as const, guest: guestOf({guest: {kind: 'ct', id: 954}})}, probe: {kind: 'listen' as const, port: 80}, judge: () => ({status: 'pass' as const, summary: ''})}
    const outcome = await runRemoteBatch([spec], spec.vantage, host('stopped', false), 3000, AbortSignal.timeout(10_000))
    expect(outcome.gate).toEqual({
      status: 'fail', summary: 'CT 954 is stopped (pct status)', finding: 'container_stopped',
      evidence: ['pct exec 954: CT 954 not running', 'pct status 954: status: stopped'],
    })
    expect(outcome.observations).toEqual([{kind: 'ct-status', state: 'stopped'}])
  })

  it('a batch that gets in passes its gate, saying how long pct exec took', async () => {
    const spec = {service: 's', id: 'service.listen', layer: 'service' as const, vantage: {at: 'guest' as const, guest: guestOf({guest: {kind: 'ct', id: 954}})}, probe: {kind: 'listen' as const, port: 80}, judge: () => ({status: 'pass' as const, summary: ''})}
    const outcome = await runRemoteBatch([spec], spec.vantage, host('running'), 3000, AbortSignal.timeout(10_000))
    expect(outcome.gate).toMatchObject({status: 'pass', summary: expect.stringMatching(/^CT 954 is running; pct exec answered in \d+ ms$/)})
  })
})
