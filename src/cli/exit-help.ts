/** The exit codes, as --help shows them. */
export const EXIT_CODES_HELP = `EXIT CODES (Nagios plugin convention)
  0   OK        every selected layer of every service passed
  1   WARNING   something works but is degraded (slow, loopback ping filtered, restarting)
  2   CRITICAL  a layer failed; the verdict names it and why
  3   UNKNOWN   a vantage point could not be reached (SSH, pct exec): a blind spot, not a fault
  64  usage or config error (bad flag, unknown service, invalid inventory)
  70  internal error (a bug in phoenix)
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM): the report of what was seen is still printed
  With --format nagios only 0-3 are used: 64, 70, 130 and 143 are 3 (UNKNOWN), with a PHOENIX UNKNOWN line.`
