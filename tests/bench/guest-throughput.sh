#!/bin/bash
# make bench: the Linux guest of the real-program scenarios (doc/real-programs.md):
# boot to the first command (goal <= 3 s under TCG on 2 cores), each attach mode, with
# the initramfs cached; the time of a few representative real-program scenarios run
# alone; and the whole matrix (make check-guest, goal <= 12 min; GUEST_BENCH_MATRIX=no
# leaves it out).  Not part of make check.
#
# Environment: HARNESS, SIMDRIVE, TESTLIB, FIXTURES, TESTTMP (from make bench).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
export TMPDIR="$WORK"
export BURNLAB_GUEST_CACHE="${BURNLAB_GUEST_CACHE:-$TESTTMP/guest-cache}"
why=$("$HARNESS" guest --check) || { echo "guest bench skipped: $why"; exit 0; }
. "$(dirname "${BASH_SOURCE[0]}")/goal.sh"	# goal, MISSED
RUNS=${BENCH_RUNS:-5}
REAL="$FIXTURES/scenarios/real-programs"

sim_start drive --drive lun=0,media=dvd+r,image="$WORK/boot.disclog"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
mkdir -p "$WORK/shared"
for mode in passthrough iscsi; do	# both attach modes' initramfs into the cache
	"$HARNESS" guest --attach "$mode" --dir "$WORK/shared" "$url" true 2>/dev/null
done
for mode in passthrough iscsi; do
	echo "== guest boot to the first command, attach $mode, $RUNS runs"
	times=""
	for run in $(seq 1 "$RUNS"); do
		"$HARNESS" guest --attach "$mode" --dir "$WORK/shared" "$url" true 2>"$WORK/boot.err" ||
			{ cat "$WORK/boot.err"; fail "guest boot ($mode) failed"; }
		t=$(sed -n 's/^harness guest: ready in \([0-9.]*\) s.*/\1/p' "$WORK/boot.err")
		echo "  run $run: ready in $t s"
		times="$times $t"
	done
	sorted=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n)
	med=$(echo "$sorted" | sed -n "$(( ($(echo "$sorted" | wc -l) + 1) / 2 ))p")
	fast=$(echo "$sorted" | head -n 1)
	goal "boot to the first command, attach $mode: median $med s, fastest $fast s (<= 3 s)" \
		"$(awk -v t="$med" 'BEGIN { print (t <= 3) ? 1 : 0 }')"
	# The iscsi attach also starts iscsid and iscsiadm twice (doc/real-programs.md §5).
done
sim_stop

echo "== real-program scenarios run alone (s)"
for s in xorriso-dvd+r cdrskin-cd-r-tao-data wodim-cd-r-dao-audio growisofs-dvd+rw cdrdao-data xorriso-bd-re; do
	t0=$(date +%s.%N)
	"$HARNESS" run "$REAL/$s.scn" >"$WORK/$s.tap" || { cat "$WORK/$s.tap"; fail "$s failed"; }
	t1=$(date +%s.%N)
	boot=$(sed -n 's/.*guest: ready in \([0-9.]*\) s.*/\1/p' "$WORK/$s.tap")
	awk -v a="$t0" -v b="$t1" -v n="$s" -v boot="$boot" 'BEGIN { printf "  %-24s %6.1f s (boot %s s)\n", n, b - a, boot }'
done

if [ "${GUEST_BENCH_MATRIX:-yes}" != no ]; then
	echo "== the whole matrix (make check-guest), goal <= 12 min"
	t0=$(date +%s)
	TESTTMP="$WORK" bash "$(dirname "${BASH_SOURCE[0]}")/../guest-matrix.sh" >"$WORK/matrix.out"
	rc=$?
	grep -E '^(matrix:|guest boots:|attach )' "$WORK/matrix.out"
	wall=$(( $(date +%s) - t0 ))
	echo "== matrix: $wall s wall, exit $rc"
	goal "the whole matrix in $wall s, exit $rc (<= 720 s, exit 0)" \
		"$([ "$wall" -le 720 ] && [ "$rc" = 0 ] && echo 1 || echo 0)"
fi
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
exit 0
