import {Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import {loadInventory} from '../inventory/load.js'
import type {Inventory} from '../model/inventory.js'
import {formatServices} from '../output/services-table.js'

export default class Services extends PhoenixCommand {
  static override summary = 'Show the inventory as a table. Sends nothing over the network.'
  static override examples = ['<%= config.bin %> services', '<%= config.bin %> services --config lab.yaml --json']
  static override flags = {
    config: Flags.string({char: 'c', description: 'Inventory file (else $PHOENIX_CONFIG, ./phoenix.yaml, ~/.config/phoenix/config.yaml; phoenix init writes one).', helpValue: 'FILE'}),
  }

  async run(): Promise<Inventory> {
    const {flags} = await this.parse(Services)
    const inventory = loadInventory(flags.config)
    if (!this.jsonEnabled()) this.log(formatServices(inventory, this.colour))
    return inventory
  }
}
