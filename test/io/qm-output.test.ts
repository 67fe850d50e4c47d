import {describe, expect, it} from 'vitest'

import {agentEnabled, parseQmExec, qmExecArgv, vmGate} from '../../src/io/guests/qm-output.js'

/** What qm.pm prints (Perl's to_json pretty canonical), as the lab's qm prints it against the real agent (test/lab/vm.test.ts). */
const EXITED = '{\n   "err-data" : "err\\n",\n   "err-truncated" : 0,\n   "exitcode" : 3,\n   "exited" : 1,\n   "out-data" : "out 0\\n",\n   "out-truncated" : 0\n}\n'

describe('qm output', () => {
  it('runs sh -s with the script on stdin and a --timeout in whole seconds', () => {
    expect(qmExecArgv(1002, 6000)).toEqual(['qm', 'guest', 'exec', '1002', '--pass-stdin', '1', '--timeout', '6', '--', 'sh', '-s'])
    expect(qmExecArgv(1002, 5500)[7]).toBe('6')
  })

  it('an exited script: its exit code and output, whatever qm\'s own exit (0)', () => {
    expect(parseQmExec(0, EXITED, '', 1024)).toEqual({kind: 'exited', exitcode: 3, stdout: 'out 0\n', stderr: 'err\n'})
  })

  it('UTF-8 that Perl encoded twice comes back as the guest wrote it, and is capped in bytes', () => {
    const twice = JSON.stringify({exitcode: 0, exited: 1, 'out-data': Buffer.from('é ok\n', 'utf8').toString('latin1')})
    expect(parseQmExec(0, twice, '', 1024)).toMatchObject({stdout: 'é ok\n'})
    expect(parseQmExec(0, twice, '', 2)).toMatchObject({stdout: 'é'})
  })

  it('past --timeout: the pid; refused: qm\'s message; garbage: no JSON', () => {
    expect(parseQmExec(0, '{\n   "pid" : 170\n}\n', 'timeout reached, returning pid\n', 1024)).toEqual({kind: 'timed_out', pid: 170})
    expect(parseQmExec(255, '', 'QEMU guest agent is not running\n', 1024)).toEqual({kind: 'failed', message: 'QEMU guest agent is not running'})
    expect(parseQmExec(0, 'Use of uninitialized value', '', 1024)).toMatchObject({kind: 'failed'})
  })

  it('reads the agent option as Agent.pm does: enabled is its default key', () => {
    expect(agentEnabled('boot: order=scsi0\nagent: 1\ncores: 4\n')).toBe(true)
    expect(agentEnabled('agent: enabled=1,fstrim_cloned_disks=1\n')).toBe(true)
    expect(agentEnabled('agent: fstrim_cloned_disks=1,enabled=1\n')).toBe(true)
    expect(agentEnabled('agent: 0\n')).toBe(false)
    expect(agentEnabled('agent: enabled=0,type=virtio\n')).toBe(false)
    expect(agentEnabled('cores: 4\n')).toBe(false)
  })

  it('tells a stopped VM, an agent not enabled and an agent not answering apart', () => {
    expect(vmGate('VM 1002 is not running', 'status: stopped\n', undefined)).toBe('vm_stopped')
    expect(vmGate('No QEMU guest agent configured', 'status: running\n', 'cores: 4\n')).toBe('agent_not_enabled')
    // agent: 0 passes qm's first check and fails the ping: the config tells.
    expect(vmGate('QEMU guest agent is not running', 'status: running\n', 'agent: 0\n')).toBe('agent_not_enabled')
    expect(vmGate('QEMU guest agent is not running', 'status: running\n', 'agent: 1\n')).toBe('agent_not_responding')
    expect(vmGate("Configuration file 'nodes/pve/qemu-server/1003.conf' does not exist", undefined, undefined)).toBe('unreachable')
  })
})
