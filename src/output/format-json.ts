import type {Formatter} from './formats.js'

/** The report as it is (schemaVersion 1): the same as `--json`. */
const json: Formatter = {render: (report) => JSON.stringify(report, null, 2)}
export default json
