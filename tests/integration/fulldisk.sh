#!/bin/bash
# A full disk and a failing disk under the disc images while recording (issue 15;
# doc/simdrive-faults.md "A full or failing disk").  One daemon, five DVD+R LUNs: LUNs
# 0-3 get one of image-enospc, image-enospc at-sync, image-eio, image-eio at-sync from
# the control socket in the middle of a burn through the write engine (wengine), LUN 4
# none.  Per faulty LUN:
#   - 1 MiB written and SYNCHRONIZE CACHE acknowledged (the durable prefix);
#   - the fault armed, 4 MiB more written: the WRITE or the SYNCHRONIZE CACHE that meets
#     the failure fails with 3/0C/00 WRITE ERROR (ENOSPC) or 4/44/00 INTERNAL TARGET
#     FAILURE (EIO), and wengine reports E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE
#     (0xC0AA0301) with the sense in words;
#   - every later WRITE, SYNCHRONIZE CACHE and CLOSE TRACK of that LUN, from any
#     session, gets the same sense; TEST UNIT READY and reads of the prefix still work;
#     the control socket lists the fault as fired;
# LUN 4 burns, syncs and verifies meanwhile.  simdrive stops (exit 0); every image
# verifies (or ends in a torn tail, never damage before it) and holds the prefix
# (disclog extract + cmp); restarted on the images, every LUN reads the prefix back,
# records again and its image verifies.  Last, a real small file system (tmpfs of
# 3 MiB in a user and mount namespace, unshare(1)) instead of the injection, skipped
# where namespaces are not allowed.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${FAULTCLIENT:?FAULTCLIENT must name tests/integration/faultclient}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
need timeout

W=$WENGINE
HR="E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE (0xC0AA0301)"

RUN_TIMEOUT=120
# nwa URL: the NWA wengine info reports.
nwa() {
	timeout 60 "$W" info "$1" --json | grep -o '"nwa":[-0-9]*' | head -n 1 | cut -d: -f2
}
# verify_image IMAGE: disclog verify exits 0 (intact) or 1 (torn tail), never 4.
verify_image() {
	local rc=0
	"$DISCLOG" verify "$1" >"$WORK/verify.out" 2>&1 || rc=$?
	cat "$WORK/verify.out"
	[ "$rc" -le 1 ] || fail "disclog verify '$1' exited $rc"
}
# prefix_equal IMAGE FILE BLOCKS: the image's first BLOCKS blocks are FILE's.
prefix_equal() {
	"$DISCLOG" extract "$1" --lba 0 --count "$3" -o "$WORK/extract.bin" ||
		fail "disclog extract of '$1'"
	head -c $(( $3 * 2048 )) "$2" >"$WORK/expect.bin"
	cmp "$WORK/expect.bin" "$WORK/extract.bin" || fail "'$1': the first $3 blocks differ from '$2'"
}

mkdata "$WORK/d1" 1 fulldisk-1		# 512 blocks: the acknowledged prefix
mkdata "$WORK/d2" 4 fulldisk-2		# 2048 blocks: the burn the disk fails under
mkdata "$WORK/d3" 1 fulldisk-3		# after the restart
head -c 2048 "$WORK/d3" >"$WORK/one"

# LUN  fault words (after the LUN)              sense     sense in words
CASES=(
	"0 image-enospc after=300000         3/0C/00 MEDIUM ERROR: WRITE ERROR (3/0C/00)"
	"1 image-enospc after=0 at-sync      3/0C/00 MEDIUM ERROR: WRITE ERROR (3/0C/00)"
	"2 image-eio after=300000            4/44/00 HARDWARE ERROR: INTERNAL TARGET FAILURE (4/44/00)"
	"3 image-eio after=0 at-sync         4/44/00 HARDWARE ERROR: INTERNAL TARGET FAILURE (4/44/00)"
)
drives=()
for l in 0 1 2 3 4; do
	drives+=(--drive "lun=$l,media=dvd+r,image=$WORK/lun$l.disclog")
done
CTL="$WORK/control.sock"
sim_start fulldisk --control "$CTL" "${drives[@]}"
U="iscsi://$SIM_HOST/$SIM_TARGET"

declare -A NWA_AFTER
for c in "${CASES[@]}"; do
	read -r l kind after sync sense words <<<"$c"
	[ "$sync" = at-sync ] || { words="$sense $words"; sense=$sync; sync=""; }
	check "LUN $l, $kind $after $sync: the failing WRITE or SYNCHRONIZE CACHE gets $sense, wengine $HR"
	run_as 0 "w1-$l" "$W" write "$U/$l" "$WORK/d1" --bytes-per-sector 2048 --lba nwa
	run_as 0 "s1-$l" "$W" sync "$U/$l"
	"$FAULTCLIENT" control "$CTL" "fault $kind lun=$l $after $sync" >"$WORK/arm-$l.out" ||
		fail "control: fault $kind"
	grep -q '^ok [0-9]' "$WORK/arm-$l.out" || fail "control: $(cat "$WORK/arm-$l.out")"
	# The write engine queues its WRITEs in the drive's buffer: the failure shows on
	# a WRITE once the image writer met it, else on the SYNCHRONIZE CACHE after.
	rc=0
	timeout 120 "$W" write "$U/$l" "$WORK/d2" --bytes-per-sector 2048 --lba 512 \
		>"$WORK/w2-$l.out" 2>"$WORK/w2-$l.err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "LUN $l: every WRITE GOOD (queued); the SYNCHRONIZE CACHE reports it"
		run_as 1 "fail-$l" "$W" sync "$U/$l"
		has "fail-$l" "wengine: sync: $HR" "wengine: sense: $words"
	else
		[ "$rc" -eq 1 ] || fail "wengine write exited $rc"
		echo "LUN $l: a WRITE reports it"
		has "w2-$l" "wengine: write: $HR" "wengine: sense: $words"
	fi
	[ -z "$sync" ] || [ "$rc" -eq 0 ] || fail "at-sync: a WRITE failed although every pwrite succeeds"

	check "LUN $l after the failure: WRITE, SYNCHRONIZE CACHE, CLOSE TRACK refused with $sense from two sessions; TUR and reads go on; the fault fired"
	"$FAULTCLIENT" "$U/$l" ready "write 2560 16 1 $sense" "sync $sense" "tur GOOD" "reconnect" \
		"tur GOOD" "write 512 1 1 $sense" "write 0 1 1 $sense" "close-track 1 $sense" \
		>"$WORK/fc-$l.out" 2>&1 || { cat "$WORK/fc-$l.out"; fail "faultclient on LUN $l"; }
	run_as 1 "w3-$l" "$W" write "$U/$l" "$WORK/one" --bytes-per-sector 2048 --lba nwa
	has "w3-$l" "wengine: write: $HR" "wengine: sense: $words"
	run_as 1 "s3-$l" "$W" sync "$U/$l"
	has "s3-$l" "wengine: sync: $HR" "wengine: sense: $words"
	run_as 1 "c3-$l" "$W" close "$U/$l" track 1
	has "c3-$l" "$HR" "wengine: sense: $words"
	run_as 0 "v3-$l" "$W" verify "$U/$l" "$WORK/d1" --lba 0
	"$FAULTCLIENT" control "$CTL" "faults" >"$WORK/faults-$l.out" || fail "control: faults"
	grep -qE "fired=1 $kind lun=$l " "$WORK/faults-$l.out" ||
		fail "the fault is not listed as fired: $(cat "$WORK/faults-$l.out")"
	grep -q "the disc refuses recording from now on (sense $sense)" "$SIM_LOG" ||
		fail "the daemon log does not name the failure"
done

check "LUN 4 (no fault) burns, syncs, closes and verifies meanwhile"
run_as 0 w-4 "$W" write "$U/4" "$WORK/d2" --bytes-per-sector 2048 --lba nwa
run_as 0 s-4 "$W" sync "$U/4"
run_as 0 c-4 "$W" close "$U/4" track 1
run_as 0 v-4 "$W" verify "$U/4" "$WORK/d2" --lba 0

check "control: an image fault on a LUN without an image, or without lun= on 5 LUNs, is refused"
"$FAULTCLIENT" control "$CTL" "fault image-eio lun=9" "fault image-eio after=5" \
	>"$WORK/ctl-bad.out" || fail "control session"
sed -n 1p "$WORK/ctl-bad.out" | grep -q "^error: fault: no LUN 9" ||
	fail "lun=9: $(sed -n 1p "$WORK/ctl-bad.out")"
sed -n 2p "$WORK/ctl-bad.out" | grep -q "^error: fault: image-eio needs lun=N (5 LUNs)" ||
	fail "no lun=: $(sed -n 2p "$WORK/ctl-bad.out")"

check "simdrive stops with exit 0; every image verifies or ends in a torn tail, and holds the synced 512 blocks"
sim_stop
for l in 0 1 2 3; do
	verify_image "$WORK/lun$l.disclog"
	prefix_equal "$WORK/lun$l.disclog" "$WORK/d1" 512
done
"$DISCLOG" verify "$WORK/lun4.disclog" >/dev/null || fail "LUN 4's image does not verify"
prefix_equal "$WORK/lun4.disclog" "$WORK/d2" 2048

sim_start restart "${drives[@]}"
U="iscsi://$SIM_HOST/$SIM_TARGET"
for c in "${CASES[@]}"; do
	read -r l kind after sync sense words <<<"$c"
	check "LUN $l restarted: the synced 512 blocks read back, NWA at or after them, recording works again"
	run_as 0 "rv-$l" "$W" verify "$U/$l" "$WORK/d1" --lba 0
	n=$(nwa "$U/$l")
	# A cut write leaves a torn tail the reload drops: the synced state.  A failed
	# fdatasync after whole writes leaves the blocks in the file: the reload replays
	# them (doc/simdrive-faults.md "Power loss") and they read back as written.
	want=512
	[ -z "$sync" ] || [ "$sync" != at-sync ] || want=2560
	[ "$n" = "$want" ] || fail "NWA '$n' after the reload, expected $want"
	echo "LUN $l: NWA $n after the reload"
	[ "$want" = 512 ] || run_as 0 "rv2-$l" "$W" verify "$U/$l" "$WORK/d2" --lba 512
	NWA_AFTER[$l]=$n
	run_as 0 "rw-$l" "$W" write "$U/$l" "$WORK/d3" --bytes-per-sector 2048 --lba nwa
	run_as 0 "rs-$l" "$W" sync "$U/$l"
	run_as 0 "rvv-$l" "$W" verify "$U/$l" "$WORK/d3" --lba "$n"
	run_as 0 "rv1-$l" "$W" verify "$U/$l" "$WORK/d1" --lba 0
done
check "restarted: LUN 4 reads its burn back"
run_as 0 rv-4 "$W" verify "$U/4" "$WORK/d2" --lba 0
sim_stop
check "after the restart and a clean stop every image verifies (exit 0)"
for l in 0 1 2 3 4; do
	"$DISCLOG" verify "$WORK/lun$l.disclog" >"$WORK/final-$l.out" 2>&1 ||
		{ cat "$WORK/final-$l.out"; fail "LUN $l's image does not verify"; }
done
for l in 0 1 2 3; do
	"$DISCLOG" extract "$WORK/lun$l.disclog" --lba "${NWA_AFTER[$l]}" --count 512 \
		-o "$WORK/extract3.bin" || fail "extract of LUN $l"
	cmp "$WORK/d3" "$WORK/extract3.bin" || fail "LUN $l: the blocks written after the restart differ"
done

# ---- a real full file system ---------------------------------------------------------
# simdrive runs in a user and mount namespace of its own, its LUN 0 image on a 3 MiB
# tmpfs; the wrapper copies the image out once simdrive has stopped (the tmpfs goes
# with the namespace).
TINY="$WORK/tiny"
mkdir -p "$TINY"
if ! unshare -rm sh -c "mount -t tmpfs -o size=3m fulldisk '$TINY'" 2>"$WORK/unshare.err"; then
	skip_check "a real full file system (tmpfs in a user namespace)" \
		"unshare -rm with a tmpfs is not allowed here: $(head -n 1 "$WORK/unshare.err")"
	exit 0
fi
# tinysim.sh is what sim_start runs as simdrive: it becomes (exec, same PID) unshare,
# which becomes the inner script; SIGTERM reaches that script, which passes it on.
cat >"$WORK/tinysim-inner.sh" <<EOF
#!/bin/sh
mount -t tmpfs -o size=3m fulldisk '$TINY' || exit 97
"$SIMDRIVE" "\$@" &
pid=\$!
trap 'kill -TERM \$pid' TERM
wait \$pid
rc=\$?
if [ \$rc -ge 128 ]; then wait \$pid; rc=\$?; fi
cp '$TINY/lun0.disclog' '$WORK/tiny-lun0.disclog' || exit 98
exit \$rc
EOF
printf '#!/bin/sh\nexec unshare -rm "%s" "$@"\n' "$WORK/tinysim-inner.sh" >"$WORK/tinysim.sh"
chmod +x "$WORK/tinysim.sh" "$WORK/tinysim-inner.sh"
SIMDRIVE_REAL=$SIMDRIVE
SIMDRIVE="$WORK/tinysim.sh"
sim_start tiny --drive "lun=0,media=dvd+r,image=$TINY/lun0.disclog" \
	--drive "lun=1,media=dvd+r,image=$WORK/tiny-lun1.disclog"
SIMDRIVE=$SIMDRIVE_REAL
U="iscsi://$SIM_HOST/$SIM_TARGET"

check "tmpfs of 3 MiB: 1 MiB synced, then 4 MiB: the file system fills, 3/0C/00 and $HR"
run_as 0 t-w1 "$W" write "$U/0" "$WORK/d1" --bytes-per-sector 2048 --lba nwa
run_as 0 t-s1 "$W" sync "$U/0"
rc=0
timeout 120 "$W" write "$U/0" "$WORK/d2" --bytes-per-sector 2048 --lba 512 \
	>"$WORK/t-w2.out" 2>"$WORK/t-w2.err" || rc=$?
if [ "$rc" -eq 0 ]; then
	run_as 1 t-fail "$W" sync "$U/0"
	has t-fail "wengine: sync: $HR" "wengine: sense: MEDIUM ERROR: WRITE ERROR (3/0C/00)"
else
	has t-w2 "wengine: write: $HR" "wengine: sense: MEDIUM ERROR: WRITE ERROR (3/0C/00)"
fi
grep -q "No space left on device" "$SIM_LOG" || fail "the daemon log does not name ENOSPC"
run_as 1 t-w3 "$W" write "$U/0" "$WORK/one" --bytes-per-sector 2048 --lba nwa
has t-w3 "wengine: sense: MEDIUM ERROR: WRITE ERROR (3/0C/00)"
run_as 0 t-v "$W" verify "$U/0" "$WORK/d1" --lba 0
run_as 0 t-l1 "$W" write "$U/1" "$WORK/d1" --bytes-per-sector 2048 --lba nwa
run_as 0 t-l1s "$W" sync "$U/1"

check "tmpfs: stopped, the image holds the synced 512 blocks; restarted on it, they read back and recording goes on"
sim_stop
verify_image "$WORK/tiny-lun0.disclog"
prefix_equal "$WORK/tiny-lun0.disclog" "$WORK/d1" 512
sim_start tiny-restart --drive "lun=0,media=dvd+r,image=$WORK/tiny-lun0.disclog"
U="iscsi://$SIM_HOST/$SIM_TARGET"
run_as 0 t-rv "$W" verify "$U/0" "$WORK/d1" --lba 0
run_as 0 t-rw "$W" write "$U/0" "$WORK/d3" --bytes-per-sector 2048 --lba nwa
run_as 0 t-rs "$W" sync "$U/0"
sim_stop
"$DISCLOG" verify "$WORK/tiny-lun0.disclog" >/dev/null || fail "the tmpfs image does not verify after the restart"
