import type {ClusterDef, NodeShells} from '../../model/cluster.js'
import type {ProxmoxTarget} from '../../model/inventory.js'
import type {Shell} from '../../model/ports.js'

/** How a node's shell is made: this machine's, or one SSH connection (run-io.ts passes both makers). */
export type ShellMaker = (target: ProxmoxTarget) => Shell

/**
 * One shell per node, made when first asked for and connecting on its first exec, so only nodes
 * with work get a connection. Each names its node in every message (`node pve2 (ssh root@...)`):
 * a node out of reach is a blind spot called by its name.
 */
export function createNodeShells(def: ClusterDef, make: ShellMaker): NodeShells {
  const shells = new Map<string, Shell>()
  const targets = new Map<string, ProxmoxTarget>()
  const named = (name: string, target: ProxmoxTarget, inner = make(target)) => {
    const shell = nodeShell(name, inner)
    shells.set(name, shell)
    targets.set(name, target)
    return shell
  }
  const made: Shell[] = []
  let candidates: Shell[]
  let ask: Shell | undefined
  if (def.form === 'nodes') {
    // The node phoenix runs on answers without a connection; then the inventory's order.
    const order = [...def.nodes].sort((a, b) => Number(b.target.mode === 'local') - Number(a.target.mode === 'local'))
    candidates = order.map((n) => named(n.name, n.target))
  } else {
    ask = make(def.node)
    made.push(ask)
    candidates = [ask]
  }
  return {
    candidates,
    learn(view, answered) {
      if (def.form === 'nodes' || answered !== ask || !view.asked) return
      named(view.asked, def.node, ask)
      for (const n of view.nodes) if (n.name !== view.asked && !targets.has(n.name)) targets.set(n.name, {mode: 'ssh', host: n.ip ?? n.name, ...def.ssh})
    },
    shell(node) {
      const known = shells.get(node)
      if (known) return known
      const target = targets.get(node)
      return target ? named(node, target) : undefined
    },
    isLocal: (node) => targets.get(node)?.mode === 'local',
    close: async () => {
      await Promise.all([...new Set([...shells.values(), ...made])].map((s) => s.close()))
    },
  }
}

/** The same shell, its messages naming the node. */
function nodeShell(name: string, inner: Shell): Shell {
  const description = `node ${name} (${inner.description})`
  return {
    description,
    node: name,
    ...(inner.parallel === undefined ? {} : {parallel: inner.parallel}),
    exec: async (argv, options) => {
      const result = await inner.exec(argv, options)
      return result.ok || result.message.startsWith(description) ? result : {...result, message: `node ${name}: ${result.message}`}
    },
    close: () => inner.close(),
  }
}

