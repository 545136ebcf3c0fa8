#!/bin/bash
# make bench: READ throughput of simdrive against tgtd (Debian's tgt) on the same
# 256 MiB image, measured with the same client in the same run (not part of make check).
#
# Client: iclient read (libiscsi, one poll loop, READ(10) of 64 KiB, 4 in flight per
# session, every byte compared with the image).  iscsi-perf is not usable here: it
# needs READ CAPACITY(16) and READ(16), which an MMC LUN answers with 20/00.
# tgtd runs in the foreground on a free loopback port with its management socket
# under the bench directory (TGT_IPC_SOCKET), exports the image twice: as a cd/dvd LUN
# (its mmc backing) and as a disk LUN with 2048-byte blocks.  Everything is bounded by
# timeouts and tgtd is always stopped.
#
# Environment: SIMDRIVE, TESTLIB, TESTTMP (from make bench); ICLIENT (optional: found
# next to simdrive in the build tree and built there if missing); BENCH_MIB (image size,
# default 256); BENCH_RUNS (runs per configuration, best kept, default 3).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need timeout

MIB=${BENCH_MIB:-256}
RUNS=${BENCH_RUNS:-3}
BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
if [ -z "${ICLIENT:-}" ]; then
	ICLIENT="$BUILD/tests/integration/iclient"
	[ -x "$ICLIENT" ] || timeout 300 make -C "$BUILD" -s tests/integration/iclient >&2 ||
		fail "cannot build $ICLIENT"
fi
[ -x "$ICLIENT" ] || fail "no iclient at $ICLIENT"

TGT_IQN_CD="iqn.2026-01.org.burnlab:bench-tgt-cd"
TGT_IQN_DISK="iqn.2026-01.org.burnlab:bench-tgt-disk"
. "$(dirname "${BASH_SOURCE[0]}")/tgtd.sh"

# measure LABEL URL SESSIONS MIB_PER_SESSION: best MB/s of RUNS runs, printed.
declare -A RESULT
measure() {
	local label=$1 url=$2 sessions=$3 mib=$4 best=0 out mbs
	for _ in $(seq 1 "$RUNS"); do
		out=$("$ICLIENT" --timeout 300 read "$url" --file "$ISO" --sessions "$sessions" \
			--mib "$mib" 2>&1) || { echo "$out" >&2; echo "  $label: FAILED" >&2; RESULT[$label]=0; return 1; }
		mbs=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) MB\/s total.*/\1/p')
		best=$(awk -v a="$best" -v b="$mbs" 'BEGIN { print (b > a) ? b : a }')
	done
	RESULT[$label]=$best
	printf '  %-34s %10.1f MB/s\n' "$label ($sessions x $mib MiB)" "$best"
}

ISO="$WORK/bench.iso"
echo "== generating a ${MIB} MiB image"
mkdata "$ISO" "$MIB" 42
cat "$ISO" >/dev/null	# warm the page cache for both targets

sim_start bench --drive lun=0,media=dvd-rom,file="$ISO"
SIM_URL="iscsi://$SIM_HOST/$SIM_TARGET/0"

bench_start_tgtd
if [ "$HAVE_TGT" = yes ]; then
	tgtadm_ --op new --mode target --tid 1 -T "$TGT_IQN_CD" &&
	tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$ISO" --device-type cd &&
	tgtadm_ --op bind --mode target --tid 1 -I ALL &&
	tgtadm_ --op new --mode target --tid 2 -T "$TGT_IQN_DISK" &&
	tgtadm_ --op new --mode logicalunit --tid 2 --lun 1 -b "$ISO" --device-type disk \
		--blocksize 2048 &&
	tgtadm_ --op bind --mode target --tid 2 -I ALL ||
		fail "tgtadm could not set up the targets"
	echo "== tgtd $("$TGTD" --version 2>/dev/null | head -n 1) on 127.0.0.1:$TGT_PORT"
fi

PER=$(( MIB < 64 ? MIB : 64 ))
for cfg in "1 $MIB" "8 $PER"; do
	set -- $cfg
	echo "== READ(10) 64 KiB x 4 in flight per session, $1 session(s) x $2 MiB, best of $RUNS"
	measure "simdrive/$1" "$SIM_URL" "$1" "$2"
	if [ "$HAVE_TGT" = yes ]; then
		measure "tgtd-cd/$1" "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN_CD/1" "$1" "$2"
		measure "tgtd-disk/$1" "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN_DISK/1" "$1" "$2"
	fi
done

echo "== summary (MB = 10^6 bytes)"
for n in 1 8; do
	s=${RESULT[simdrive/$n]:-0}
	printf '  %d session(s): simdrive %.1f MB/s' "$n" "$s"
	if [ "$HAVE_TGT" = yes ]; then
		c=${RESULT[tgtd-cd/$n]:-0} d=${RESULT[tgtd-disk/$n]:-0}
		printf ', tgtd cd %.1f MB/s (ratio simdrive/tgtd-cd %s), tgtd disk %.1f MB/s (ratio %s)' \
			"$c" "$(awk -v a="$s" -v b="$c" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" \
			"$d" "$(awk -v a="$s" -v b="$d" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
	fi
	echo
done

sim_stop
stop_tgtd
