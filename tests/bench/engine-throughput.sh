#!/bin/bash
# make bench: what the write engine costs or saves.  `wengine write` (libwriteengine:
# one WriteSection, its ring buffer filled by a reader thread) against syncwriter
# (tests/bench/syncwriter.c: read() K KiB, WRITE(10) synchronously, repeat) writing the
# SAME file with the SAME bytes per command to the same kind of target, in the same run:
#
#   (a) tgtd (Debian's tgt, blank DVD+R from an empty backing file), wengine at queue
#       depth 1: both sides wait for every WRITE; goal wengine/syncwriter >= 0.95
#       ("the engine adds no overhead");
#   (b) simdrive (blank DVD+R), wengine at queue depth 4 (simdrive executes a LUN's
#       commands in order): goal >= 1.3.  Measured twice: (b1) without an image - the
#       drive validates every WRITE and keeps the disc state in memory, so the target
#       costs little and the figure shows what the engine's pipelining gains; (b2)
#       recording into a disclog image - on a 2-core machine the drive's receive and
#       compression threads and the client share the CPUs, so the ratio holds only
#       while recording leaves CPU to spare: simdrive deflates with ISA-L's igzip when
#       built with it (its --version says which; doc/disclog.md section 6), several
#       times cheaper than zlib.  Both figures are checked against the goal.
#
# What the numbers cover (MB = 10^6 bytes):
#  - wengine: "seconds" of `wengine write --json` = the engine's statistics: from the
#    first WRITE to the completion of the last one.  Login, the NWA lookup and opening
#    the file are outside; reading the file is inside, overlapped by the reader thread.
#  - syncwriter "writes:" line: from the first WRITE to the status of the last one,
#    including its read() calls.  Same interval, so the ratio compares like with like.
#  - SYNCHRONIZE CACHE is outside both figures.  It is shown on its own: syncwriter
#    times it in-process; for wengine it is a separate `wengine sync` (wall time,
#    including that process's login and logout).
# The transfer size is 256 KiB per WRITE (wengine --max-transfer, syncwriter --kib)
# unless the iSCSI session negotiates less (what `wengine info --json` reports as
# max_transfer).  Every run gets a fresh blank medium; the file is read into the page
# cache and dirty pages are flushed (sync) before every timed write; best of BENCH_RUNS.
# A goal not met is printed, never a failure; only errors fail.
#
# Environment: SIMDRIVE, TESTLIB, WENGINE, SYNCWRITER, TESTTMP (from make bench);
# BENCH_ENGINE_MIB (default 1024), BENCH_RUNS (default 2); TGTD, TGTADM (tgtd.sh).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${SYNCWRITER:?SYNCWRITER must name the syncwriter binary}"
need timeout

MIB=${BENCH_ENGINE_MIB:-1024}
RUNS=${BENCH_RUNS:-2}
KIB=256
DATA="$WORK/data.bin"
TGT_IQN="iqn.2026-01.org.burnlab:bench-engine"
. "$(dirname "${BASH_SOURCE[0]}")/tgtd.sh"

# json FILE KEY: the first value of KEY in wengine's one-line JSON output.
json() { grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | head -n 1 | sed 's/^[^:]*://; s/^"\(.*\)"$/\1/'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
now() { date +%s.%N; }

# Equal starting conditions for every timed write: the file in the page cache, no
# dirty pages of the previous run still to be written back.
prepare() { cat "$DATA" >/dev/null; sync; }

# engine_run LABEL URL QD: wengine write + wengine sync; sets ENG_MBS, ENG_SYNC_S.
engine_run() {
	local label=$1 url=$2 qd=$3 out="$WORK/wengine.json" t0
	prepare
	timeout 900 "$WENGINE" write "$url" "$DATA" --bytes-per-sector 2048 --lba nwa \
		--queue-depth "$qd" --max-transfer $((KIB * 1024)) --json --no-progress \
		>"$out" 2>"$WORK/wengine.err" ||
		{ cat "$out" "$WORK/wengine.err"; fail "$label: wengine write failed"; }
	[ "$(json "$out" result)" = S_OK ] || { cat "$out"; fail "$label: wengine write: not S_OK"; }
	[ "$(json "$out" max_transfer)" = $((KIB * 1024)) ] ||
		fail "$label: wengine used max_transfer $(json "$out" max_transfer), not $((KIB * 1024))"
	t0=$(now)
	timeout 300 "$WENGINE" sync "$url" 2>"$WORK/wengine.err" ||
		{ cat "$WORK/wengine.err"; fail "$label: wengine sync failed"; }
	ENG_SYNC_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
	ENG_MBS=$(json "$out" mb_per_s)
	printf '  %s: wengine (queue depth %s): %s bytes in %s s: %s MB/s, %s WRITEs; wengine sync %s s\n' \
		"$label" "$qd" "$(json "$out" bytes)" "$(json "$out" seconds)" "$ENG_MBS" \
		"$(json "$out" commands)" "$ENG_SYNC_S"
}

# sync_run LABEL URL: syncwriter; sets SW_MBS (writes only).
sync_run() {
	local label=$1 url=$2 out="$WORK/syncwriter.out"
	prepare
	timeout 900 "$SYNCWRITER" "$url" "$DATA" --kib "$KIB" >"$out" 2>&1 ||
		{ cat "$out"; fail "$label: syncwriter failed"; }
	sed "s|^|  $label: |" "$out"
	SW_MBS=$(sed -n 's/^syncwriter: writes: .* s: \([0-9.]*\) MB\/s.*/\1/p' "$out")
	[ -n "$SW_MBS" ] || fail "$label: no figure from syncwriter"
}

# goal NAME WENGINE SYNCWRITER GOAL: the summary line of one comparison, in the
# "goal met" / "GOAL MISSED" style of the other benches.
MISSED=0
goal() {
	local r verdict="GOAL MISSED:"
	r=$(ratio "$2" "$3")
	if awk -v r="$r" -v g="$4" 'BEGIN { exit !(r + 0 >= g) }'; then verdict="goal met:   "; else MISSED=1; fi
	printf '  %s %s: wengine %.1f MB/s, syncwriter %.1f MB/s, ratio wengine/syncwriter %s (>= %s)\n' \
		"$verdict" "$1" "$2" "$3" "$r" "$4"
}

# The smaller of KIB and what a session to URL negotiates.
fit_transfer() {
	local mt
	timeout 60 "$WENGINE" info "$1" --json >"$WORK/info.json" 2>"$WORK/info.err" ||
		{ cat "$WORK/info.err"; fail "wengine info $1 failed"; }
	mt=$(json "$WORK/info.json" max_transfer)
	[ -n "$mt" ] || fail "wengine info printed no max_transfer"
	[ $((mt / 1024)) -ge "$KIB" ] || KIB=$((mt / 1024 / 2 * 2))
}

mkdata "$DATA" "$MIB" 41
echo "== engine throughput: $MIB MiB, 2048-byte blocks, best of $RUNS (MB = 10^6 bytes)"
echo "== simdrive $("$SIMDRIVE" --version | sed -n 's/^image deflate: /records images deflating with /p');" \
	"load at start: $(uptime | sed 's/.*load average: //')"

# --- tgtd ----------------------------------------------------------------------------
bench_start_tgtd

TIMG="$WORK/tgt-disc.img"
# tgt_fresh: a new target on a new empty backing file = a blank DVD+R.
tgt_fresh() {
	tgtadm_ --op delete --mode target --tid 1 --force >/dev/null 2>&1
	rm -f "$TIMG"
	: >"$TIMG"
	tgtadm_ --op new --mode target --tid 1 -T "$TGT_IQN" &&
		tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$TIMG" --device-type cd &&
		tgtadm_ --op bind --mode target --tid 1 -I ALL || fail "tgtadm could not set up the target"
}

if [ "$HAVE_TGT" = yes ]; then
	TURL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
	tgt_fresh
	fit_transfer "$TURL"
	echo "== (a) tgtd $("$TGTD" --version 2>/dev/null | head -n 1) on 127.0.0.1:$TGT_PORT:" \
		"$KIB KiB per WRITE (max_transfer negotiated: $(json "$WORK/info.json" max_transfer))"
	TGT_ENG=0 TGT_SW=0
	for run in $(seq 1 "$RUNS"); do
		tgt_fresh
		engine_run "tgtd/run$run" "$TURL" 1
		TGT_ENG=$(best "$TGT_ENG" "$ENG_MBS")
		tgt_fresh
		sync_run "tgtd/run$run" "$TURL"
		TGT_SW=$(best "$TGT_SW" "$SW_MBS")
	done
	tgtadm_ --op delete --mode target --tid 1 --force >/dev/null 2>&1
	rm -f "$TIMG"
	stop_tgtd
fi

# --- simdrive --------------------------------------------------------------------------
IMG="$WORK/sim-disc.disclog"
# sim_fresh NAME IMAGE?: a new simdrive with a blank DVD+R, recording into a new image
# when IMAGE is "image"; sets SURL.
sim_fresh() {
	rm -f "$IMG"
	if [ "$2" = image ]; then
		sim_start "$1" --drive "lun=0,media=dvd+r,image=$IMG"
	else
		sim_start "$1" --drive "lun=0,media=dvd+r"
	fi
	SURL="iscsi://$SIM_HOST/$SIM_TARGET/0"
}
sim_fresh probe none
fit_transfer "$SURL"
sim_stop
# sim_series LABEL IMAGE?: best of RUNS into simdrive; sets SIM_ENG, SIM_SW.
sim_series() {
	SIM_ENG=0 SIM_SW=0
	for run in $(seq 1 "$RUNS"); do
		sim_fresh "engine-$2$run" "$2"
		engine_run "$1/run$run" "$SURL" 4
		sim_stop
		SIM_ENG=$(best "$SIM_ENG" "$ENG_MBS")
		sim_fresh "sync-$2$run" "$2"
		sync_run "$1/run$run" "$SURL"
		sim_stop
		SIM_SW=$(best "$SIM_SW" "$SW_MBS")
	done
	rm -f "$IMG"
}
echo "== (b1) simdrive (blank DVD+R, no image): $KIB KiB per WRITE"
sim_series "simdrive" none
SIM1_ENG=$SIM_ENG SIM1_SW=$SIM_SW
echo "== (b2) simdrive (blank DVD+R recording into a disclog image): $KIB KiB per WRITE"
sim_series "simdrive+image" image

echo "== summary: first WRITE to last completion, best of $RUNS, $KIB KiB per WRITE"
if [ "$HAVE_TGT" = yes ]; then
	goal "(a) tgtd, queue depth 1" "$TGT_ENG" "$TGT_SW" 0.95
else
	echo "  (a) tgtd: not measured"
fi
goal "(b1) simdrive, queue depth 4" "$SIM1_ENG" "$SIM1_SW" 1.3
goal "(b2) simdrive recording an image, queue depth 4" "$SIM_ENG" "$SIM_SW" 1.3
echo "  ($(nproc) CPUs; (b2) is bounded by the CPU time the drive spends recording;" \
	"load at end: $(uptime | sed 's/.*load average: //'))"
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
rm -f "$DATA"
