import type {CheckResult, ServiceReport} from '../model/report.js'
import type {Formatter} from './formats.js'

/**
 * JUnit XML, as CI pipelines and dashboards read it: a test suite a service, a test case a check.
 * A failed check is a <failure>, a blind one (unknown) an <error>, a skipped one <skipped/>.
 */
const junit: Formatter = {
  render: (report) => {
    const count = (status: string) => report.services.flatMap(checks).filter((c) => c.status === status).length
    const tests = report.services.flatMap(checks).length
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="phoenix" tests="${tests}" failures="${count('fail')}" errors="${count('unknown')}" skipped="${count('skip')}" time="${report.durationMs / 1000}" timestamp="${report.startedAt}">`,
      ...report.services.map(suite),
      '</testsuites>',
    ].join('\n')
  },
}
export default junit

function checks(s: ServiceReport): CheckResult[] {
  return s.layers.flatMap((l) => l.checks)
}

function suite(s: ServiceReport): string {
  const all = checks(s)
  const n = (status: string) => all.filter((c) => c.status === status).length
  const verdict = s.verdict.cause === 'healthy' ? '' : `<property name="verdict" value="${xml(`${s.verdict.layer ?? '-'}/${s.verdict.cause}: ${s.verdict.summary}`)}"/>`
  return [
    `  <testsuite name="${xml(s.name)}" tests="${all.length}" failures="${n('fail')}" errors="${n('unknown')}" skipped="${n('skip')}">`,
    `    <properties>${s.vmid === undefined ? `<property name="ctid" value="${s.ctid}"/>` : `<property name="vmid" value="${s.vmid}"/>`}<property name="kind" value="${xml(s.kind)}"/>${verdict}</properties>`,
    ...all.map((c) => testCase(s.name, c)),
    '  </testsuite>',
  ].join('\n')
}

function testCase(service: string, c: CheckResult): string {
  const open = `    <testcase classname="${xml(service)}" name="${xml(c.id)}" time="${c.durationMs / 1000}"`
  const message = xml(c.summary)
  if (c.status === 'fail') return `${open}><failure message="${message}">${message}</failure></testcase>`
  if (c.status === 'unknown') return `${open}><error message="${message}">${message}</error></testcase>`
  if (c.status === 'skip') return `${open}><skipped message="${message}"/></testcase>`
  if (c.status === 'warn') return `${open}><system-out>warning: ${message}</system-out></testcase>`
  return `${open}/>`
}

/** Text in an XML attribute or element: the five reserved characters escaped, control characters dropped. */
function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}
