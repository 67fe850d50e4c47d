import {PhoenixCommand} from '../../cli/base-command.js'
import {parseDuration} from '../../cli/duration.js'
import {gatewayReadFlags} from '../../cli/flags.js'
import {readGatewayRoutes} from '../../run/gateway-routes.js'
import type {RoutesReport} from '../../run/gateway-routes.js'
import {EXIT} from '../../model/status.js'
import {loadInventory} from '../../inventory/load.js'
import {formatRoutes} from '../../output/routes-table.js'

export default class GatewayRoutes extends PhoenixCommand {
  static override summary = 'The gateway\'s routes as nginx loaded them, lined up with the inventory.'
  static override description = `Reads nginx -T inside the gateway CT (one pct exec), parses it into a route table (server, location,
upstream and its servers, WebSocket headers) and says which inventory service each route serves and
whether it matches the service's address, port and path. Read-only.

EXIT CODES
  0   every inventory route matches
  1   a route does not match (or a service has no route)
  2   nginx -t fails
  3   the gateway CT could not be read
  64  usage or config error`

  static override examples = ['<%= config.bin %> gateway routes', '<%= config.bin %> gateway routes --json']
  static override flags = gatewayReadFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(GatewayRoutes)
    const inventory = loadInventory(flags.config)
    const report = await readGatewayRoutes(inventory, {timeoutMs: parseDuration(flags.timeout, 'timeout'), acceptNewHostKey: flags['accept-new-host-key']})
    await this.print(report, () => formatRoutes(report, this.colour))
    const code = exitCode(report)
    if (code !== 0) this.exit(code)
  }
}

function exitCode(report: RoutesReport): number {
  if (report.unread) return EXIT.unknown
  if (!report.test.ok) return EXIT.critical
  const mismatched = report.unrouted.length > 0 || report.routes.some((r) => r.match && r.match.status !== 'pass')
  return mismatched ? EXIT.warning : EXIT.ok
}
