import {FAULTS} from './faults.js'
import type {Expected, Fault} from './faults.js'
import {activeFaults, down, fault, heal, setPctDelay, status, up} from './lab.js'
import {SERVICES} from './topology.js'

/**
 * `npm run lab -- up | down | status | faults | fault SERVICE FAULT | heal SERVICE | pct-delay MS`
 * The lab is the ground truth of phoenix's verdicts; see test/lab/topology.ts and faults.ts.
 */

const USAGE = `usage: npm run lab -- <command>
  up [--real]            build the lab (cleans leftovers first); prints the phoenix configs
                         --real: the systemd-kind services' CTs are real LXC containers booting systemd
  up --shape operators   the estate as the operators run it now (real CTs): nginx -> Traefik ->
                         ollama, qdrant, n8n, web by name, only Traefik admitted (PHOENIX_LAB_SHAPE=operators)
  up --real-n8n          the real-CT lab with the real n8n (npm's package, installed once) in CT 954
  down                   stop every lab process, delete its namespaces and state
  status                 CTs, units, containers and injected faults
  faults                 the fault table: each fault, what it does, the verdict it must produce
  fault SERVICE FAULT    inject a fault (services: ${SERVICES.map((s) => s.name).join(', ')}; a shared fault: any of them)
  heal SERVICE           undo every fault injected on SERVICE
  pct-delay MS           make every pct exec wait MS first (a real host's Perl + lxc-attach)`

/** The verdict a row expects, as `lab faults` lists it: the services', then the gateway target's. */
function expected(f: Fault): string {
  const one = (e: Expected) => `${e.layer ?? ''}${e.layer ? '/' : ''}${e.cause}${e.status && e.status !== 'fail' && e.cause !== 'healthy' ? ` (${e.status})` : ''}`
  return `${f.gateway ? 'services ' : ''}${one(f.expect)}${f.gateway ? `; gateway ${one(f.gateway)}` : ''}`
}

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, a, b] = argv
  switch (cmd) {
    case 'up': {
      const shape = a === '--shape' ? b : undefined
      if (a !== undefined && a !== '--real' && a !== '--real-n8n' && !(shape === 'operators' || shape === 'standard')) break
      const info = await up({real: a === '--real' || a === '--real-n8n' ? true : undefined, realN8n: a === '--real-n8n' ? true : undefined, shape: shape as 'operators' | 'standard' | undefined})
      console.log(`lab is up (state in ${info.state})`)
      console.log(`phoenix config, on the host:      ${info.configs.local}`)
      console.log(`phoenix config, on the admin box: ${info.configs.ssh}`)
      console.log(`run phoenix on the Proxmox host (pct is the lab's):\n  ${info.commands.local}`)
      console.log(`run phoenix on the admin machine, over SSH to the host:\n  ${info.commands.ssh}`)
      return 0
    }
    case 'down':
      await down()
      console.log('lab is down')
      return 0
    case 'status':
      for (const line of await status()) console.log(line)
      return 0
    case 'faults':
      for (const f of FAULTS) console.log(`${f.name.padEnd(26)} ${expected(f)}  ${f.does}  [${f.shared ? 'shared: any service' : f.appliesTo.join(', ')}]${f.args ? ` (phoenix ${f.args.join(' ')})` : ''}`)
      return 0
    case 'fault':
      if (!a || !b) break
      await fault(a, b)
      console.log(`injected ${b} on ${a}; now: ${JSON.stringify(await activeFaults())}`)
      return 0
    case 'heal': {
      if (!a) break
      const healed = await heal(a)
      console.log(healed.length ? `healed ${a}: ${healed.join(', ')}` : `${a} had no fault recorded`)
      return 0
    }
    case 'pct-delay':
      if (!a || !/^\d+$/.test(a)) break
      await setPctDelay(Number(a))
      console.log(`pct exec now waits ${a} ms`)
      return 0
  }
  console.error(USAGE)
  return 64
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`lab: ${error.message}`)
    process.exitCode = 1
  },
)
