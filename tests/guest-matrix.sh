#!/bin/bash
# tests/guest-matrix.sh - `make check-guest`: every real-program scenario
# (fixtures/scenarios/real-programs, doc/real-programs.md) in the Linux guest, first
# with the passthrough attach, then the ones that also run with the guest kernel's
# iSCSI initiator; then the guest tests of tests/guest/ (WENGINE, DISCLOG, TESTLIB and
# GUESTTESTS in the environment).  Prints the TAP of both runs, a table of scenario times, and
# automake-style "# PASS/FAIL/SKIP:" totals; exits 1 when any scenario failed (0 with
# "# SKIP: 1" and the reason when no guest can run here).
set -u
: "${HARNESS:?HARNESS must name the harness binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
: "${TESTTMP:=${TMPDIR:-/tmp}/burnlab-tests}"
JOBS=${JOBS:-2}
WORK="$TESTTMP/guest-matrix"
rm -rf "$WORK"
mkdir -p "$WORK"
export TMPDIR="$WORK"
export BURNLAB_GUEST_CACHE="${BURNLAB_GUEST_CACHE:-$TESTTMP/guest-cache}"
if ! why=$("$HARNESS" guest --check); then
	echo "SKIP: $why"
	echo "# SKIP: 1"
	exit 0
fi
echo "$why"
rc=0
start=$(date +%s)
for mode in passthrough iscsi; do
	echo "== attach $mode"
	t0=$(date +%s)
	"$HARNESS" run -j "$JOBS" --attach "$mode" --keep "$WORK/kept-$mode" --junit "$WORK/$mode.xml" \
		"$FIXTURES/scenarios/real-programs" >"$WORK/$mode.tap" || rc=1
	cat "$WORK/$mode.tap"
	echo "attach $mode: $(( $(date +%s) - t0 )) s"
done
# The guest tests that are more than one scenario (tests/guest/*.sh: TAP through
# tests/integration/lib.sh), e.g. the same CUE burned by cdrdao and by wengine.
for t in "${GUESTTESTS:-}"/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "== $name"
	t0=$(date +%s)
	TESTTMP="$WORK" bash "$t" >"$WORK/$name.tap" 2>&1 || rc=1
	cat "$WORK/$name.tap"
	echo "$name: $(( $(date +%s) - t0 )) s"
done
total=$(( $(date +%s) - start ))
echo "== scenario times (s, attach mode)"
for mode in passthrough iscsi; do
	sed -n 's/.*<testcase name="\([^"]*\)".* time="\([0-9.]*\)".*/\2 \1/p' "$WORK/$mode.xml" |
		while read -r t n; do
			grep -q "^ok [0-9]* - $n # SKIP" "$WORK/$mode.tap" || printf '%7.1f  %-12s %s\n' "$t" "$mode" "$n"
		done
done | sort -rn
boots=$(grep -ho 'guest: ready in [0-9.]* s' "$WORK"/*.tap | awk '{ print $4 }' | sort -n)
if [ -n "$boots" ]; then
	n=$(echo "$boots" | wc -l)
	echo "guest boots: $n, fastest $(echo "$boots" | head -n 1) s, median $(echo "$boots" | sed -n "$(( (n + 1) / 2 ))p") s, slowest $(echo "$boots" | tail -n 1) s (with $JOBS scenarios at once)"
fi
pass=$(grep -h '^ok ' "$WORK"/*.tap | grep -vc '# SKIP')
skip=$(grep -h '^ok ' "$WORK"/*.tap | grep -c '# SKIP')
failn=$(grep -hc '^not ok ' "$WORK"/*.tap | awk '{ n += $1 } END { print n + 0 }')
echo "matrix: $pass passed, $failn failed, $skip skipped (the iscsi run skips the passthrough-only scenarios) in $total s"
echo "# PASS: $pass"
echo "# SKIP: $skip"
echo "# FAIL: $failn"
[ "$failn" -eq 0 ] || rc=1
[ $rc -eq 0 ] || echo "artefacts of failed scenarios: $WORK/kept-*"
exit $rc
