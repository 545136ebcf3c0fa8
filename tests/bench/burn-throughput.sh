#!/bin/bash
# make bench: BURN throughput of simdrive against tgtd (Debian's tgt) in the same run
# (not part of make check).
#
# Client: tests/bench/burnbench (libiscsi, raw MMC CDBs, one session): READ TRACK
# INFORMATION for the NWA, BENCH_BURN_MIB (default 1024) MiB of WRITE(10) of 32 KiB
# (16 x 2048-byte blocks) from the NWA, BURN_INFLIGHT (default 4) commands in flight,
# then SYNCHRONIZE CACHE; the time from the first WRITE to the end of the SYNC counts.
# Pattern data (each block stamped with its LBA).  After the timed part: CLOSE TRACK,
# CLOSE SESSION (finalize) and a read-back of three blocks (not timed).
#
# simdrive: --drive media=dvd+r,image=FILE (a blank DVD+R, every write recorded in the
# disclog image FILE).  tgtd: its MMC emulation (usr/mmc.c) treats an EMPTY backing
# file as a blank DVD+R (profile 001Bh, NWA 0, free blocks 2295104) and writes the
# blocks straight into the file; `tgtadm --device-type cd -b FILE`.  tgtd runs in the
# foreground on a free loopback port with its management socket under the bench
# directory (TGT_IPC_SOCKET), as in read-throughput.sh; it is always stopped.
# Both images are on the same file system (TESTTMP); each run starts from a new blank
# image, best of BENCH_RUNS (default 2) is kept.
#
# Environment: SIMDRIVE, TESTLIB, TESTTMP (from make bench); BURNBENCH (the client;
# built next to simdrive in the build tree if missing); BENCH_BURN_MIB, BENCH_RUNS,
# BURN_INFLIGHT, BURN_KIB.
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need timeout

MIB=${BENCH_BURN_MIB:-1024}
RUNS=${BENCH_RUNS:-2}
QD=${BURN_INFLIGHT:-4}
KIB=${BURN_KIB:-32}
BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
if [ -z "${BURNBENCH:-}" ]; then
	BURNBENCH="$BUILD/tests/bench/burnbench"
	[ -x "$BURNBENCH" ] || timeout 300 make -C "$BUILD" -s tests/bench/burnbench >&2 ||
		fail "cannot build $BURNBENCH"
fi
[ -x "$BURNBENCH" ] || fail "no burnbench at $BURNBENCH"

TGT_IQN="iqn.2026-01.org.burnlab:bench-tgt-burn"
. "$(dirname "${BASH_SOURCE[0]}")/tgtd.sh"

# One burn: LABEL URL; prints burnbench's lines, leaves the MB/s in LAST.
burn_once() {
	local out
	out=$(timeout 900 "$BURNBENCH" "$2" --mib "$MIB" --kib "$KIB" --inflight "$QD" \
		--label "$1" --close --verify $DATA_OPT 2>&1) || { echo "$out"; echo "  $1: FAILED"; LAST=0; return 1; }
	echo "$out" | sed 's/^/  /'
	LAST=$(echo "$out" | sed -n 's/.*s: \([0-9.]*\) MB\/s.*/\1/p' | head -n 1)
}


bench_start_tgtd
if [ "$HAVE_TGT" = yes ]; then
	echo "== tgtd $("$TGTD" --version 2>/dev/null | head -n 1) on 127.0.0.1:$TGT_PORT"
fi

# burn_series KIND: pattern data (the goal's measure) or random data (incompressible:
# the image cannot shrink it, so simdrive really writes every byte).
burn_series() {
	local kind=$1
	DATA_OPT=""
	[ "$kind" = random ] && DATA_OPT="--random"
	echo "== $kind data: burn of $MIB MiB, WRITE(10) $KIB KiB x $QD in flight, best of $RUNS"
	SIM_BEST=0 TGT_BEST=0
	for run in $(seq 1 "$RUNS"); do
		IMG="$WORK/burn-$kind.dl"
		rm -f "$IMG"
		sim_start "burn-$kind$run" --drive "lun=0,media=dvd+r,image=$IMG"
		burn_once "simdrive/run$run" "iscsi://$SIM_HOST/$SIM_TARGET/0" ||
			fail "simdrive burn failed"
		SIM_BEST=$(best "$SIM_BEST" "$LAST")
		sim_stop
		echo "  simdrive image: $(stat -c %s "$IMG") bytes"
		rm -f "$IMG"

		if [ "$HAVE_TGT" = yes ]; then
			TIMG="$WORK/tgt-burn.img"
			rm -f "$TIMG"
			: >"$TIMG"		# empty backing file = blank DVD+R for tgt's mmc
			tgtadm_ --op new --mode target --tid 1 -T "$TGT_IQN" &&
			tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$TIMG" --device-type cd &&
			tgtadm_ --op bind --mode target --tid 1 -I ALL ||
				fail "tgtadm could not set up the target"
			burn_once "tgtd/run$run" "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" ||
				fail "tgtd burn failed"
			TGT_BEST=$(best "$TGT_BEST" "$LAST")
			tgtadm_ --op delete --mode target --tid 1 --force >/dev/null 2>&1
			echo "  tgtd backing file: $(stat -c %s "$TIMG") bytes"
			rm -f "$TIMG"
		fi
	done

	echo "== summary for $kind data (MB = 10^6 bytes)"
	printf '  %s burn %d MiB: simdrive %.1f MB/s' "$kind" "$MIB" "$SIM_BEST"
	if [ "$HAVE_TGT" = yes ]; then
		printf ', tgtd %.1f MB/s, ratio simdrive/tgtd %s' "$TGT_BEST" \
			"$(awk -v a="$SIM_BEST" -v b="$TGT_BEST" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
	fi
	echo
}

burn_series pattern
burn_series random
stop_tgtd
