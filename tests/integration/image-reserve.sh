#!/bin/bash
# The disc images' reserve (simdrive --image-reserve; doc/simdrive-recorder.md §10,
# doc/disclog.md §6): the member buffers of the image pool are made and faulted in
# before the ready line and kept, so a burn copies into pages already there instead of
# faulting them in one by one on the loop thread.  The same drives with
# --image-reserve 0 are the baseline every figure is compared with:
#  - resident memory at the ready line: more by the reserve (given, and the default:
#    2 MiB per recording drive, at most --image-memory + 1 MiB per recording drive);
#  - page faults of simdrive during the same burn: fewer than half;
#  - resident memory after the burn's SYNCHRONIZE CACHE: the reserve stays;
#  - both images hold exactly what was sent;
#  - a bad --image-reserve is refused with a message naming it.
# The memory and fault figures are skipped in the sanitizer build, whose allocator
# keeps freed blocks in quarantine (its RSS says nothing of simdrive's own).
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog binary}"
need timeout

rss() { proc_kib "$1" VmRSS; }
# minflt PID: minor page faults of the process so far (proc(5) stat field 10).
minflt() {
	local line
	read -r line <"/proc/$1/stat"
	set -- ${line##*) }
	echo "$8"
}
mib_diff() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) / 1024 }'; }
# within X LO HI: LO <= X <= HI (MiB, decimals allowed)
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

DATA=$WORK/data
mkdata "$DATA" 24 image-reserve
RECORDING=(--drive "lun=0,media=dvd+r,image=$WORK/a.disclog"
	   --drive "lun=1,media=dvd+r,image=$WORK/b.disclog"
	   --drive "lun=2,media=cd-r,image=$WORK/c.disclog")
ISO_DRIVE=(--drive "lun=3,media=dvd-rom,file=$DATA")

check "a bad --image-reserve is refused, naming the option"
for bad in -1 x 65537 ''; do
	out=$("$SIMDRIVE" --listen 127.0.0.1:0 --image-reserve "$bad" 2>&1) && fail "--image-reserve '$bad' was accepted"
	rc=$?
	[ "$rc" -eq 2 ] || fail "--image-reserve '$bad': exit status $rc, expected 2"
	echo "$out" | grep -q "^simdrive: --image-reserve '$bad': expected a number 0..65536$" ||
		fail "--image-reserve '$bad': message was: $out"
done

# The baseline: no reserve.  Then the default and a given one on the same drives.
sim_start none --image-memory 4 --image-reserve 0 "${RECORDING[@]}" "${ISO_DRIVE[@]}"
NONE_PID=$SIM_PID NONE_URL=iscsi://$SIM_HOST/$SIM_TARGET/0
rss_none=$(rss "$NONE_PID")
sim_start dflt --image-memory 4 "${RECORDING[@]/$WORK\//$WORK/d-}" "${ISO_DRIVE[@]}"
DFLT_PID=$SIM_PID
rss_dflt=$(rss "$DFLT_PID")
sim_start capped --image-memory 1 "${RECORDING[@]/$WORK\//$WORK/c-}" "${ISO_DRIVE[@]}"
CAPPED_PID=$SIM_PID
rss_capped=$(rss "$CAPPED_PID")
sim_start given --image-memory 4 --image-reserve 16 "${RECORDING[@]/$WORK\//$WORK/g-}" "${ISO_DRIVE[@]}"
GIVEN_PID=$SIM_PID GIVEN_URL=iscsi://$SIM_HOST/$SIM_TARGET/0
rss_given=$(rss "$GIVEN_PID")
echo "VmRSS at the ready line: reserve 0 $rss_none kB, default $rss_dflt kB, default on a 1 MiB" \
	"budget $rss_capped kB, 16 MiB $rss_given kB"

if [ -n "${BURNLAB_SANITIZERS:-}" ]; then
	skip_check "the reserve is resident at the ready line" "sanitizer build"
else
	check "the reserve is resident at the ready line: default 2 MiB per recording drive (6), at most the budget + 1 per drive (1 + 3 = 4), given 16 MiB"
	d=$(mib_diff "$rss_dflt" "$rss_none") c=$(mib_diff "$rss_capped" "$rss_none")
	g=$(mib_diff "$rss_given" "$rss_none")
	echo "more than with no reserve: default $d MiB, default on a 1 MiB budget $c MiB, given $g MiB"
	within "$d" 5.5 7 || fail "the default reserve added $d MiB, expected 6"
	within "$c" 3.5 5 || fail "the default reserve on a 1 MiB budget added $c MiB, expected 4"
	within "$g" 15.5 17.5 || fail "--image-reserve 16 added $g MiB"
fi
sim_stop "$DFLT_PID"
sim_stop "$CAPPED_PID"

# burn NAME PID URL: wengine writes DATA at queue depth 4, then SYNCHRONIZE CACHE;
# FAULTS = simdrive's minor faults during the write.
burn() {
	local f0
	f0=$(minflt "$2")
	timeout 120 "$WENGINE" write "$3" "$DATA" --bytes-per-sector 2048 --lba nwa \
		--queue-depth 4 --max-transfer 262144 --json --no-progress >"$WORK/$1.json" 2>&1 ||
		{ cat "$WORK/$1.json"; fail "wengine write ($1) failed"; }
	FAULTS=$(( $(minflt "$2") - f0 ))
	timeout 60 "$WENGINE" sync "$3" >/dev/null 2>"$WORK/$1.sync" ||
		{ cat "$WORK/$1.sync"; fail "SYNCHRONIZE CACHE ($1) failed"; }
}

check "the same 24 MiB burned at queue depth 4 with no reserve and with one"
burn none "$NONE_PID" "$NONE_URL"
faults_none=$FAULTS
burn given "$GIVEN_PID" "$GIVEN_URL"
faults_given=$FAULTS
rss_none_after=$(rss "$NONE_PID") rss_given_after=$(rss "$GIVEN_PID")
echo "simdrive's minor page faults during the write: reserve 0 $faults_none, 16 MiB $faults_given;" \
	"VmRSS after the SYNC: $rss_none_after kB, $rss_given_after kB"

if [ -n "${BURNLAB_SANITIZERS:-}" ]; then
	skip_check "the burn faults in fewer than half the pages with the reserve" "sanitizer build"
	skip_check "the reserve stays resident after the burn's SYNCHRONIZE CACHE" "sanitizer build"
else
	check "the burn faults in fewer than half the pages with the reserve"
	[ $((faults_given * 2)) -lt "$faults_none" ] ||
		fail "minor faults: $faults_given with the reserve, $faults_none without"
	check "the reserve stays resident after the burn's SYNCHRONIZE CACHE"
	g=$(mib_diff "$rss_given_after" "$rss_none_after")
	echo "more than with no reserve: $g MiB"
	within "$g" 15.5 64 || fail "after the burn the reserve added $g MiB, expected 16 or more"
fi
sim_stop "$GIVEN_PID"
sim_stop "$NONE_PID"

check "both images hold exactly what was sent"
verify_image "no reserve" "$WORK/a.disclog" "$DATA"
verify_image "16 MiB reserve" "$WORK/g-a.disclog" "$DATA"
