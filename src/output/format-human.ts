import type {Formatter} from './formats.js'
import {formatCheck} from './human-check.js'
import {formatDiag} from './human-diag.js'

/** The terminal view: `check` one line a service, `diag` the walk layer by layer. */
const human: Formatter = {
  render: (report, {command, colour}) =>
    command === 'check' ? formatCheck(report, colour) : report.services.map((s) => formatDiag(s, colour)).join('\n\n'),
}
export default human
