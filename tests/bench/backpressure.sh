#!/bin/bash
# make bench: does one drive recording at full speed hold up another?  TEST UNIT READY
# latency on LUN 1 while LUN 0 of the same daemon records incompressible data as fast as
# the host sends it (not part of make check).  Goal: p99 <= 5 ms (doc/iscsi-target.md
# "Threads, and who waits for what": the event loop never waits for a disc image).
#
# One simdrive with two blank DVD+R LUNs, each recording into its own disclog image.
# LUN 0: tests/bench/burnbench --random (blocks cut from a random pool, so deflate cannot
# shrink them and the image writer's queue fills: the back-pressure case), BENCH_BP_MIB
# (default 1024) MiB of WRITE(10) of BP_KIB (default 64) KiB, BP_INFLIGHT (default 8) in
# flight, then SYNCHRONIZE CACHE; its MB/s is LUN 0's throughput.  LUN 1, on a session
# of its own: tests/bench/turlat, one TEST UNIT READY every millisecond from the first
# WRITE until the burn is over.  For reference the same probe first runs for 3 s with
# LUN 0 idle.
#
# Environment: SIMDRIVE, TESTLIB, TESTTMP (from make bench); BURNBENCH, TURLAT (the
# clients; built next to simdrive in the build tree if missing); BENCH_BP_MIB, BP_KIB,
# BP_INFLIGHT, BP_GOAL_MS (default 5).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need timeout

MIB=${BENCH_BP_MIB:-1024}
KIB=${BP_KIB:-64}
QD=${BP_INFLIGHT:-8}
GOAL=${BP_GOAL_MS:-5}
BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
for c in burnbench turlat; do
	var=$(echo "$c" | tr a-z A-Z)
	if [ -z "${!var:-}" ]; then
		eval "$var=\$BUILD/tests/bench/$c"
		[ -x "${!var}" ] || timeout 300 make -C "$BUILD" -s "tests/bench/$c" >&2 ||
			fail "cannot build ${!var}"
	fi
	[ -x "${!var}" ] || fail "no $c at ${!var}"
done

IMG0="$WORK/lun0.dl" IMG1="$WORK/lun1.dl"
rm -f "$IMG0" "$IMG1"
sim_start bp --drive "lun=0,media=dvd+r,image=$IMG0" --drive "lun=1,media=dvd+r,image=$IMG1"
URL0="iscsi://$SIM_HOST/$SIM_TARGET/0"
URL1="iscsi://$SIM_HOST/$SIM_TARGET/1"

echo "== TEST UNIT READY on LUN 1, LUN 0 idle (3 s)"
idle=$(timeout 60 "$TURLAT" "$URL1" --seconds 3 --label "LUN 1 TUR, idle") ||
	fail "turlat failed (idle)"
echo "  $idle"

echo "== TEST UNIT READY on LUN 1 while LUN 0 records $MIB MiB of random data" \
	"(WRITE(10) $KIB KiB x $QD in flight)"
STOP="$WORK/stop"
rm -f "$STOP"
timeout 900 "$TURLAT" "$URL1" --stop-file "$STOP" --label "LUN 1 TUR, LUN 0 busy" \
	>"$WORK/tur.out" 2>&1 &
TPID=$!
burn=$(timeout 900 "$BURNBENCH" "$URL0" --mib "$MIB" --kib "$KIB" --inflight "$QD" --random \
	--label "LUN 0 burn" 2>&1)
brc=$?
touch "$STOP"
wait "$TPID"
trc=$?
echo "$burn" | sed 's/^/  /'
sed 's/^/  /' "$WORK/tur.out"
[ "$brc" -eq 0 ] || fail "burnbench failed on LUN 0"
[ "$trc" -eq 0 ] || fail "turlat failed on LUN 1"
sim_stop
echo "  LUN 0 image: $(stat -c %s "$IMG0") bytes"
rm -f "$IMG0" "$IMG1"

p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$WORK/tur.out")
mbs=$(echo "$burn" | sed -n 's/.*s: \([0-9.]*\) MB\/s.*/\1/p' | head -n 1)
verdict=$(awk -v p="$p99" -v g="$GOAL" 'BEGIN { print (p <= g) ? "met" : "MISSED" }')
echo "== summary: LUN 0 $mbs MB/s of random data; LUN 1 TEST UNIT READY" \
	"$(sed -n 's/.*: \(p50.*\)/\1/p' "$WORK/tur.out"); goal p99 <= $GOAL ms: $verdict"
