#!/bin/bash
# Target timers against simdrive started with short ones: the login timeout (a
# connection that does not finish its login is closed) and NOP-In pings (an idle
# connection is pinged, StatSN not advanced; three unanswered pings drop it; answered
# pings keep it).  These are badinput's timer-* cases, which need BADINPUT_TIMERS to
# name the daemon's --nop-interval and --login-timeout in ms.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${BADINPUT:?BADINPUT must name the badinput binary}"
need timeout

NOP_MS=300
LOGIN_MS=1000

mkdata "$WORK/disc.iso" 4 17
sim_start main --nop-interval "$NOP_MS" --login-timeout "$LOGIN_MS" \
	--drive lun=0,media=dvd-rom,file="$WORK/disc.iso"

rc=0
BADINPUT_TIMERS="$NOP_MS,$LOGIN_MS" timeout 120 "$BADINPUT" 127.0.0.1 "$SIM_PORT" "$SIM_TARGET" \
	'timer-*' >"$WORK/badinput.tap" || rc=$?
relay_tap badinput "$WORK/badinput.tap"	# one check per case
check "simdrive still runs after the timer cases and exits 0 on SIGTERM"
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive is gone after the timer cases"
sim_stop
[ "$rc" -eq 0 ] || [ "$TAP_FAILED" -gt 0 ] || fail "badinput exited $rc"
