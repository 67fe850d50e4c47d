import {must, run, waitUntil} from './proc.js'
import {ctExec, rerunService, waitListening, waitNotListening} from './services.js'
import type {EmulatorOptions} from './services.js'
import {freezeScript, isRealN8n} from './real-n8n.js'
import {ctById, GATEWAY_CTID, HOST} from './topology.js'
import type {LabService} from './topology.js'

/** How the fault table's rows break and mend things that need more than one call. */

/** Restarts the emulator with a fault's options and waits for it to listen as they say. */
export async function restartWith(s: LabService, o: EmulatorOptions): Promise<void> {
  await rerunService(s, o)
  await waitListening(s.ctid, o.port ?? s.port, o.host)
  // The real n8n has no hang switch: once it answers, it is frozen (SIGSTOP), a process stuck for real.
  if (o.fault === 'hang' && isRealN8n(s)) await ctExec(s.ctid, ['sh', '-c', freezeScript(s.unit)])
}

/** Restarts the emulator healthy and waits for it to listen on every address again. */
export async function restore(s: LabService): Promise<void> {
  await rerunService(s)
  await waitListening(s.ctid, s.port, '0.0.0.0')
}

/**
 * nft in a CT's own namespace: a table the lab owns, so healing is deleting it. The rules filter
 * what comes in for the CT (input) and what its dockerd forwards to a published container (-p is a
 * DNAT, so that traffic never reaches input); docker0's own traffic (a container's answers to
 * docker-proxy) passes, as it never crosses the CT's firewall.
 */
export async function firewall(s: Pick<LabService, 'ctid'>, rules: string): Promise<void> {
  const chain = (name: string) => `  chain ${name} {\n    type filter hook ${name} priority 0; policy accept;\n    iifname "docker0" accept\n    ${rules}\n  }\n`
  const table = `table inet phoenix_lab {\n${chain('input')}${chain('forward')}}\n`
  await must(['ip', 'netns', 'exec', ctById(s.ctid).ns, 'nft', '-f', '-'], {input: `add table inet phoenix_lab\ndelete table inet phoenix_lab\n${table}`})
}

export async function clearFirewall(s: Pick<LabService, 'ctid'>): Promise<void> {
  await must(['ip', 'netns', 'exec', ctById(s.ctid).ns, 'nft', '-f', '-'], {input: 'add table inet phoenix_lab\ndelete table inet phoenix_lab\n'})
}

export async function startNginx(): Promise<void> {
  await ctExec(GATEWAY_CTID, ['systemctl', 'start', 'nginx'])
  await waitListening(GATEWAY_CTID, 80, '0.0.0.0')
}

/** Stops nginx and waits until its port is closed, so the row observes a stopped gateway, not one
 * half-way through shutting down. */
export async function stopNginx(): Promise<void> {
  await ctExec(GATEWAY_CTID, ['systemctl', 'stop', 'nginx'])
  await waitNotListening(GATEWAY_CTID, 80)
  // And as a client sees it: a connection from the host is refused, not accepted and then reset
  // (a CI run's probes were reset on connect just after `ss` showed no listener: the row is about a
  // stopped gateway, so it starts only once the port refuses; curl exits 7 on a refusal).
  const url = `http://${ctById(GATEWAY_CTID).address}:80/`
  await waitUntil('the gateway port refusing connections from the host', async () => (await run(['ip', 'netns', 'exec', HOST.ns, 'curl', '-sS', '--max-time', '2', '-o', '/dev/null', url])).code === 7, 30_000, 200)
}
