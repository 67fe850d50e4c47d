import {UsageError} from '../../inventory/errors.js'
import type {ProxmoxTarget} from '../../model/inventory.js'
import {coverCluster} from './cluster-discovery.js'
import {discoverNode} from './discover.js'
import type {Estate} from '../../inventory/discovery/estate.js'
import {draftDocument} from '../../inventory/discovery/draft.js'
import type {HostSection} from '../../inventory/discovery/draft.js'

/** The `proxmox:` section that reaches this target again. */
export function proxmoxSection(target: ProxmoxTarget): HostSection {
  if (target.mode === 'local') return {host: 'local'}
  return {host: target.host, port: target.port, user: target.user, ...(target.identityFile ? {identityFile: target.identityFile} : {}), knownHosts: target.knownHosts}
}

/** Reads the estate through the host (this machine, or one SSH connection), and always closes it. */
export async function discover(target: ProxmoxTarget, acceptNewHostKey: boolean): Promise<Estate> {
  const {createNetIo} = await import('../../io/net-io.js')
  const net = createNetIo()
  const get = (url: string) => net.http({kind: 'http', url}, 3000)
  let host
  if (target.mode === 'local') host = (await import('../../io/local-shell.js')).createLocalShell()
  else host = (await import('../../io/ssh-shell.js')).createSshShell(target, {acceptNewHostKey, connectTimeoutMs: 10_000})
  try {
    const node = await discoverNode(host, get)
    // A node of a cluster: every node with guests is read too (issue 15).
    const {createSshShell} = await import('../../io/ssh-shell.js')
    return await coverCluster(node, host, target, async (t) => createSshShell(t as Extract<ProxmoxTarget, {mode: 'ssh'}>, {acceptNewHostKey, connectTimeoutMs: 10_000}), get)
  } catch (error) {
    throw new UsageError(`cannot discover the estate: ${(error as Error).message}`)
  } finally {
    await host.close()
  }
}

/** The draft inventory of a discovered estate. */
export function estateDraft(estate: Estate, target: ProxmoxTarget) {
  const section = proxmoxSection(target)
  return draftDocument(estate, estate.cluster ? {cluster: section} : section, target.mode === 'local' ? 'this Proxmox host' : `${target.user}@${target.host}`)
}
