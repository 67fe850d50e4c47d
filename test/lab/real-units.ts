import {REPO} from './topology.js'

/**
 * Services in a real CT (real-ct.ts) are real systemd units: the emulator as ExecStart, its key in
 * an EnvironmentFile only root reads, Restart=on-failure with a start limit as an estate's unit
 * has. Faults become unit edits and systemctl calls, through `pct exec` as an operator's are.
 */

/** A word for systemd's command line: double-quoted, with its specifiers and variables escaped. */
export function systemdWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`
}

export function unitFile(name: string, description: string, command: readonly string[], memory?: string): string {
  return [
    '[Unit]', `Description=${description}`, 'After=network.target',
    // Three crashes within a minute and systemd gives up: the unit ends failed (a crash loop's end).
    'StartLimitIntervalSec=60', 'StartLimitBurst=3', '',
    '[Service]', `EnvironmentFile=/etc/phoenix-lab/${name}.env`, `WorkingDirectory=${REPO}`,
    `ExecStart=${command.map(systemdWord).join(' ')}`,
    'Restart=on-failure', 'RestartSec=1', ...(memory ? [`MemoryMax=${memory}`] : []), '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n')
}

/** An EnvironmentFile value: single quotes keep it literal (a key's characters never need more). */
function envWord(value: string): string {
  if (/['\n\\]/.test(value)) throw new Error('an environment value with a quote, a backslash or a newline')
  return `'${value}'`
}

const heredoc = (path: string, text: string) => `cat > ${path} <<'PHOENIX_LAB_EOF'\n${text}\nPHOENIX_LAB_EOF\n`

/**
 * The script (for `sh -s` in the CT) that writes the unit and its environment file and reloads
 * systemd. It goes on stdin: the key must not reach any argv.
 */
export function realUnitScript(name: string, description: string, command: readonly string[], env: Readonly<Record<string, string>>, memory?: string): string {
  const envText = Object.entries(env).map(([k, v]) => `${k}=${envWord(v)}`).join('\n')
  return `set -e\numask 077\nmkdir -p /etc/phoenix-lab\n${heredoc(`/etc/phoenix-lab/${name}.env`, envText)}umask 022\n${heredoc(`/etc/systemd/system/${name}.service`, unitFile(name, description, command, memory))}systemctl daemon-reload\nsystemctl enable -q ${name}\n`
}
