#!/bin/bash
# Back-pressure of a disc image without stalling the daemon (doc/iscsi-target.md
# "Threads, and who waits for what"): while LUN 0's image writer is held full, LUN 0's
# WRITEs wait as pending commands and another session's commands to LUN 0 and LUN 1 -
# including recording on LUN 1 - are answered; once released every WRITE completes in
# order and the image holds exactly what was sent.  tests/integration/bpclient.c does the
# SCSI part; the hold is the control socket's `image LUN hold` (doc/simdrive-control.md).
# No timed assertion: timeout(1) only bounds a hang (the loop stuck in the writer
# would never answer the control socket).
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need timeout
: "${BPCLIENT:?BPCLIENT must name tests/integration/bpclient}"
: "${DISCLOG:?DISCLOG must name the disclog program}"

DATA="$WORK/data"
mkdata "$DATA" 40 backpressure		# random: the image cannot shrink it
IMG0="$WORK/lun0.disclog" IMG1="$WORK/lun1.disclog"
CTL="$WORK/control.sock"
sim_start bp --control "$CTL" --drive "lun=0,media=dvd+r,image=$IMG0" \
	--drive "lun=1,media=dvd+r,image=$IMG1"

check "LUN 0 held full: its WRITEs wait, session B's commands to LUN 0 and LUN 1 answer; released, every WRITE GOOD in order, read back equal"
timeout 300 "$BPCLIENT" "$CTL" "iscsi://$SIM_HOST/$SIM_TARGET/0" \
	"iscsi://$SIM_HOST/$SIM_TARGET/1" "$DATA" || fail "bpclient failed"

check "the daemon log shows the held image, simdrive exits 0"
grep -q "image writer held" "$SIM_LOG" || fail "the daemon log shows no held image"
sim_stop

# LUN 0's image: intact, and exactly DATA from LBA 0; LUN 1's: the first 2 MiB of it.
check "LUN 0's image verifies and holds exactly the data sent"
"$DISCLOG" verify "$IMG0" >"$WORK/verify0.out" || { cat "$WORK/verify0.out"; fail "LUN 0's image does not verify"; }
"$DISCLOG" diff "$IMG0" "$DATA" >"$WORK/diff0.out" || { cat "$WORK/diff0.out"; fail "LUN 0's image differs from the data sent"; }
echo "LUN 0: $(head -n 1 "$WORK/diff0.out")"

check "LUN 1's image verifies and holds the 2 MiB recorded meanwhile"
head -c $((2 << 20)) "$DATA" >"$WORK/data1"
"$DISCLOG" verify "$IMG1" >"$WORK/verify1.out" || { cat "$WORK/verify1.out"; fail "LUN 1's image does not verify"; }
"$DISCLOG" diff "$IMG1" "$WORK/data1" >"$WORK/diff1.out" || { cat "$WORK/diff1.out"; fail "LUN 1's image differs from the data sent"; }
echo "LUN 1: $(head -n 1 "$WORK/diff1.out")"
