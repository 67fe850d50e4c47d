import {describe, expect, it} from 'vitest'

import {parseConfigTest} from '../../src/gateway/config-test.js'
import type {ConfigTestMessage} from '../../src/model/nginx.js'

// stderr of `nginx -t` as nginx.c and ngx_conf_file.c print it (service-apis.md §5.2).
const OK = 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n'
const failed = (line: string): string => `${line}\nnginx: configuration file /etc/nginx/nginx.conf test failed\n`

describe('parseConfigTest', () => {
  it.each<[string, string, number, boolean, ConfigTestMessage[]]>([
    ['success', OK, 0, true, []],
    ['success with -q: nothing printed', '', 0, true, []],
    ['unknown directive', failed('nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/conf.d/default.conf:7'), 1, false,
      [{level: 'emerg', text: 'unknown directive "proxy_passs"', file: '/etc/nginx/conf.d/default.conf', line: 7}]],
    ['location outside its server', failed('nginx: [emerg] "location" directive is not allowed here in /etc/nginx/sites-enabled/vllm_gateway:36'), 1, false,
      [{level: 'emerg', text: '"location" directive is not allowed here', file: '/etc/nginx/sites-enabled/vllm_gateway', line: 36}]],
    ['upstream name not resolvable at load time', failed('nginx: [emerg] host not found in upstream "vllm:8000" in /etc/nginx/conf.d/default.conf:12'), 1, false,
      [{level: 'emerg', text: 'host not found in upstream "vllm:8000"', file: '/etc/nginx/conf.d/default.conf', line: 12}]],
    ['a file the include cannot open', failed('nginx: [emerg] open() "/etc/nginx/api_keys.conf" failed (2: No such file or directory) in /etc/nginx/sites-enabled/vllm_gateway:4'), 1, false,
      [{level: 'emerg', text: 'open() "/etc/nginx/api_keys.conf" failed (2: No such file or directory)', file: '/etc/nginx/sites-enabled/vllm_gateway', line: 4}]],
    ['a warning without a place, then success', `nginx: [warn] conflicting server name "api.phoenix.local" on 0.0.0.0:80, ignored\n${OK}`, 0, true,
      [{level: 'warn', text: 'conflicting server name "api.phoenix.local" on 0.0.0.0:80, ignored'}]],
    ['not root: an error-log shaped warning and an alert', `2026/08/21 10:00:00 [warn] 4242#4242: the "user" directive makes sense only if the master process runs with super-user privileges, ignored in /etc/nginx/nginx.conf:1\nnginx: [alert] could not open error log file: open() "/var/log/nginx/error.log" failed (13: Permission denied)\n${failed('2026/08/21 10:00:00 [emerg] 4242#4242: open() "/run/nginx.pid" failed (13: Permission denied)')}`, 1, false,
      [
        {level: 'warn', text: 'the "user" directive makes sense only if the master process runs with super-user privileges, ignored', file: '/etc/nginx/nginx.conf', line: 1},
        {level: 'alert', text: 'could not open error log file: open() "/var/log/nginx/error.log" failed (13: Permission denied)'},
        {level: 'emerg', text: 'open() "/run/nginx.pid" failed (13: Permission denied)'},
      ]],
  ])('%s', (_, stderr, code, ok, messages) => {
    const result = parseConfigTest(stderr, code)
    expect(result.ok).toBe(ok)
    expect(result.messages).toEqual(messages)
  })

  it('names the main file the test was about, not the failing one', () => {
    expect(parseConfigTest(failed('nginx: [emerg] unexpected "}" in /etc/nginx/sites-enabled/x:3'), 1).mainFile).toBe('/etc/nginx/nginx.conf')
  })
})
