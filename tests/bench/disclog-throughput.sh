#!/bin/bash
# make bench: recording throughput of the disclog writer against pigz and gzip on the
# same data, in the same run (not part of make check).
#
# Data: (a) the deterministic bench pattern (dlbench -g: text-like stretches with
# pseudo-random ones in between), (b) a realistic mix: a tar of /usr/lib built now,
# capped at BENCH_MIB.  Both are read from the page cache by every tool (warmed first).
# Each tool writes its output under the bench directory and makes it durable
# (dlbench: dl_writer_close syncs; pigz/gzip: followed by `sync -d` on the output).
# The best of BENCH_RUNS runs is kept.  MB = 10^6 bytes of raw input per second.
#
# Goals checked: disclog with 2 workers >= 0.9 x `pigz -1 -p 2` throughput, image
# within 5 % of `gzip -1` output, dlbench peak RSS <= 64 MiB.
#
# Environment: DLBENCH, TESTLIB, TESTTMP (from make bench); BENCH_MIB (default 256);
# BENCH_RUNS (default 2).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${DLBENCH:?DLBENCH must name the dlbench binary}"
need pigz
need gzip
need tar

MIB=${BENCH_MIB:-256}
RUNS=${BENCH_RUNS:-2}
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""

now() { date +%s.%N; }

# run_best LABEL OUTPUT CMD...: best wall time of RUNS runs of CMD (which writes
# OUTPUT), then fdatasync of OUTPUT; sets SECS, SIZE, RSS (KiB, or "-").
run_best() {
	local label=$1 out=$2 t0 t1 s best="" rss="-"
	shift 2
	for _ in $(seq 1 "$RUNS"); do
		rm -f "$out"
		t0=$(now)
		if [ -n "$TIME" ]; then
			"$TIME" -f %M -o "$WORK/rss" "$@" || fail "$label failed"
			rss=$(tail -n 1 "$WORK/rss")
		else
			"$@" || fail "$label failed"
		fi
		sync -d "$out" 2>/dev/null || sync
		t1=$(now)
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	SECS=$best
	SIZE=$(stat -c %s "$out")
	RSS=$rss
}

declare -A MBS SZ MEM
# bench NAME FILE
bench() {
	local name=$1 in=$2 raw t line
	raw=$(stat -c %s "$in")
	cat "$in" >/dev/null	# page cache
	for t in 1 2; do
		run_best "dlbench -t $t" "$WORK/out.disclog" \
			sh -c '"$0" -t "$1" -o "$2" "$3" > "$4"' "$DLBENCH" "$t" "$WORK/out.disclog" "$in" "$WORK/dlbench.out"
		cat "$WORK/dlbench.out"
		# Wall time of the whole process, as for pigz and gzip; peak RSS from
		# dlbench's getrusage when /usr/bin/time is missing.
		MBS[$name/disclog-$t]=$(awk -v r="$raw" -v s="$SECS" 'BEGIN { printf "%.1f", r / s / 1e6 }')
		SZ[$name/disclog-$t]=$SIZE
		line=$(cat "$WORK/dlbench.out")
		[ "$RSS" = - ] && RSS=$(echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\).*/\1/p')
		MEM[$name/disclog-$t]=$RSS
	done
	run_best "pigz" "$WORK/out.gz" sh -c 'exec pigz -1 -p 2 -c "$0" > "$1"' "$in" "$WORK/out.gz"
	MBS[$name/pigz]=$(awk -v r="$raw" -v s="$SECS" 'BEGIN { printf "%.1f", r / s / 1e6 }')
	SZ[$name/pigz]=$SIZE
	MEM[$name/pigz]=$RSS
	run_best "gzip" "$WORK/out.gz" sh -c 'exec gzip -1 -c "$0" > "$1"' "$in" "$WORK/out.gz"
	MBS[$name/gzip]=$(awk -v r="$raw" -v s="$SECS" 'BEGIN { printf "%.1f", r / s / 1e6 }')
	SZ[$name/gzip]=$SIZE
	MEM[$name/gzip]=$RSS
	rm -f "$WORK/out.gz" "$WORK/out.disclog"
}

echo "== data: ${MIB} MiB pattern and a tar of /usr/lib capped at ${MIB} MiB; $(nproc) CPUs; best of $RUNS"
"$DLBENCH" -g "$MIB" "$WORK/pattern.bin" || fail "dlbench -g failed"
tar cf - -C / usr/lib 2>/dev/null | head -c $(( MIB * 1048576 )) >"$WORK/usrlib.tar"
[ -s "$WORK/usrlib.tar" ] || fail "could not build the tar of /usr/lib"

bench pattern "$WORK/pattern.bin"
bench usrlib "$WORK/usrlib.tar"
rm -f "$WORK/pattern.bin" "$WORK/usrlib.tar"

MISSED=0
goal() {	# goal TEXT OK(1/0)
	if [ "$2" = 1 ]; then echo "  goal met:    $1"; else echo "  GOAL MISSED: $1"; MISSED=1; fi
}
echo "== summary (MB/s of raw data, MB = 10^6 bytes; size in bytes; peak RSS in KiB)"
printf '  %-8s %-12s %10s %12s %10s\n' data tool MB/s size peak-RSS
for d in pattern usrlib; do
	for t in disclog-1 disclog-2 pigz gzip; do
		printf '  %-8s %-12s %10s %12s %10s\n' "$d" "$t" "${MBS[$d/$t]}" "${SZ[$d/$t]}" "${MEM[$d/$t]}"
	done
done
echo "== ratios"
for d in pattern usrlib; do
	tp=$(awk -v a="${MBS[$d/disclog-2]}" -v b="${MBS[$d/pigz]}" 'BEGIN { printf "%.2f", a / b }')
	sz=$(awk -v a="${SZ[$d/disclog-2]}" -v b="${SZ[$d/gzip]}" 'BEGIN { printf "%.3f", a / b }')
	mem=$(awk -v a="${MEM[$d/disclog-2]}" 'BEGIN { printf "%.1f", a / 1024 }')
	goal "$d: throughput disclog 2 threads / pigz -1 -p 2 = $tp (>= 0.90)" \
		"$(awk -v x="$tp" 'BEGIN { print (x >= 0.9) ? 1 : 0 }')"
	goal "$d: size disclog / gzip -1 = $sz (<= 1.05)" \
		"$(awk -v x="$sz" 'BEGIN { print (x <= 1.05) ? 1 : 0 }')"
	goal "$d: dlbench peak memory = $mem MiB (<= 64)" \
		"$(awk -v x="$mem" 'BEGIN { print (x <= 64) ? 1 : 0 }')"
done
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
exit 0
