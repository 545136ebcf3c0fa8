# tests/integration/netns.sh - sourced FIRST (before lib.sh, whose TAP filter must run
# only once) by a script that wants a network namespace of its own: a loopback whose
# TCP settings (net.ipv4.tcp_congestion_control) it may change for itself alone.
#
#   netns_enter VAR ARGS...   unless VAR is set: run this script again, with ARGS, in
#                             a new network namespace (unshare -n as root, -rn with
#                             user namespaces otherwise) with lo up and VAR=yes; where
#                             none can be made, set VAR=no and return.
netns_enter() {
	local var=$1 ns=-rn
	shift
	[ -z "${!var:-}" ] || return 0
	printf -v "$var" no
	[ "$(id -u)" != 0 ] || ns=-n
	command -v unshare >/dev/null && command -v ip >/dev/null &&
		unshare "$ns" ip link set lo up 2>/dev/null || return 0
	exec unshare "$ns" bash -c "ip link set lo up && $var=yes exec bash \"\$0\" \"\$@\"" \
		"$0" "$@"
}
