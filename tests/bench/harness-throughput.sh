#!/bin/bash
# make bench: how fast the harness gets through the scenario suite (fixtures/scenarios),
# with -j 1 and -j 2, in the same run: scenarios per second and the ratio (not part of
# make check).  Every scenario starts its own simdrive; best of BENCH_RUNS (default 2).
#
# Environment: HARNESS, SIMDRIVE, TESTLIB, FIXTURES, TESTTMP (from make bench).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
RUNS=${BENCH_RUNS:-2}
. "$(dirname "${BASH_SOURCE[0]}")/tgtd.sh"	# best()

n=$(ls "$FIXTURES/scenarios/"*.scn | wc -l)
echo "== harness run over $n scenarios in $FIXTURES/scenarios, best of $RUNS"
declare -A RATE
for j in 1 2; do
	RATE[$j]=0
	for run in $(seq 1 "$RUNS"); do
		t0=$(date +%s.%N)
		"$HARNESS" run -j "$j" --keep "$WORK/keep-$j" "$FIXTURES/scenarios" >"$WORK/run-$j.tap" ||
			{ tail -n 30 "$WORK/run-$j.tap"; fail "harness run -j $j: a scenario failed"; }
		t1=$(date +%s.%N)
		r=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }')
		echo "  -j $j run $run: $n scenarios in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s: $r scenarios/s"
		RATE[$j]=$(best "${RATE[$j]}" "$r")
	done
done
echo "== summary: -j 1 ${RATE[1]} scenarios/s, -j 2 ${RATE[2]} scenarios/s," \
	"ratio $(awk -v a="${RATE[2]}" -v b="${RATE[1]}" 'BEGIN { printf "%.2f", a / b }') ($(nproc) CPUs)"
