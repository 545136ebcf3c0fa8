#!/bin/bash
# The drive's time (doc/simdrive-time.md), with tests/integration/timeclient.c:
#  (a) a 16x DVD+R burn of 1 GiB at --time-scale 0 reports the virtual duration a real
#      16x drive needs (the image's DATA records carry it) in a few seconds of wall time;
#      READ BUFFER CAPACITY shows the fill during the burn and an empty buffer after
#      SYNCHRONIZE CACHE (e)
#  (b) --time-scale 1, a CD-R at 52x fed by a slow writer: without BUFE the burn fails
#      with 03/0C/09 and the image holds exactly the acknowledged blocks; with BUFE it
#      completes, the drive logs the underrun, the image holds everything
#  (c) IMMED SYNCHRONIZE CACHE and CLOSE SESSION at --time-scale 0.05: polled 02/04/08
#      with rising progress, then GOOD; page 2Ah and GET PERFORMANCE follow SET CD
#      SPEED (f)
#  (d) CLOSE SESSION without IMMED at --time-scale 0.05 answers after its time while a
#      second session is served on another LUN
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${TIMECLIENT:?TIMECLIENT must name the timeclient binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"

url() { echo "iscsi://$SIM_HOST/$SIM_TARGET/0"; }
# Blocks in the DATA records of an image.
image_blocks() {
	"$DISCLOG" records "$1" | awk '$3 == "DATA" { for (i = 4; i <= NF; i++) if ($i ~ /^count=/) n += substr($i, 7) } END { print n + 0 }'
}

# (a) + (e): 1 GiB at 16x, time-scale 0 (the default).
check "(a) a 16x DVD+R burn of 1 GiB at time scale 0 takes a real 16x drive's virtual time, in seconds of wall time"
image="$WORK/dvd16.disclog"
sim_start dvd16 --drive lun=0,media=dvd+r,image="$image"
"$TIMECLIENT" "$(url)" dvd 1024 16 >"$WORK/dvd16.out" || { cat "$WORK/dvd16.out"; fail "16x DVD+R burn"; }
sim_stop
cat "$WORK/dvd16.out"
wall=$(awk '$1 == "wall_s" { print $2 }' "$WORK/dvd16.out")
last=$("$DISCLOG" records "$image" | awk '$3 == "DATA" { for (i = 4; i <= NF; i++) if ($i ~ /^vtime_us=/) v = substr($i, 10) } END { print v + 0 }')
[ "$(image_blocks "$image")" -eq 524288 ] || fail "the image holds $(image_blocks "$image") blocks, not 524288"
# A real 16x drive: 1 GiB at 16 x 1385 kB/s.  The last DATA record is stamped when its
# data entered the buffer; the drive then still flushes one buffer (4 MiB, the default
# personality's DVD buffer) at the same speed (doc/simdrive-time.md).
awk -v last="$last" -v wall="$wall" 'BEGIN {
	rate = 16 * 1385000; expect = 1073741824 / rate; flush = 4194304 / rate;
	got = last / 1e6 + flush;
	printf "virtual duration %.3f s (last DATA record %.3f s + flush %.3f s); a real 16x drive: %.3f s; wall %.3f s\n",
		got, last / 1e6, flush, expect, wall;
	if (got < expect * 0.95 || got > expect * 1.05) { print "FAIL: not within 5 %"; exit 1 }
	if (wall > 120) { print "FAIL: wall time above 120 s"; exit 1 }
}' || fail "virtual duration of the 16x burn"

# (b) underrun without and with BUFE, in real time.
for bufe in 0 1; do
	check "(b) an underrun in real time with BUFE=$bufe: the image holds exactly the acknowledged blocks"
	image="$WORK/underrun$bufe.disclog"
	sim_start "underrun$bufe" --drive lun=0,media=cd-r,image="$image" --time-scale 1 \
		--control "$WORK/underrun$bufe.ctl"
	"$TIMECLIENT" "$(url)" underrun "$bufe" >"$WORK/underrun$bufe.out" ||
		{ cat "$WORK/underrun$bufe.out"; fail "underrun with BUFE=$bufe"; }
	"$FAULTCLIENT" control "$WORK/underrun$bufe.ctl" "stats 0" >"$WORK/stats$bufe.out" ||
		fail "control socket: stats"
	sim_stop
	cat "$WORK/underrun$bufe.out"
	good=$(awk '$1 == "good_blocks" { print $2 }' "$WORK/underrun$bufe.out")
	got=$(image_blocks "$image")
	[ "$got" -eq "$good" ] || fail "BUFE=$bufe: the image holds $got blocks, $good were acknowledged"
	"$DISCLOG" verify "$image" >/dev/null || fail "BUFE=$bufe: disclog verify"
	if [ "$bufe" = 0 ]; then
		grep -q 'without BUFE: loss of streaming' "$SIM_LOG" || fail "no loss-of-streaming log line"
		grep -q ' underruns=0$' "$WORK/stats0.out" ||
			{ cat "$WORK/stats0.out"; fail "stats: an underrun without BUFE counted as recovered"; }
		[ "$good" -lt 1152 ] || fail "BUFE=0: every block was acknowledged"
	else
		grep -q 'recording paused, underrun-free (1 so far)' "$SIM_LOG" || fail "BUFE=1: the underrun was not logged"
		grep -q ' underruns=1$' "$WORK/stats1.out" ||
			{ cat "$WORK/stats1.out"; fail "stats: the recovered underrun is not counted"; }
		! grep -q 'loss of streaming' "$SIM_LOG" || fail "BUFE=1: loss of streaming"
		[ "$good" -eq 1152 ] || fail "BUFE=1: $good blocks acknowledged, not 1152"
	fi
	echo "BUFE=$bufe: $good blocks acknowledged and in the image"
done

# (c) + (f): IMMED operations polled.
check "(c) IMMED SYNCHRONIZE CACHE and CLOSE SESSION polled with rising progress; page 2Ah and GET PERFORMANCE follow SET CD SPEED"
sim_start immed --drive lun=0,media=cd-r,image="$WORK/immed.disclog" --time-scale 0.05
"$TIMECLIENT" "$(url)" immed || fail "IMMED SYNCHRONIZE CACHE / CLOSE SESSION"
sim_stop

# (d) a held response, another session served meanwhile.
check "(d) CLOSE SESSION without IMMED answers after its time while another session is served"
sim_start held --drive lun=0,media=cd-r,image="$WORK/held.disclog" --drive lun=1,media=dvd+r \
	--time-scale 0.05
"$TIMECLIENT" "$(url)" held >"$WORK/held.out" || { cat "$WORK/held.out"; fail "held CLOSE SESSION"; }
sim_stop
cat "$WORK/held.out"
# CLOSE SESSION of a first CD session at 4x: lead-in 4500 + lead-out 6750 blocks at
# 4 x 176 kB/s / 2352 bytes = 37.6 s of drive time, x 0.05 = 1.88 s.
awk '$1 == "close_wall_s" { c = $2 } $1 == "other_max_ms" { m = $2 }
	END { if (c < 1.5 || c > 10) { print "FAIL: CLOSE answered after " c " s, expected ~1.88"; exit 1 }
	      if (m > 1000) { print "FAIL: the other session waited " m " ms"; exit 1 } }' "$WORK/held.out" ||
	fail "held response timing"

# (g) busy-when-full (fixtures/drives/slim-laptop.drive): a 1 MiB buffer that answers
# 02/04/08 instead of holding a WRITE.  At --time-scale 0.5 the 8x DVD drains at
# about 22 MB/s, far slower than the engine sends even under sanitizers: wengine must
# back off and resend (busy_retries > 0) and every block must land exactly once.
check "(g) a drive that answers busy when its buffer is full: wengine retries, every block lands once"
mkdata "$WORK/busy.bin" 8 7
sim_start busy --drive "lun=0,media=dvd+r,image=$WORK/busy.disclog,personality=$FIXTURES/drives/slim-laptop.drive" \
	--time-scale 0.5
"$WENGINE" write "$(url)" "$WORK/busy.bin" --bytes-per-sector 2048 --lba 0 --json --no-progress \
	>"$WORK/busy.json" || { cat "$WORK/busy.json"; fail "wengine into a busy-when-full drive"; }
sim_stop
grep -q '"result":"S_OK"' "$WORK/busy.json" || fail "busy-when-full: not S_OK"
retries=$(grep -o '"busy_retries":[0-9]*' "$WORK/busy.json" | cut -d: -f2)
[ "${retries:-0}" -gt 0 ] || fail "busy-when-full: the drive never answered busy (busy_retries ${retries:-none})"
"$DISCLOG" extract "$WORK/busy.disclog" --lba 0 --count 4096 -o "$WORK/busy.back" || fail "extract"
cmp "$WORK/busy.bin" "$WORK/busy.back" || fail "busy-when-full: the image differs from the data"
echo "busy-when-full: $retries busy answers retried by the engine, 4096 blocks in the image"
