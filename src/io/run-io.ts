import type {RunIo} from '../model/ports.js'
import type {Inventory} from '../model/inventory.js'
import {createNodeShells} from './cluster/node-shells.js'
import {createLocalShell} from './local-shell.js'
import {createNetIo} from './net-io.js'
import {openFileLimit} from './open-files.js'

/** Options a user can set for the IO of a run. */
export interface RunIoOptions {
  acceptNewHostKey: boolean
  /** The run's deadline: connecting to the host may not take longer than the whole run. */
  deadlineMs: number
}

/**
 * The IO of one run, built once: the native network probes, and the one way to the Proxmox host
 * (this machine, or one SSH connection reused by every remote call of the run).
 */
export async function createRunIo(inventory: Inventory, options: RunIoOptions): Promise<RunIo & {close(): Promise<void>}> {
  const net = createNetIo()
  const openFiles = await openFileLimit()
  const limits = openFiles === undefined ? {} : {openFiles}
  // A cluster (issue 15): a shell per node, each connecting on its first exec; `host` is the first node's.
  if (inventory.cluster) {
    const {createSshShell} = await import('./ssh-shell.js')
    const ssh = {acceptNewHostKey: options.acceptNewHostKey, connectTimeoutMs: Math.min(10_000, options.deadlineMs)}
    const nodes = createNodeShells(inventory.cluster, (target) => (target.mode === 'local' ? createLocalShell() : createSshShell(target, ssh)))
    const host = nodes.candidates[0]!
    return {net, host, hostIsLocal: inventory.proxmox.mode === 'local', nodes, ...limits, close: () => nodes.close()}
  }
  if (inventory.proxmox.mode === 'local') {
    const host = createLocalShell()
    return {net, host, hostIsLocal: true, ...limits, close: () => host.close()}
  }
  // ssh2 loads native crypto: imported only when a run goes over SSH.
  const {createSshShell} = await import('./ssh-shell.js')
  const host = createSshShell(inventory.proxmox, {acceptNewHostKey: options.acceptNewHostKey, connectTimeoutMs: Math.min(10_000, options.deadlineMs)})
  return {net, host, hostIsLocal: false, ...limits, close: () => host.close()}
}
