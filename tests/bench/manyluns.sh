#!/bin/bash
# make bench: 32 drives in one daemon (issue 16).  One simdrive serving BENCH_LUNS
# (default 32) recording LUNs - blank DVD+R, each into its own disclog image - burned
# at the same time by as many iSCSI sessions, against ONE recording LUN alone burning
# the same total (BENCH_LUNS x BENCH_LUNS_MIB MiB) through one session; then the same
# with BENCH_LUNS targets of one LUN each (--target repeated).
#
# Client: tests/bench/burnbench with every URL: one process, one thread, one session
# per drive, all logged in and at their NWA before the first WRITE, then every
# session's WRITE(10)s of 256 KiB at once, 4 in flight each (pattern data: each block
# stamped with its LBA, a fixed fill after it - it compresses, so the shared
# compression workers do real work).  One process keeps the start fair: 32 programs
# started one after another would give the first ones the drive to themselves.
#
# Figures (MB = 10^6 bytes):
#  - aggregate MB/s: all bytes / the time from the first WRITE to the last completion
#    of any session (SYNCHRONIZE CACHE after, timed apart); the lone LUN is timed the
#    same way (burnbench --sessions).  Goal: >= 90 % of the lone LUN.
#  - per-session spread: each session's MB/s (first WRITE to its last completion)
#    relative to their mean.  Goal: every one within 0.7x..1.3x.
#  - simdrive's peak resident memory (VmHWM of /proc/PID/status) over the run.
#    Goal: <= 256 MiB.
# Afterwards every image is checked with `disclog verify`; a failure fails the bench.
#
# Environment: SIMDRIVE, TESTLIB, BURNBENCH, DISCLOG, TESTTMP (from make bench);
# BENCH_LUNS (default 32), BENCH_LUNS_MIB (default 64).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${BURNBENCH:?BURNBENCH must name the burnbench binary}"
: "${DISCLOG:?DISCLOG must name the disclog binary}"
need timeout

N=${BENCH_LUNS:-32}
MIB=${BENCH_LUNS_MIB:-64}
IQN=iqn.2026-01.org.burnlab:manyluns

hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

. "$(dirname "${BASH_SOURCE[0]}")/goal.sh"	# goal, MISSED

# burn MIB URL...: burnbench on every URL at once; sets AGG (MB/s), WALL, RATES.
burn() {
	local mib=$1 out="$WORK/burn.out"
	shift
	timeout 900 "$BURNBENCH" "$@" --mib "$mib" --kib 256 --inflight 4 --sessions \
		--label manyluns >"$out" 2>&1 || { cat "$out"; fail "burnbench failed"; }
	AGG=$(sed -n 's/.*aggregate: .* in \([0-9.]*\) s: \([0-9.]*\) MB\/s.*/\2/p' "$out")
	WALL=$(sed -n 's/.*aggregate: .* in \([0-9.]*\) s: .*/\1/p' "$out")
	RATES=$(sed -n 's/.*session [0-9]* .* s: \([0-9.]*\) MB\/s$/\1/p' "$out" | tr '\n' ' ')
	[ -n "$AGG" ] && [ -n "$RATES" ] || { cat "$out"; fail "no figures from burnbench"; }
}

verify() {	# verify IMAGE...
	local img
	for img in "$@"; do
		"$DISCLOG" verify "$img" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "disclog verify $img"; }
	done
}

echo "== $N recording drives in one simdrive: $N x $MIB MiB at once vs one drive alone with $((N * MIB)) MiB; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- one LUN alone ----------------------------------------------------------------------
sim_start alone --drive "lun=0,media=dvd+r,image=$WORK/alone.disclog"
burn $((N * MIB)) "iscsi://$SIM_HOST/$SIM_TARGET/0"
ALONE_MBS=$AGG
ALONE_HWM=$(hwm "$SIM_PID")
sim_stop
verify "$WORK/alone.disclog"
rm -f "$WORK/alone.disclog"
echo "  one LUN alone: $((N * MIB)) MiB in $WALL s: $ALONE_MBS MB/s, simdrive peak RSS $((ALONE_HWM / 1024)) MiB"

# report LABEL: the figures of a many-session burn, with the goals.
report() {
	local ratio spread
	ratio=$(awk -v a="$AGG" -v b="$ALONE_MBS" 'BEGIN { printf "%.2f", a / b }')
	spread=$(echo "$RATES" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; m = s / NF;
		lo = hi = $1; for (i = 1; i <= NF; i++) { if ($i < lo) lo = $i; if ($i > hi) hi = $i }
		printf "%.2f %.2f %.1f", lo / m, hi / m, m }')
	set -- $spread
	echo "  $LABEL: $N x $MIB MiB in $WALL s: aggregate $AGG MB/s ($ratio x one LUN alone);" \
		"per session mean $3 MB/s, min $1 x, max $2 x the mean; simdrive peak RSS $((HWM / 1024)) MiB"
	goal "$LABEL: aggregate $AGG MB/s = $ratio x one LUN alone ($ALONE_MBS MB/s) (>= 0.90)" \
		"$(awk -v r="$ratio" 'BEGIN { print (r >= 0.90) ? 1 : 0 }')"
	goal "$LABEL: every session within 0.7x..1.3x of the mean (min $1 x, max $2 x)" \
		"$(awk -v lo="$1" -v hi="$2" 'BEGIN { print (lo >= 0.7 && hi <= 1.3) ? 1 : 0 }')"
	goal "$LABEL: simdrive peak RSS $((HWM / 1024)) MiB (<= 256 MiB)" \
		"$( [ "$HWM" -le $((256 * 1024)) ] && echo 1 || echo 0)"
}

# measure LABEL: burn every URL of urls[] at once, simdrive's peak RSS, stop it, verify
# and drop every image of imgs[], report with the goals.
measure() {
	burn "$MIB" "${urls[@]}"
	HWM=$(hwm "$SIM_PID")
	sim_stop
	verify "${imgs[@]}"
	rm -f "${imgs[@]}"
	LABEL=$1 report
}

# --- N LUNs of one target ---------------------------------------------------------------
args=() urls=() imgs=()
for i in $(seq 0 $((N - 1))); do
	args+=(--drive "lun=$i,media=dvd+r,image=$WORK/lun$i.disclog")
	imgs+=("$WORK/lun$i.disclog")
done
sim_start luns "${args[@]}"
for i in $(seq 0 $((N - 1))); do urls+=("iscsi://$SIM_HOST/$SIM_TARGET/$i"); done
measure "$N LUNs, one target"

# --- N targets of one LUN ---------------------------------------------------------------
args=() urls=() imgs=()
for i in $(seq 0 $((N - 1))); do
	args+=(--target "$IQN-$i" --drive "lun=0,media=dvd+r,image=$WORK/tgt$i.disclog")
	imgs+=("$WORK/tgt$i.disclog")
done
SIM_TARGET="$IQN-0" sim_start targets "${args[@]:2}"
for i in $(seq 0 $((N - 1))); do urls+=("iscsi://$SIM_HOST/$IQN-$i/0"); done
measure "$N targets, one LUN each"

echo "== $( [ $MISSED = 0 ] && echo "every goal met" || echo "GOALS MISSED" ); load $(cut -d' ' -f1-3 /proc/loadavg)"
