import {describe, expect, it} from 'vitest'

import {guestWords} from '../../src/io/guests/guests.js'
import {runRemoteBatch} from '../../src/run/remote-batch.js'
import {answered, recordingHost} from '../helpers/recording-host.js'

/**
 * The qm transport behind the Guest port. The Proxmox host here is a real local shell where `qm
 * guest exec ID ... -- sh -s` runs that `sh -s` and answers as qm.pm prints (Perl's pretty JSON,
 * exit 0), or refuses as Agent.pm does; `qm status` and `qm config` answer `vm`. The lab drives the
 * real agent (test/lab/vm.test.ts, the fault matrix's VM rows); this shows argv, stdin and each gate.
 */
type Vm = {status: 'running' | 'stopped'; config: string; refuse?: string; pid?: number}

function host(vm: Vm) {
  return recordingHost(async (argv, options, local) => {
    if (argv[0] !== 'qm') return undefined
    if (argv[1] === 'status') return answered(`status: ${vm.status}\n`)
    if (argv[1] === 'config') return answered(vm.config)
    if (vm.refuse) return answered('', 255, `${vm.refuse}\n`)
    if (vm.pid) return answered(`{\n   "pid" : ${vm.pid}\n}\n`, 0, 'timeout reached, returning pid\n')
    const r = await local.exec(argv.slice(argv.indexOf('--') + 1), options)
    if (!r.ok) return r
    return answered(`{\n   "exitcode" : ${r.code},\n   "exited" : 1,\n   "out-data" : ${JSON.stringify(Buffer.from(r.stdout, 'utf8').toString('latin1'))}\n}\n`)
  })
}

const spec = {service: 's', id: 'service.listen', layer: 'service' as const, vantage: {at: 'guest' as const, guest: {kind: 'vm' as const, id: 1002}}, probe: {kind: 'listen' as const, port: 80}, judge: () => ({status: 'pass' as const, summary: ''})}
const batch = (vm: Vm) => runRemoteBatch([spec], spec.vantage, host(vm), 3000, AbortSignal.timeout(10_000))

describe('guests: the qm transport (a VM through its QEMU guest agent)', () => {
  it('names a VM in qm words', () => {
    expect(guestWords({kind: 'vm', id: 1002})).toEqual({
      id: 1002, label: 'VM 1002', gate: 'vm', exec: 'qm guest exec', status: 'qm status', start: 'qm start', config: 'qm config', run: 'qm guest exec 1002 --', unit: '1002.scope', stopped: 'vm_stopped',
    })
  })

  it('runs the layer\'s script as `qm guest exec ID --pass-stdin 1 --timeout N -- sh -s`, on stdin, and reads its JSON', async () => {
    const shell = host({status: 'running', config: 'agent: 1\n'})
    const outcome = await runRemoteBatch([spec], spec.vantage, shell, 3000, AbortSignal.timeout(10_000))
    expect(outcome.gate).toMatchObject({status: 'pass', summary: expect.stringMatching(/^VM 1002 is running; qm guest exec answered in \d+ ms$/)})
    expect(outcome.observations[0]).toMatchObject({kind: 'listen'})
    expect(shell.calls.map((c) => c.argv)).toEqual([['qm', 'guest', 'exec', '1002', '--pass-stdin', '1', '--timeout', '6', '--', 'sh', '-s']])
    expect(shell.calls[0]!.stdin).toMatch(/batch done/)
  })

  it('a stopped VM fails its gate as vm_stopped, with qm\'s words and qm status', async () => {
    const outcome = await batch({status: 'stopped', config: 'agent: 1\n', refuse: 'VM 1002 is not running'})
    expect(outcome.gate).toEqual({
      status: 'fail', summary: 'VM 1002 is stopped (qm status)', finding: 'vm_stopped',
      evidence: ['qm guest exec 1002: VM 1002 is not running', 'qm status 1002: status: stopped'],
    })
  })

  it('a running VM whose agent is off or not enabled is unknown, never the service\'s fault', async () => {
    const silent = await batch({status: 'running', config: 'agent: 1\n', refuse: 'QEMU guest agent is not running'})
    expect(silent.gate).toMatchObject({status: 'unknown', finding: 'agent_not_responding', evidence: ['qm guest exec 1002: QEMU guest agent is not running', 'qm status 1002: status: running', 'qm config 1002: agent: 1']})
    const off = await batch({status: 'running', config: 'agent: 0\n', refuse: 'QEMU guest agent is not running'})
    expect(off.gate).toMatchObject({status: 'unknown', finding: 'agent_not_enabled'})
    const none = await batch({status: 'running', config: 'cores: 4\n', refuse: 'No QEMU guest agent configured'})
    expect(none.gate).toMatchObject({status: 'unknown', finding: 'agent_not_enabled', evidence: expect.arrayContaining(['qm config 1002: agent: (not set)'])})
  })

  it('a script past qm\'s --timeout is exec_timed_out, with the command that follows its pid', async () => {
    const outcome = await batch({status: 'running', config: 'agent: 1\n', pid: 4242})
    expect(outcome.gate).toMatchObject({status: 'unknown', finding: 'exec_timed_out', hints: [{command: 'qm guest exec-status 1002 4242'}]})
  })
})
