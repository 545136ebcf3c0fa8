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
# Side by side: disclog with 2 workers deflating with ISA-L's igzip and with zlib
# (dlbench -e; doc/disclog.md section 6), `pigz -1 -p 2` and `gzip -1`: throughput,
# size, peak RSS and CPU seconds (user + system of the best run: on a loaded machine
# the wall-clock figures include waiting for a CPU, the CPU seconds do not).
# Goals, for the ISA-L writer (the build's default when configure found ISA-L):
# throughput >= 2.0 x `pigz -1 -p 2`, image <= 1.05 x `gzip -1` output, dlbench peak
# RSS <= 64 MiB.  The zlib writer's ratios are printed next to them.
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
# OUTPUT), then fdatasync of OUTPUT; sets SECS, SIZE, and RSS (KiB) and CPU (user +
# system seconds) of that run, "-" without /usr/bin/time.
run_best() {
	local label=$1 out=$2 t0 s best="" rss="-" cpu="-" u sy
	shift 2
	RSS=- CPU=-
	for _ in $(seq 1 "$RUNS"); do
		rm -f "$out"
		t0=$(now)
		if [ -n "$TIME" ]; then
			"$TIME" -f '%M %U %S' -o "$WORK/rss" "$@" || fail "$label failed"
			read -r rss u sy < <(tail -n 1 "$WORK/rss")
			cpu=$(awk -v a="$u" -v b="$sy" 'BEGIN { printf "%.2f", a + b }')
		else
			"$@" || fail "$label failed"
		fi
		sync -d "$out" 2>/dev/null || sync
		s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
		if awk -v a="$best" -v b="$s" 'BEGIN { exit !(a == "" || b < a) }'; then
			best=$s RSS=$rss CPU=$cpu
		fi
	done
	SECS=$best
	SIZE=$(stat -c %s "$out")
}

mbs() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.1f", r / s / 1e6 }'; }

declare -A MBS SZ MEM CPUS
ENGINES=$("$DLBENCH" -e list) || fail "dlbench -e list failed"

# keep NAME/TOOL RAW: file the figures of the last run_best.
keep() {
	MBS[$1]=$(mbs "$2" "$SECS")
	SZ[$1]=$SIZE
	MEM[$1]=$RSS
	CPUS[$1]=$CPU
}

# bench NAME FILE
bench() {
	local name=$1 in=$2 raw e line
	raw=$(stat -c %s "$in")
	cat "$in" >/dev/null	# page cache
	for e in isal zlib; do
		case " $ENGINES " in *" $e "*) ;; *) continue ;; esac
		run_best "dlbench -e $e" "$WORK/out.disclog" \
			sh -c '"$0" -t 2 -e "$1" -o "$2" "$3" > "$4"' "$DLBENCH" "$e" "$WORK/out.disclog" "$in" "$WORK/dlbench.out"
		cat "$WORK/dlbench.out"
		# Wall time of the whole process, as for pigz and gzip; peak RSS and CPU from
		# dlbench's getrusage when /usr/bin/time is missing.
		line=$(cat "$WORK/dlbench.out")
		[ "$RSS" = - ] && RSS=$(echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\).*/\1/p')
		[ "$CPU" = - ] && CPU=$(echo "$line" | sed -n 's/.* cpu=\([0-9.]*\).*/\1/p')
		keep "$name/disclog-$e" "$raw"
	done
	run_best "pigz" "$WORK/out.gz" sh -c 'exec pigz -1 -p 2 -c "$0" > "$1"' "$in" "$WORK/out.gz"
	keep "$name/pigz" "$raw"
	run_best "gzip" "$WORK/out.gz" sh -c 'exec gzip -1 -c "$0" > "$1"' "$in" "$WORK/out.gz"
	keep "$name/gzip" "$raw"
	rm -f "$WORK/out.gz" "$WORK/out.disclog"
}

echo "== data: ${MIB} MiB pattern and a tar of /usr/lib capped at ${MIB} MiB; $(nproc) CPUs; best of $RUNS"
echo "== deflate engines built: $ENGINES; load at start: $(uptime | sed 's/.*load average: //')"
"$DLBENCH" -g "$MIB" "$WORK/pattern.bin" || fail "dlbench -g failed"
tar cf - -C / usr/lib 2>/dev/null | head -c $(( MIB * 1048576 )) >"$WORK/usrlib.tar"
[ -s "$WORK/usrlib.tar" ] || fail "could not build the tar of /usr/lib"

bench pattern "$WORK/pattern.bin"
bench usrlib "$WORK/usrlib.tar"
rm -f "$WORK/pattern.bin" "$WORK/usrlib.tar"

. "$(dirname "${BASH_SOURCE[0]}")/goal.sh"	# goal, MISSED
# ratio A B FORMAT: A / B, or n/a when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" -v f="$3" \
		'BEGIN { if (a == "" || a == "-" || b == "" || b == "-" || b == 0) print "n/a"; else printf f, a / b }'
}
atleast() { awk -v x="$1" -v g="$2" 'BEGIN { print (x != "n/a" && x >= g) ? 1 : 0 }'; }
atmost() { awk -v x="$1" -v g="$2" 'BEGIN { print (x != "n/a" && x <= g) ? 1 : 0 }'; }

echo "== summary (MB/s of raw data, MB = 10^6 bytes; size in bytes; peak RSS in KiB; CPU s = user + system)"
printf '  %-8s %-14s %10s %12s %10s %8s\n' data tool MB/s size peak-RSS CPU-s
for d in pattern usrlib; do
	for t in disclog-isal disclog-zlib pigz gzip; do
		printf '  %-8s %-14s %10s %12s %10s %8s\n' "$d" "$t" "${MBS[$d/$t]:--}" "${SZ[$d/$t]:--}" \
			"${MEM[$d/$t]:--}" "${CPUS[$d/$t]:--}"
	done
done
echo "== ratios (disclog with 2 workers; the goals are the ISA-L writer's)"
for d in pattern usrlib; do
	tp=$(ratio "${MBS[$d/disclog-isal]:-}" "${MBS[$d/pigz]}" %.2f)
	sz=$(ratio "${SZ[$d/disclog-isal]:-}" "${SZ[$d/gzip]}" %.3f)
	mem=$(ratio "${MEM[$d/disclog-isal]:-}" 1024 %.1f)
	why=""
	[ -n "${MBS[$d/disclog-isal]:-}" ] || why=" (built without ISA-L: --without-isal, or no libisal-dev)"
	goal "$d: throughput disclog ISA-L / pigz -1 -p 2 = $tp (>= 2.00)$why" "$(atleast "$tp" 2.0)"
	goal "$d: size disclog ISA-L / gzip -1 = $sz (<= 1.05)$why" "$(atmost "$sz" 1.05)"
	goal "$d: dlbench ISA-L peak memory = $mem MiB (<= 64)$why" "$(atmost "$mem" 64)"
	echo "  $d: zlib writer / pigz -1 -p 2 = $(ratio "${MBS[$d/disclog-zlib]}" "${MBS[$d/pigz]}" %.2f)," \
		"size zlib writer / gzip -1 = $(ratio "${SZ[$d/disclog-zlib]}" "${SZ[$d/gzip]}" %.3f);" \
		"ISA-L / zlib writer = $(ratio "${MBS[$d/disclog-isal]:-}" "${MBS[$d/disclog-zlib]}" %.2f);" \
		"CPU s pigz / ISA-L writer = $(ratio "${CPUS[$d/pigz]}" "${CPUS[$d/disclog-isal]:-}" %.2f)"
done
echo "== load at end: $(uptime | sed 's/.*load average: //')"
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
exit 0
