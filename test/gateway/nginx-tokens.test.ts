import {describe, expect, it} from 'vitest'

import {globMatches, splitDump} from '../../src/gateway/nginx-dump.js'
import {tokenize} from '../../src/gateway/nginx-tokens.js'

const words = (src: string): string[][] =>
  tokenize(src).statements.map((s) => (s.kind === 'close' ? ['}'] : [...s.words, s.end]))

describe('tokenize: ngx_conf_read_token rules', () => {
  it.each<[string, string, string[][]]>([
    ['double quotes are dropped', 'proxy_set_header Connection "upgrade";', [['proxy_set_header', 'Connection', 'upgrade', ';']]],
    ['single quotes keep blanks', "add_header X-Test 'a b' always;", [['add_header', 'X-Test', 'a b', 'always', ';']]],
    ['an empty quoted word', "map $http_upgrade $connection_upgrade { default upgrade; '' close; }", [['map', '$http_upgrade', '$connection_upgrade', '{'], ['default', 'upgrade', ';'], ['', 'close', ';'], ['}']]],
    ['escapes inside quotes', 'return 200 "say \\"hi\\"\\n";', [['return', '200', 'say "hi"\n', ';']]],
    ['regex escapes stay', 'rewrite ^/a\\d+/(.*)$ /$1 break;', [['rewrite', '^/a\\d+/(.*)$', '/$1', 'break', ';']]],
    ['a regex location', 'location ~ ^/v1/(chat|completions) {', [['location', '~', '^/v1/(chat|completions)', '{']]],
    ['${var} is one word', 'set $x ${host}_a;', [['set', '$x', '${host}_a', ';']]],
    ['# inside a word is no comment', 'root /var/www#x; # a comment\nindex a;', [['root', '/var/www#x', ';'], ['index', 'a', ';']]],
    ['if conditions keep their parentheses', 'if ($api_key_valid = 0) { return 401; }', [['if', '($api_key_valid', '=', '0)', '{'], ['return', '401', ';'], ['}']]],
    ['a quote closed before )', 'if ($http_x = "a") { }', [['if', '($http_x', '=', 'a', ')', '{'], ['}']]],
    ['a directive across lines', 'log_format main\n  \'$a\'\n  \'$b\';', [['log_format', 'main', '$a', '$b', ';']]],
  ])('%s', (_, src, expected) => {
    expect(words(src)).toEqual(expected)
    expect(tokenize(src).problems).toEqual([])
  })

  it('numbers each statement by the line of its first word', () => {
    expect(tokenize('a;\n\n  b\n c;\n# x\nd {').statements.map((s) => s.line)).toEqual([1, 3, 6])
  })
})

describe('globMatches: glob(3) as nginx expands include patterns', () => {
  it.each<[string, string, boolean]>([
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/upstreams.conf', true],
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/upstreams.conf.bak', false],
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/sub/a.conf', false],
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/.default.swp', false],
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/default', true],
    ['/etc/nginx/snippets/ssl-[a-z]*.conf', '/etc/nginx/snippets/ssl-params.conf', true],
    ['/etc/nginx/snippets/ssl-[!a-z]*.conf', '/etc/nginx/snippets/ssl-params.conf', false],
    ['/etc/nginx/fastcgi?params', '/etc/nginx/fastcgi_params', true],
  ])('glob %s matches %s: %s', (pattern, file, expected) => {
    expect(globMatches(pattern, file)).toBe(expected)
  })
})

describe('splitDump', () => {
  it('gives each file its exact text, with or without a final newline, ignoring stderr lines before it', () => {
    const stdout = 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n# configuration file /a:\nx;\n\n# configuration file /b:\ny;\n'
    expect(splitDump(stdout)).toEqual([{file: '/a', text: 'x;\n'}, {file: '/b', text: 'y;'}])
  })
})
