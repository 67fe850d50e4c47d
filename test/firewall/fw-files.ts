/**
 * Firewall files in the operators' shape (operators-estate.md: cluster.fw `policy_in: DROP`, each
 * service admitting only Traefik, 10.0.0.12, on its port), written for these tests in Proxmox's
 * format, line numbers counted as pve-firewall counts them.
 */

export const CLUSTER_FW = `[OPTIONS]

enable: 1
policy_in: DROP

[ALIASES]
traefik 10.0.0.12
lan 10.0.0.0/24

[IPSET admins] # who may reach the services by hand
10.0.0.0/24
! 10.0.0.153

[RULES]

IN SSH(ACCEPT) -i vmbr0
IN ACCEPT -p tcp -dport 8006

[group inference]

IN ACCEPT -source traefik -p tcp -dport 8000,11434,8081
IN DROP -source 10.0.0.153
`

/** 801: vLLM on 8000, only Traefik may come in (line 7). */
export const GUEST_801 = `[OPTIONS]
enable: 1

[RULES]

# only the proxy
IN ACCEPT -source 10.0.0.12 -p tcp -dport 8000 # Traefik
`

/** 914: Ollama through a security group (line 5), and the admins' ipset on a port range (line 6). */
export const GUEST_914 = `[OPTIONS]
enable: 1
policy_in: REJECT
[RULES]
GROUP inference -i net0
IN ACCEPT -source +admins -p tcp -dport 11000:11999
|IN ACCEPT -p tcp -dport 11434
`

/** 917: rules declared, never enforced (no enable: 1, as lxc-manager.sh leaves it). */
export const GUEST_917 = `[RULES]
IN ACCEPT -source 10.0.0.12 -p tcp -dport 8081
`

/** Bad lines, each one pve-firewall warns about and leaves out. */
export const GUEST_BAD = `[OPTIONS]
enable: 1
policy_in: ACCEPT
colour: blue
[RULES]
IN ALLOW -p tcp -dport 80
IN ACCEPT -dport 80
IN DROP -source +nosuchset
IN FOO(ACCEPT) -p tcp
IN DROP -p tcp -dport 8000 -frobnicate 1
IN DROP -source 10.0.0.153 -p tcp -dport 8000
`

export const NETS: Record<string, string> = {
  801: 'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.141/24,type=veth',
  914: 'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:02,ip=10.0.0.155/24,type=veth',
  917: 'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:03,ip=10.0.0.157/24,type=veth',
  918: 'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:06,ip=10.0.0.158/24,type=veth',
  920: 'net0: name=eth0,bridge=vmbr0,gw=10.0.0.1,hwaddr=BC:24:11:00:00:04,ip=10.0.0.160/24,type=veth',
  101: 'net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:05,ip=10.0.0.153/24,type=veth',
}
