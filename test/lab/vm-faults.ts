import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {composeDir} from './real-docker.js'
import {waitListening} from './services.js'
import {vmById} from './topology.js'
import type {LabService, Vm} from './topology.js'
import {bootVm, qm, vmDir, vmExec, waitAgent} from './vms.js'

/** How the fault table's VM rows (faults.ts) break and mend a VM, its agent and its config. */

function vmOf(s: LabService): Vm {
  const vm = vmById(s.ctid)
  if (!vm) throw new Error(`${s.name} does not run in a VM`)
  return vm
}

export async function stopVm(s: LabService): Promise<void> {
  await qm(['stop', s.ctid])
}

/** Starts it again (its units and agent start at boot) and waits for the agent and the service. */
export async function startVm(s: LabService): Promise<void> {
  await bootVm(vmOf(s))
  await waitListening(s.ctid, s.port, '0.0.0.0', 60_000)
}

export async function stopAgent(s: LabService): Promise<void> {
  await vmExec(s.ctid, ['systemctl', 'stop', 'qemu-guest-agent'])
}

export async function startAgent(s: LabService): Promise<void> {
  await vmExec(s.ctid, ['systemctl', 'start', 'qemu-guest-agent'])
  await waitAgent(s.ctid)
}

/** `agent: 1` in the VM's qm.conf, or not there (a VM created without the option). */
export async function agentOption(s: LabService, on: boolean): Promise<void> {
  const file = join(vmDir(s.ctid), 'qm.conf')
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => !l.startsWith('agent:'))
  await writeFile(file, [...(on ? ['agent: 1'] : []), ...lines].join('\n'))
}

/** Where the hanging systemctl keeps its pids in the VM, so healing ends exactly those. */
const HANG_PIDS = '/run/phoenix-lab-hang.pids'

/** The tool phoenix's check script calls first for the service's runtime: systemctl, or docker. */
const hangingTool = (s: LabService) => (s.runtime === 'systemd' ? 'systemctl' : 'docker')

/**
 * That tool, first on the agent's PATH (/usr/local/bin), ignoring SIGTERM and sleeping: the
 * script's `timeout` sends TERM, which it ignores, so the script outlives qm's --timeout.
 */
export async function execHangs(s: LabService): Promise<void> {
  const wrapper = `#!/bin/sh\n# phoenix lab: the exec-timeout fault (test/lab/vm-faults.ts)\ntrap '' TERM\necho $$ >> ${HANG_PIDS}\nexec sleep 600\n`
  const tool = `/usr/local/bin/${hangingTool(s)}`
  await vmExec(s.ctid, ['sh', '-c', `cat > ${tool} && chmod 755 ${tool}`], wrapper)
}

export async function execHealed(s: LabService): Promise<void> {
  await vmExec(s.ctid, ['sh', '-c', `rm -f /usr/local/bin/${hangingTool(s)}; [ -f ${HANG_PIDS} ] && kill -KILL $(cat ${HANG_PIDS}) 2>/dev/null; rm -f ${HANG_PIDS}; true`])
}

/** `docker-compose -p PROJECT ACTION SERVICE` in the stack's folder in the VM, as its operator types it. */
export async function composeIn(s: LabService, action: 'stop' | 'start'): Promise<void> {
  if (!s.compose) throw new Error(`${s.name} is not a compose service`)
  const {project, service} = s.compose
  await vmExec(s.ctid, ['sh', '-c', `cd ${composeDir(project)} && docker-compose -p ${project} ${action} ${service}`])
}
