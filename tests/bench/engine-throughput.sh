#!/bin/bash
# make bench: what the write engine costs or saves.  `wengine write` (libwriteengine:
# one WriteSection, its ring buffer filled by a reader thread) against syncwriter
# (tests/bench/syncwriter.c: read() K KiB, WRITE(10) synchronously, repeat) writing the
# SAME file with the SAME bytes per command to the same kind of target, in the same run:
#
#   (a) tgtd (Debian's tgt, blank DVD+R from an empty backing file, in /dev/shm when
#       it has room), wengine at queue depth 1: both sides wait for every WRITE; goal
#       wengine/syncwriter >= 0.95 ("the engine adds no overhead");
#   (b) simdrive (blank DVD+R), wengine at queue depth 4 (simdrive executes a LUN's
#       commands in order): goal >= 1.3.  Measured twice: (b1) without an image - the
#       drive validates every WRITE and keeps the disc state in memory, so the target
#       costs little and the figure shows what the engine's pipelining gains; (b2)
#       recording into a disclog image - on a 2-core machine the drive's receive and
#       compression threads and the client share the CPUs, so the ratio holds only
#       while recording leaves CPU to spare: simdrive deflates with ISA-L's igzip when
#       built with it (its --version says which; doc/disclog.md section 6), several
#       times cheaper than zlib.  Both figures are checked against the goal.
#   (c) tgtd again, wengine at queue depth 4 against the syncwriter runs of (a): no
#       goal, shown for what queueing hides when the target takes time per WRITE
#       (tgtd writes each one into its backing file before it answers).
#   (d) (b1) and (b2) again with TCP congestion control cubic, the kernel's default,
#       when the host uses another (no goal).  BBR, which some hosts choose, paces a
#       continuous stream with a high-resolution timer per burst of segments: a cost
#       the queued stream paid and the synchronous writer's bursts hardly do.  The
#       engine's recorder now sets its loopback connections to cubic itself
#       (doc/engine-recorder.md section 2), so (d) shows what cubic does for the
#       synchronous writer.
#
# The script runs in a private network namespace when it can (unshare: as root, or
# with user namespaces): its own loopback, where the congestion control can be set for
# these writers alone.  The goals are judged with the host's own setting, copied in.
#
# CPU: every run prints the CPU seconds per GiB written of the writer's process and of
# simdrive, and how busy the machine's CPUs were over the writing.  On loopback a
# deeper queue only gains the time a synchronous writer leaves them idle: with both
# CPUs busy, the ratio is set by CPU per GiB (doc/engine.md section 3, Queue depth).
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
# cache and dirty pages are flushed (sync) before every timed write; best of BENCH_RUNS,
# the two writers taking turns to go first (turns below); the tgtd series and every
# recording series start with an untimed warm-up run.
# A goal not met is printed, never a failure; only errors fail.
#
# Environment: SIMDRIVE, TESTLIB, WENGINE, SYNCWRITER, TESTTMP (from make bench);
# BENCH_ENGINE_MIB (default 1024), BENCH_RUNS (default 3), BENCH_TGT_RUNS (queue depth
# 1 into tgtd, default 5); TGTD, TGTADM (tgtd.sh); TGTD_ENV (tgtd's environment, default
# the malloc thresholds below; empty: tgtd as packaged).
LIB_TAP=no	# plain output: not a make check test
: "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}"
if [ -z "${BENCH_HOST_CC+set}" ]; then
	BENCH_HOST_CC=$(cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null)
	export BENCH_HOST_CC
fi
. "$(dirname "$TESTLIB")/netns.sh" && netns_enter BENCH_NETNS "$@"
. "$TESTLIB" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${SYNCWRITER:?SYNCWRITER must name the syncwriter binary}"
need timeout

MIB=${BENCH_ENGINE_MIB:-1024}
RUNS=${BENCH_RUNS:-3}
TGT_RUNS=${BENCH_TGT_RUNS:-5}
KIB=256
DATA="$WORK/data.bin"
TGT_IQN="iqn.2026-01.org.burnlab:bench-engine"
. "$(dirname "${BASH_SOURCE[0]}")/tgtd.sh"

# json FILE KEY: the first value of KEY in wengine's one-line JSON output.
json() { grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | head -n 1 | sed 's/^[^:]*://; s/^"\(.*\)"$/\1/'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
now() { date +%s.%N; }
HZ=$(getconf CLK_TCK)

# cpu_start [TARGET_PID]; the writer; cpu_end [TARGET_PID]; cpu_note BYTES SECONDS:
# sets CPU_NOTE, the CPU seconds per GiB that the writer (this shell's waited-for
# children: call them in the script's shell, not a subshell) and the target's process
# used in between, and how many CPUs that kept busy over SECONDS of writing (whole
# processes: a writer's login and exit count too, so it can exceed the CPUs there are).
# ticks PID [children]: TICKS of /proc/PID/stat (lib.sh stat_ticks), 0 for no PID.
ticks() { TICKS=0; [ -z "$1" ] || stat_ticks "/proc/$1/stat" "${2:-}" || TICKS=0; }
cpu_start() { ticks $$ children; CPU_C0=$TICKS; ticks "${1:-}"; CPU_S0=$TICKS; }
cpu_end() { ticks $$ children; CPU_C1=$TICKS; ticks "${1:-}"; CPU_S1=$TICKS; }
cpu_note() {
	CPU_NOTE=$(awk -v b="$1" -v s="$2" -v c=$((CPU_C1 - CPU_C0)) -v t=$((CPU_S1 - CPU_S0)) \
		-v hz="$HZ" -v n="$(nproc)" 'BEGIN { g = b / 1073741824
		printf "CPU s per GiB: writer %.2f, target %.2f; CPUs busy while writing: %.2f of %d",
			c / hz / g, t / hz / g, (s > 0 ? (c + t) / hz / s : 0), n }')
}

# Equal starting conditions for every timed write: the file in the page cache, no
# dirty pages of the previous run still to be written back.
prepare() { cat "$DATA" >/dev/null; sync; }

# engine_run LABEL URL QD [TARGET_PID]: wengine write + wengine sync; sets ENG_MBS,
# ENG_SYNC_S, ENG_CPU (cpu_note of the write).
engine_run() {
	local label=$1 url=$2 qd=$3 out="$WORK/wengine.json" t0
	prepare
	cpu_start "${4:-}"
	timeout 900 "$WENGINE" write "$url" "$DATA" --bytes-per-sector 2048 --lba nwa \
		--queue-depth "$qd" --max-transfer $((KIB * 1024)) --json --no-progress \
		>"$out" 2>"$WORK/wengine.err" ||
		{ cat "$out" "$WORK/wengine.err"; fail "$label: wengine write failed"; }
	cpu_end "${4:-}"
	cpu_note "$(json "$out" bytes)" "$(json "$out" seconds)"
	ENG_CPU=$CPU_NOTE
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
	echo "  $label: wengine: $ENG_CPU"
}

# sync_run LABEL URL [TARGET_PID]: syncwriter; sets SW_MBS (writes only) and SW_CPU.
sync_run() {
	local label=$1 url=$2 out="$WORK/syncwriter.out" bytes secs
	prepare
	cpu_start "${3:-}"
	timeout 900 "$SYNCWRITER" "$url" "$DATA" --kib "$KIB" >"$out" 2>&1 ||
		{ cat "$out"; fail "$label: syncwriter failed"; }
	cpu_end "${3:-}"
	read -r bytes secs SW_MBS < <(sed -n \
		's/^syncwriter: writes: \([0-9]*\) bytes in \([0-9.]*\) s: \([0-9.]*\) MB\/s.*/\1 \2 \3/p' "$out")
	[ -n "$SW_MBS" ] || { cat "$out"; fail "$label: no figure from syncwriter"; }
	cpu_note "$bytes" "$secs"
	SW_CPU=$CPU_NOTE
	sed "s|^|  $label: |" "$out"
	echo "  $label: syncwriter: $SW_CPU"
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

# turns RUN: the order in which the engine and syncwriter write in run RUN - the engine
# first in odd runs, syncwriter first in even ones.  On these VMs the first burn after a
# pause writes into page cache whose memory the host had taken back (doc/scale.md
# section 7): with the engine always first, its recording runs paid that and the
# target's CPU per GiB doubled in them (0.97-1.49 s against 0.56-0.70).
turns() { if [ $(($1 % 2)) = 1 ]; then echo engine sync; else echo sync engine; fi; }

# set_cc NAME: the congestion control of new TCP connections in this namespace.
set_cc() { echo "$1" >/proc/sys/net/ipv4/tcp_congestion_control; }
[ "${BENCH_NETNS:-}" != yes ] || [ -z "$BENCH_HOST_CC" ] || set_cc "$BENCH_HOST_CC" ||
	fail "could not set the congestion control to $BENCH_HOST_CC in the private namespace"

mkdata "$DATA" "$MIB" 41
echo "== engine throughput: $MIB MiB, 2048-byte blocks, best of $RUNS (MB = 10^6 bytes)"
echo "== loopback: $([ "${BENCH_NETNS:-}" = yes ] && echo "a private network namespace" ||
	echo "the host's (no private network namespace here)"), TCP congestion control" \
	"${BENCH_HOST_CC:-unknown} (the host's)"
echo "== simdrive $("$SIMDRIVE" --version | sed -n 's/^image deflate: /records images deflating with /p');" \
	"load at start: $(uptime | sed 's/.*load average: //')"

# --- tgtd ----------------------------------------------------------------------------
# tgtd takes a fresh buffer for every WRITE's data from malloc, and above glibc's
# 128 KiB mmap threshold each one is a new mapping, faulted in page by page and
# unmapped when the command ends: 266,000 page faults per GiB, half of tgtd's CPU
# (perf: 32 % in page faults, 6 % in munmap), and the cause of its run-to-run spread
# (4.3-7.9 CPU s per GiB, whichever writer fed it).  Both writers then timed the VM's
# page faults more than each other.  Raised thresholds keep the buffers in glibc's heap:
# no faults, 1.9-2.8 CPU s per GiB, and about twice the throughput - the same for both
# writers, so the engine's own cost per command shows more and tgtd's less.
TGTD_ENV=${TGTD_ENV-GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=268435456}
bench_start_tgtd

# tgtd's backing file lives in RAM when there is room: tgtd calls fdatasync after
# every WRITE to a cd LUN (strace: one pwrite64 and one fdatasync per command), so on
# disk both writers measured the VM's disk (the same writer: 78-128 MB/s from run to
# run).  In RAM tgtd is one CPU-bound thread instead (and with TGTD_ENV's thresholds
# one without page faults); the warm-up and the turns are for what spread is left.
ram_dir tgt-backing $((MIB * 1024 * 2))
TIMG="$RAM_DIR/tgt-disc.img"
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
	echo "== (a) tgtd's environment: ${TGTD_ENV:-as packaged}"
	TPID=$(pgrep -P "$TGT_PID" tgtd | head -n 1)	# tgtd runs under timeout
	TGT_ENG=0 TGT_SW=0 TGT_ENG4=0
	# Untimed: tgtd's first runs cost it more (as packaged, 1 GiB, four pairs in a row:
	# 6.4, 5.8, 5.5, 5.7 CPU s in its syncwriter runs, the engine's after each 5.9, 5.8,
	# 5.3, 5.1; with TGTD_ENV's thresholds the first run still faults its heap in).
	tgt_fresh
	sync_run "tgtd/warm-up, not counted" "$TURL" "$TPID"
	# Queue depth 1 gets TGT_RUNS pairs: tgtd's own cost per GiB varies by a third from
	# run to run whichever writer feeds it, so each writer's best needs more runs than
	# the simdrive series (queue depth 4 stays at RUNS).
	for run in $(seq 1 "$TGT_RUNS"); do
		for w in $(turns "$run"); do
			tgt_fresh
			if [ "$w" = engine ]; then
				engine_run "tgtd/run$run" "$TURL" 1 "$TPID"
				TGT_ENG=$(best "$TGT_ENG" "$ENG_MBS")
			else
				sync_run "tgtd/run$run" "$TURL" "$TPID"
				TGT_SW=$(best "$TGT_SW" "$SW_MBS")
			fi
		done
		[ "$run" -le "$RUNS" ] || continue
		tgt_fresh
		engine_run "tgtd-qd4/run$run" "$TURL" 4 "$TPID"
		TGT_ENG4=$(best "$TGT_ENG4" "$ENG_MBS")
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
# sim_series LABEL IMAGE?: best of RUNS into simdrive; sets SIM_ENG, SIM_SW and the CPU
# notes of those runs, SIM_ENG_CPU and SIM_SW_CPU.
sim_series() {
	SIM_ENG=0 SIM_SW=0
	if [ "$2" = image ]; then
		# Untimed: the first recording run of a series wrote into page cache whose
		# memory the host had taken back, whichever writer it was (the target's CPU
		# per GiB 1.06-2.37 s in those runs against 0.54-0.73 in the others).
		sim_fresh "warm-up-$2" "$2"
		sync_run "$1/warm-up, not counted" "$SURL" "$SIM_PID"
		sim_stop
	fi
	for run in $(seq 1 "$RUNS"); do
		for w in $(turns "$run"); do
			sim_fresh "$w-$2$run" "$2"
			if [ "$w" = engine ]; then
				engine_run "$1/run$run" "$SURL" 4 "$SIM_PID"
				[ "$(best "$SIM_ENG" "$ENG_MBS")" = "$SIM_ENG" ] ||
					SIM_ENG=$ENG_MBS SIM_ENG_CPU=$ENG_CPU
			else
				sync_run "$1/run$run" "$SURL" "$SIM_PID"
				[ "$(best "$SIM_SW" "$SW_MBS")" = "$SIM_SW" ] ||
					SIM_SW=$SW_MBS SIM_SW_CPU=$SW_CPU
			fi
			sim_stop
		done
	done
	rm -f "$IMG"
}
echo "== (b1) simdrive (blank DVD+R, no image): $KIB KiB per WRITE"
sim_series "simdrive" none
SIM1_ENG=$SIM_ENG SIM1_SW=$SIM_SW SIM1_ENG_CPU=$SIM_ENG_CPU SIM1_SW_CPU=$SIM_SW_CPU
echo "== (b2) simdrive (blank DVD+R recording into a disclog image): $KIB KiB per WRITE"
sim_series "simdrive+image" image
SIM2_ENG=$SIM_ENG SIM2_SW=$SIM_SW SIM2_ENG_CPU=$SIM_ENG_CPU SIM2_SW_CPU=$SIM_SW_CPU
CUBIC=no
if [ "${BENCH_NETNS:-}" = yes ] && [ "$BENCH_HOST_CC" != cubic ] && set_cc cubic 2>/dev/null; then
	CUBIC=yes
	echo "== (d1) as (b1), congestion control cubic"
	sim_series "simdrive/cubic" none
	CUB1_ENG=$SIM_ENG CUB1_SW=$SIM_SW
	echo "== (d2) as (b2), congestion control cubic"
	sim_series "simdrive+image/cubic" image
	set_cc "$BENCH_HOST_CC"
fi

echo "== summary: first WRITE to last completion, best of $RUNS, $KIB KiB per WRITE"
if [ "$HAVE_TGT" = yes ]; then
	goal "(a) tgtd, queue depth 1 (best of $TGT_RUNS)" "$TGT_ENG" "$TGT_SW" 0.95
else
	echo "  (a) tgtd: not measured"
fi
goal "(b1) simdrive, queue depth 4" "$SIM1_ENG" "$SIM1_SW" 1.3
echo "    those runs: wengine $SIM1_ENG_CPU; syncwriter $SIM1_SW_CPU"
goal "(b2) simdrive recording an image, queue depth 4" "$SIM2_ENG" "$SIM2_SW" 1.3
echo "    those runs: wengine $SIM2_ENG_CPU; syncwriter $SIM2_SW_CPU"
# info LABEL WENGINE SYNCWRITER: a comparison without a goal.
info() {
	printf '  %s (no goal): wengine %.1f MB/s, syncwriter %.1f MB/s, ratio %s\n' \
		"$1" "$2" "$3" "$(ratio "$2" "$3")"
}
[ "$HAVE_TGT" != yes ] || info "(c) tgtd, queue depth 4 (syncwriter of (a))" "$TGT_ENG4" "$TGT_SW"
if [ "$CUBIC" = yes ]; then
	info "(d1) as (b1) with cubic" "$CUB1_ENG" "$CUB1_SW"
	info "(d2) as (b2) with cubic" "$SIM_ENG" "$SIM_SW"
else
	echo "  (d) not measured: $([ "${BENCH_NETNS:-}" = yes ] && echo "the host uses cubic" ||
		echo "no private network namespace")"
fi
echo "  ($(nproc) CPUs; queueing gains what a synchronous writer leaves idle: little over" \
	"loopback to simdrive, which answers a WRITE once it holds the data, more where the" \
	"target takes time per WRITE as tgtd does; load at end: $(uptime | sed 's/.*load average: //'))"
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
rm -f "$DATA"
