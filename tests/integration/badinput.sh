#!/bin/bash
# Hostile input (RFC 7143 §7, §11.17; doc/iscsi-target.md) against simdrive with the raw-socket
# client: every case checks the prescribed answer and, after it, that the daemon still
# serves on a fresh connection.  Then simdrive must still exit 0 on SIGTERM.
# BADINPUT_CASES=GLOB runs a subset.
. "$TESTLIB"
: "${BADINPUT:?BADINPUT must name the badinput binary}"
need timeout

mkdata "$WORK/disc.iso" 4 13
sim_start main --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --drive lun=1,media=none

rc=0
timeout 900 "$BADINPUT" 127.0.0.1 "$SIM_PORT" "$SIM_TARGET" "${BADINPUT_CASES:-*}" \
	>"$WORK/badinput.tap" || rc=$?
relay_tap badinput "$WORK/badinput.tap"	# one check per case
check "simdrive still runs after the hostile input and exits 0 on SIGTERM"
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive is gone after the hostile input"
sim_stop
[ "$rc" -eq 0 ] || [ "$TAP_FAILED" -gt 0 ] || fail "badinput exited $rc"
