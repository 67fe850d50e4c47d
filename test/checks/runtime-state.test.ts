import {describe, expect, it} from 'vitest'

import {containerRunning, unitActive} from '../../src/checks/expectations/runtime.js'
import {parseContainer} from '../../src/checks/probes/container.js'

/**
 * A container's state as real docker (20.10, Debian's docker.io in a real CT) prints it for the
 * probe's `docker inspect -f FORMAT` (real-systemd-findings.md, D2/D2b): a `docker stop` is exit 137
 * (PID 1 ignores SIGTERM, killed after the grace period) or 143 (tini forwards the TERM), with
 * OOMKilled false; only OOMKilled true makes a 137 the kernel's OOM kill.
 */
function verdict(inspect: string) {
  const obs = parseContainer([inspect, '@@logs', 'open-webui: serving on 0.0.0.0:8080', '@@end'])
  const j = containerRunning('open-webui')(obs, new Map())
  return {status: j.status, finding: j.finding, summary: j.summary}
}

describe('a container stopped, killed or crashed, from docker inspect', () => {
  it.each([
    ['exited 0 0 false', 'service_down', /exited \(exit 0\)/],
    ['exited 0 137 false', 'service_down', /exit 137: SIGKILL, stopped by docker stop after its grace period or docker kill/],
    ['exited 0 143 false', 'service_down', /exit 143: SIGTERM, stopped by docker stop/],
    ['exited 0 137 true', 'service_oom', /OOM killer \(exit 137\)/],
    ['exited 3 1 false', 'service_crashed', /exit 1\)$/],
    ['exited 0 139 false', 'service_crashed', /exit 139\)$/],
    ['restarting 5 2 false', 'service_crashed', /crash loop/],
  ])('%s is %s', (inspect, finding, summary) => {
    const v = verdict(inspect)
    expect(v.status).toBe('fail')
    expect(v.finding).toBe(finding)
    expect(v.summary).toMatch(summary)
  })

  it('reads the older three-field answer (no OOMKilled) as before', () => {
    expect(verdict('exited 0 1').finding).toBe('service_crashed')
    expect(verdict('running 0 0').status).toBe('pass')
  })
})

describe('a unit that systemd restarted', () => {
  // real-systemd-findings S4d: `MainPID=457 NRestarts=1 LoadState=loaded ActiveState=active SubState=running`.
  const judge = (restarts: number) => unitActive('demo')({kind: 'unit', active: 'active', sub: 'running', mainPid: 457, restarts, logs: ['demo: fatal: cannot open /etc/demo.conf']}, new Map())

  it('warns with its journal while it runs again (a crash loop caught running)', () => {
    expect(judge(1)).toEqual({status: 'warn', finding: 'service_restarting', summary: 'unit demo is active (running), pid 457, but systemd restarted it 1 times', evidence: ['demo: fatal: cannot open /etc/demo.conf']})
  })

  it('passes when it never restarted since it was started', () => {
    expect(judge(0)).toEqual({status: 'pass', summary: 'unit demo is active (running), pid 457'})
  })
})
