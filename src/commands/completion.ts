import {Args, Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import {completionScript, SHELLS} from '../cli/completion-script.js'
import type {CompletedCommand, Shell} from '../cli/completion-script.js'
import {findConfigFile} from '../inventory/load.js'
import {readInventoryQuietly} from '../inventory/quiet-read.js'

export default class Completion extends PhoenixCommand {
  static override summary = 'Print a shell completion script (commands, flags, and service names from the inventory).'
  static override description = `Load it in the current shell, or install it for every new one:
  source <(phoenix completion bash)
  phoenix completion bash > /etc/bash_completion.d/phoenix
Service names are read from the inventory when you press Tab (the --config on the line, else the usual search).`

  static override examples = ['<%= config.bin %> completion bash', 'source <(<%= config.bin %> completion bash)']
  static override enableJsonFlag = false
  static override args = {shell: Args.string({description: 'The shell to complete in.', options: [...SHELLS], default: 'bash'})}
  static override flags = {
    // What the script calls at Tab time; no user needs to type it.
    names: Flags.boolean({hidden: true, description: "Print the inventory's service names, one per line.", default: false}),
    config: Flags.string({char: 'c', hidden: true, helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Completion)
    if (flags.names) {
      // At Tab time a broken or missing inventory completes nothing: no error, no warning on the line.
      const file = findConfigFile(flags.config)
      const inventory = file ? readInventoryQuietly(file) : undefined
      for (const s of inventory?.services ?? []) this.log(s.name)
      return
    }
    this.log(completionScript(args.shell as Shell, this.config.bin, this.completedCommands()).trimEnd())
  }

  private completedCommands(): CompletedCommand[] {
    return this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id.replaceAll(':', ' '),
        takesServices: 'service' in (c.args ?? {}),
        ...argValues(Object.values(c.args ?? {})[0]?.options),
        flags: Object.values(c.flags ?? {})
          .filter((f) => !f.hidden)
          .map((f) => ({
            name: f.name,
            ...(f.char ? {char: f.char} : {}),
            takesValue: f.type === 'option',
            ...(f.type === 'option' && f.options ? {options: f.options} : {}),
            ...(f.type === 'option' && /FILE|DIR/.test(String(f.helpValue ?? '')) ? {path: true} : {}),
          })),
      }))
  }
}

function argValues(options: readonly string[] | undefined): {argValues?: readonly string[]} {
  return options?.length ? {argValues: options} : {}
}
