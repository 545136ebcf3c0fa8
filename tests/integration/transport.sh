#!/bin/bash
# The engine's TCP settings (doc/engine-recorder.md §2), in a private network
# namespace whose default congestion control is BBR:
#   1. to simdrive on 127.0.0.1 the recorder's connection uses cubic (or reno), not the
#      namespace's BBR, and a queue-depth-4 write through it succeeds;
#   2. a write whose connection simdrive drops (fault drop-connection) goes on over
#      libiscsi's new connection, and that one too uses cubic (or reno): `ss -ti`
#      on the live socket while the drive, paced in real time, is still writing;
#   3. to simdrive on 10.213.0.1, an address added to the namespace's lo (the same
#      host, but not a loopback address), it keeps BBR.
# `wengine info` prints the connection's congestion control (TCP_CONGESTION, tcp(7)).
# Skipped where no network namespace can be made (unshare -n as root, -rn otherwise)
# or the kernel has no BBR.
: "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}"
. "$(dirname "$TESTLIB")/netns.sh" && netns_enter TRANSPORT_NETNS "$@"
. "$TESTLIB" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
[ "$TRANSPORT_NETNS" = yes ] || skip "no private network namespace (unshare -n or -rn, and ip)"
echo bbr 2>/dev/null >/proc/sys/net/ipv4/tcp_congestion_control ||
	skip "the kernel offers no BBR here (tcp_available_congestion_control:" \
		"$(cat /proc/sys/net/ipv4/tcp_available_congestion_control))"

# cc URL: the congestion control `wengine info` reports for URL's connection.
cc() {
	"$WENGINE" info "$1" >"$WORK/info.out" 2>&1 || { cat "$WORK/info.out"; fail "wengine info $1"; }
	sed -n 's/^ *TCP congestion control: //p' "$WORK/info.out"
}

check "on 127.0.0.1 the connection uses cubic or reno, not the namespace's BBR"
sim_start loop --drive "lun=0,media=dvd+r"
URL="iscsi://$SIM_HOST/$SIM_TARGET/0"
got=$(cc "$URL")
case "$got" in
cubic | reno) echo "127.0.0.1: $got" ;;
*) fail "on 127.0.0.1 the connection uses '$got'" ;;
esac
check "a queue-depth-4 write over that connection succeeds"
mkdata "$WORK/data.bin" 8 5
"$WENGINE" write "$URL" "$WORK/data.bin" --bytes-per-sector 2048 --lba nwa --queue-depth 4 \
	--no-progress >"$WORK/write.out" 2>&1 || { cat "$WORK/write.out"; fail "wengine write"; }
sim_stop

check "after a dropped connection the new one uses cubic or reno too"
need ss
sim_start drop --time-scale 1 --fault "drop-connection lba=2048 count=1" --drive "lun=0,media=dvd+r"
URL="iscsi://$SIM_HOST/$SIM_TARGET/0"
mkdata "$WORK/big.bin" 96 6	# about 4 s at the drive's paced speed
"$WENGINE" write "$URL" "$WORK/big.bin" --bytes-per-sector 2048 --lba nwa --queue-depth 4 \
	--no-progress >"$WORK/drop.out" 2>&1 &
wpid=$!
# established connections to simdrive, with their congestion control
live_cc() { ss -tinH state established "( dport = :$SIM_PORT )" 2>/dev/null | grep -oE '(cubic|reno|bbr)'; }
got=""
for _ in $(seq 1 200); do
	if grep -q "drop-connection fired" "$SIM_LOG" && [ -n "$(live_cc)" ]; then
		got=$(live_cc | tr '\n' ' ')
		break
	fi
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.05
done
rc=0
wait "$wpid" || rc=$?
[ "$rc" -eq 0 ] || { cat "$WORK/drop.out"; fail "wengine write over a dropped connection exited $rc"; }
grep -q "drop-connection fired" "$SIM_LOG" || fail "the drop-connection fault did not fire"
[ -n "$got" ] || fail "no live connection seen after the drop (the write ended first?)"
case "$got" in
*bbr*) fail "after the drop the connection uses '$got'" ;;
esac
sim_stop

check "on 10.213.0.1 (not a loopback address) the connection keeps the namespace's BBR"
ip addr add 10.213.0.1/32 dev lo 2>"$WORK/ip.err" ||
	{ cat "$WORK/ip.err"; fail "could not add 10.213.0.1 to the namespace's lo"; }
SIM_LISTEN=10.213.0.1 sim_start other --drive "lun=0,media=dvd+r"
got=$(cc "iscsi://$SIM_HOST/$SIM_TARGET/0")
[ "$got" = bbr ] || fail "on 10.213.0.1 the connection uses '$got', not the namespace's bbr"
sim_stop
