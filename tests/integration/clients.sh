#!/bin/bash
# Our libiscsi client (iclient) against simdrive: discovery session with SendTargets,
# SendTargets inside a normal session, NOP-Out echo (0, 8, 4096 bytes), REPORT LUNS with
# two LUNs, and a plain login with TEST UNIT READY + INQUIRY (type 05h).
. "$TESTLIB"
: "${ICLIENT:?ICLIENT must name the iclient binary}"

mkdata "$WORK/disc.iso" 4 11
sim_start main --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --drive lun=1,media=none
URL="iscsi://$SIM_HOST/$SIM_TARGET/0"

# client WHAT ARGS...: one check, that iclient ARGS succeeds.
client() {
	local what=$1; shift
	echo "iclient $*"
	if "$ICLIENT" --timeout 60 "$@"; then ok "$what"; else not_ok "$what"; fi
}

client "discovery session, SendTargets=All" discover "$SIM_HOST" --expect "$SIM_TARGET" --expect-portal "$SIM_HOST,1"
client "SendTargets in a normal session" sendtargets-normal "$URL" --expect "$SIM_TARGET"
client "NOP-Out echo 0/8/4096 bytes" nop "$URL"
client "REPORT LUNS lists 2 LUNs" reportluns "$URL" --expect 2
client "login + TEST UNIT READY + INQUIRY" login "$URL"

check "simdrive survives the clients and exits 0 on SIGTERM"
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during the test"
sim_stop
