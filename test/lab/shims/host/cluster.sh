# The lab's Proxmox cluster (issue 15), read by the pvesh, pvecm and ha-manager shims (sourced after
# lib.sh). Nodes and their addresses come from lab.env (PHX_NODES="pve:198.18.0.1 pve2:198.18.0.2");
# the cluster's state from $LAB/cluster: placement/CTID (the CT's node; pve when absent),
# offline/NODE (the node is down for corosync), ha/SID (an HA resource and its state).
CL="$LAB/cluster"
me=${PHX_NODE:-pve}
node_of() { n=$(readf "$CL/placement/$1"); echo "${n:-pve}"; }
offline() { [ -e "$CL/offline/$1" ]; }
node_names() { for e in $PHX_NODES; do echo "${e%%:*}"; done; }
node_count() { node_names | wc -l; }
online_count() { c=0; for n in $(node_names); do offline "$n" || c=$((c+1)); done; echo $c; }
quorum() { echo $(( $(node_count) / 2 + 1 )); }
quorate() { [ "$(online_count)" -ge "$(quorum)" ]; }
# A node that is offline answers nothing: its tools fail as a node cut off from pmxcfs does.
cut_off() { if offline "$me"; then echo "ipcc_send_rec[1] failed: Connection refused" >&2; exit 255; fi; }
