#!/bin/bash
# `wengine burn` end to end: the format layer (IDiscFormat2Data, engine/format-data.c,
# doc/engine-format.md) against simdrive, read back with disclog after each drive stops.
#   1-9    an ISO burned to every recordable medium simdrive offers (CD-R, CD-RW, DVD-R,
#          DVD-RW, DVD+R, DVD+R DL, DVD+RW, BD-R, BD-RE) with IMAPI2's defaults: the
#          image holds exactly the ISO at the start LBA the JSON result reported
#          (disclog extract, and export --format iso where the disc has one track of
#          the ISO's size); disclog info shows the state IMAPI2's defaults leave (CD
#          and DVD-R/-RW appendable, DVD+R and DVD+R DL closed the compatible way,
#          BD-R appendable, DVD+RW/BD-RE formatted); write_type, close_function and
#          verified as mmcclient/mmcpolicy.c says (mcc_data_plan, mcc_close_plan)
#  10      DVD-R with --close: Disc-at-Once (write type 2, RESERVE TRACK rounded to the
#          ECC block, no CLOSE), finalized
#  11      DVD+R DL with --multisession: IMAPI2's table finalizes it anyway (110b)
#  12-14   multisession on CD-R, DVD+R, BD-R: --multisession twice, --close; each
#          session at the NWA `wengine info --json` reported; a fourth burn refused
#          with E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, exit 1
#  15-20   errors: not whole sectors (exit 2), missing file (exit 3), too large
#          for the disc, a written DVD+RW without and with --force-overwrite, an empty
#          drive, a read-only disc
#  21-22   verification: --verify full reads every sector (quick 64 chunks); a hole
#          the drive acknowledged but never recorded fails --verify full (exit 4)
#          naming the first LBA of the hole's chunk
#  23      JSON events: stages 0,2,3,4,5,7,6 in order (0,1,2,... on an unformatted
#          DVD+RW/BD-RE), percent never decreasing within a stage
#  24      Ctrl-C in real time: exit 1 with E_IMAPI_REQUEST_CANCELLED, the drive still
#          answers, the image holds exactly the acknowledged prefix, track left open;
#          a further burn is refused (the open session is not empty)
#  25      the --progress line
#  26      burn --audio (IDiscFormat2TrackAtOnce) on CD-R: two WAV tracks, their samples
#          (padded to whole sectors) in the exported CUE+BIN, pre-gap between them
#  27      burn --audio --dao (IRawCDImageCreator + IDiscFormat2RawCD): raw-mode records
#          from the lead-in start, the samples, exactly 150 sectors of pre-gap
#  28      burn DISC.cue: a MODE1/2048 track (POSTGAP) and two audio tracks (PREGAP;
#          INDEX 00 in the file): the data's user bytes and the samples read back
#          from disclog's export, the post-gap and pre-gap where the layout puts them
#  29      --raw-type pq: 2368-byte raw-mode sectors
#  30      CUE and WAV errors name the file and line; nothing reaches the disc
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
W=$WENGINE

# res NAME KEY: KEY of the result object burn NAME printed with --json (unquoted).
res() {
	grep '^{"event":"result"' "$WORK/$1.out" | grep -o "\"$2\":[^,}]*" | head -n 1 |
		cut -d: -f2- | tr -d '"'
}

# expect NAME KEY=VALUE...: the result object of burn NAME has these values.
expect() {
	local name=$1 kv got
	shift
	for kv in "$@"; do
		got=$(res "$name" "${kv%%=*}")
		[ "$got" = "${kv#*=}" ] || {
			grep '^{"event":"result"' "$WORK/$name.out"
			fail "$name: ${kv%%=*} is '$got', expected '${kv#*=}'"
		}
	done
}

# drive NAME SPEC: one simdrive with LUN 0 as SPEC; U is its URL.
drive() {
	sim_start "$1" --drive "lun=0,$2" "${@:3}"
	U="iscsi://$SIM_HOST/$SIM_TARGET/0"
}

# get_nwa NAME: NWA is the NWA `wengine info --json` reports (the disc's, which comes
# before the tracks').
get_nwa() {
	run_as 0 "$1" "$W" info "$U" --json
	NWA=$(grep -o '"nwa":[-0-9a-z]*' "$WORK/$1.out" | head -n 1 | cut -d: -f2)
}

# holds IMAGE LBA FILE: the disclog image has exactly FILE's blocks from LBA.
holds() {
	local n=$(( $(stat -c %s "$3") / 2048 ))
	"$DISCLOG" extract "$1" --lba "$2" --count "$n" -o "$WORK/extract.bin" ||
		fail "$(basename "$1"): LBA $2..+$n is not recorded"
	cmp "$3" "$WORK/extract.bin" ||
		fail "$(basename "$1"): LBA $2..+$n differs from $(basename "$3")"
}

# hole IMAGE LBA: nothing recorded at LBA (disclog extract exits 5).
hole() {
	local rc=0
	"$DISCLOG" extract "$1" --lba "$2" --count 1 -o "$WORK/hole.bin" 2>/dev/null || rc=$?
	[ "$rc" -eq 5 ] || fail "$(basename "$1"): LBA $2 is recorded (extract exit $rc), expected nothing"
}

# disc_is IMAGE REGEX...: `disclog info` has a line matching each (extended) REGEX.
disc_is() {
	local img=$1 re
	shift
	"$DISCLOG" info "$img" >"$WORK/info.txt" || fail "disclog info $(basename "$img")"
	for re in "$@"; do
		grep -qE -- "$re" "$WORK/info.txt" || {
			sed -n '/^disc:/,$p' "$WORK/info.txt"
			fail "$(basename "$img"): disclog info has no line matching '$re'"
		}
	done
}

# ---- data ------------------------------------------------------------------------
# An ISO 9660 image when a mastering tool is installed (its volume descriptor at
# sector 16 is what makes a written DVD+RW "not heuristically blank"), else data.
mkdir -p "$WORK/tree/dir"
mkdata "$WORK/tree/dir/payload.bin" 2 11
echo "burnlab burn-format" >"$WORK/tree/readme.txt"
ISO="$WORK/image.iso"
if command -v genisoimage >/dev/null 2>&1; then
	genisoimage -quiet -R -J -V BURNFORMAT -o "$ISO" "$WORK/tree" || bail "genisoimage failed"
	echo "ISO made with genisoimage"
elif command -v xorriso >/dev/null 2>&1; then
	xorriso -as mkisofs -quiet -R -J -V BURNFORMAT -o "$ISO" "$WORK/tree" 2>/dev/null ||
		bail "xorriso failed"
	echo "ISO made with xorriso"
else
	mkdata "$ISO" 3 12
	echo "no genisoimage or xorriso: 3 MiB of data stand in for the ISO"
fi
ISO_BLOCKS=$(( $(stat -c %s "$ISO") / 2048 ))
[ $(( ISO_BLOCKS * 2048 )) -eq "$(stat -c %s "$ISO")" ] || bail "the ISO is not whole sectors"
echo "image: $ISO_BLOCKS sectors"
mkdata "$WORK/s2.bin" 1 13
mkdata "$WORK/s3.bin" 1 14
mkdata "$WORK/big.bin" 6 15		# 96 chunks of 64 KiB: more than quick's 64
BIG_BLOCKS=3072

# ---- 1-9: every recordable medium, IMAPI2's defaults --------------------------------
# medium  write_type close_function  disclog "disc:" state
# write type: page 05h, sent only on CD (TAO 1) and DVD-R/-RW (incremental 0); -1 none.
# close: CD, DVD-R/-RW, BD-R CLOSE SESSION 010b (appendable); DVD+R / DVD+R DL 101b
# (compatible close, IMAPI2's default); DVD+RW, BD-RE nothing (random writable).
burn_medium() {
	local medium=$1 wt=$2 cf=$3 state=$4 img="$WORK/$1.disclog"
	check "$medium: ISO burned at the reported start LBA, state '$state', write_type $wt, close_function $cf, all verified"
	drive "$medium" "media=$medium,image=$img"
	run_as 0 "$medium" "$W" burn "$U" "$ISO" --json --no-progress
	expect "$medium" result=ok start_lba=0 sectors="$ISO_BLOCKS" verified="$ISO_BLOCKS" \
		write_type="$wt" close_function="$cf" mismatch_lba=-1
	sim_stop
	holds "$img" "$(res "$medium" start_lba)" "$ISO"
	disc_is "$img" "^disc: .*, $state"
}
burn_medium cd-r     1  2 'incomplete, last session empty'
disc_is "$WORK/cd-r.disclog" '^session 1: complete, start 0, lead-out '"$ISO_BLOCKS"
burn_medium cd-rw    1  2 'incomplete, last session empty'
burn_medium dvd-r    0  2 'incomplete, last session empty'
burn_medium dvd-rw   0  2 'incomplete, last session empty'
burn_medium dvd+r    -1 5 'complete, last session complete'
"$DISCLOG" export "$WORK/dvd+r.disclog" --format iso -o "$WORK/dvd+r-export" ||
	fail "disclog export of the DVD+R image"
cmp "$ISO" "$WORK/dvd+r-export.iso" || fail "the exported DVD+R differs from the ISO"
burn_medium dvd+r-dl -1 5 'complete, last session complete'
burn_medium dvd+rw   -1 0 'other, last session complete'
burn_medium bd-r     -1 2 'incomplete, last session empty'
burn_medium bd-re    -1 0 'other, last session complete'

# ---- sparse exports ------------------------------------------------------------------
# The burned BD-RE is formatted to its whole 25 GB: its ISO export is a file of that
# size whose unrecorded blocks are holes (doc/disclog-tool.md), unless the file system
# has no holes.  A small BD-RE, exported to a file and to standard output (zeros
# written), gives equal bytes.
check "sparse exports: a formatted 25 GB BD-RE holding the ISO exports as a sparse file of full size; a pipe gets the zeros; both compare equal"
sparse="$WORK/bd-re-export.iso"
"$DISCLOG" export "$WORK/bd-re.disclog" --format iso -o "$sparse" 2>"$WORK/sparse.err" ||
	fail "export of the BD-RE: $(cat "$WORK/sparse.err")"
size=$(stat -c %s "$sparse")
[ "$size" -gt $(( 20 * 1024 * 1024 * 1024 )) ] || fail "the BD-RE export has $size bytes, not the disc's 25 GB"
cmp -n "$(stat -c %s "$ISO")" "$ISO" "$sparse" || fail "the BD-RE export does not start with the ISO"
grep -q "unrecorded block(s) written as empty sectors" "$WORK/sparse.err" || fail "no warning about unrecorded blocks"
truncate -s 64M "$WORK/hole.probe"
if [ "$(stat -c %b "$WORK/hole.probe")" -eq 0 ]; then
	alloc=$(( $(stat -c %b "$sparse") * $(stat -c %B "$sparse") ))
	[ "$alloc" -lt $(( 4 * $(stat -c %s "$ISO") + 16 * 1024 * 1024 )) ] ||
		fail "the BD-RE export allocates $alloc bytes for a $(stat -c %s "$ISO")-byte ISO"
else
	echo "# this file system has no holes: allocation not checked"
fi
rm -f "$sparse" "$WORK/hole.probe"
img="$WORK/bd-re-small.disclog"
drive bd-re-small "media=bd-re,image=$img,capacity=$(( ISO_BLOCKS + 20000 ))"
run_as 0 bd-re-small "$W" burn "$U" "$ISO" --json --no-progress
sim_stop
"$DISCLOG" export "$img" --format iso -o "$WORK/small-sparse" 2>/dev/null || fail "export to a file"
"$DISCLOG" export "$img" --format iso -o - 2>/dev/null >"$WORK/small-full.iso" || fail "export to standard output"
cmp "$WORK/small-sparse.iso" "$WORK/small-full.iso" || fail "the sparse export differs from the written one"
[ "$(stat -c %s "$WORK/small-full.iso")" -ge $(( (ISO_BLOCKS + 10000) * 2048 )) ] || fail "the stdout export is short"
"$DISCLOG" export "$img" --format cue -o - 2>"$WORK/sparse.err" && fail "cue to standard output"
grep -q "only the iso format" "$WORK/sparse.err" || fail "cue to stdout: $(cat "$WORK/sparse.err")"

# ---- 10: DVD-R --close: Disc-at-Once ---------------------------------------------
check "DVD-R --close: Disc-at-Once (write type 2, RESERVE TRACK, closed at SYNCHRONIZE CACHE), finalized"
img="$WORK/dvd-r-dao.disclog"
drive dvd-r-dao "media=dvd-r,image=$img"
run_as 0 dvd-r-dao "$W" burn "$U" "$ISO" --close --json
expect dvd-r-dao result=ok start_lba=0 sectors="$ISO_BLOCKS" verified="$ISO_BLOCKS" \
	write_type=2 close_function=0
sim_stop
holds "$img" 0 "$ISO"
# The reservation is rounded up to whole 16-block ECC blocks and padded by the drive.
resv=$(( (ISO_BLOCKS + 15) / 16 * 16 ))
disc_is "$img" '^disc: DVD-R .*, complete, last session complete' \
	"^track 1: session 1, start 0, size $resv, .*closed"
"$DISCLOG" records "$img" >"$WORK/dao.records"
awk '$3 == "DATA" && !/ write_type=2 / { bad = 1; print } END { exit bad }' "$WORK/dao.records" ||
	fail "a DATA record of the DAO burn is not write type 2"
grep -q ' DATA .* write_type=2 ' "$WORK/dao.records" || fail "no DATA record with write type 2"

# ---- 11: DVD+R DL --multisession ---------------------------------------------------
# IMAPI2's DisableConsumerDvdCompatibilityMode table: TRUE with ForceMediaToBeClosed
# FALSE closes the session of a DVD+R but closes a DVD+R DL "normally" (finalized).
check "DVD+R DL --multisession: finalized anyway (IMAPI2's table), CLOSE 110b"
img="$WORK/dl-ms.disclog"
drive dl-ms "media=dvd+r-dl,image=$img"
run_as 0 dl-ms "$W" burn "$U" "$ISO" --multisession --json
expect dl-ms result=ok start_lba=0 close_function=6 verified="$ISO_BLOCKS"
sim_stop
holds "$img" 0 "$ISO"
disc_is "$img" '^disc: DVD\+R DL .*, complete, last session complete'

# ---- 12-14: multisession ----------------------------------------------------------
# multisession MEDIUM CLOSE_FUNCTION_OF_THE_LAST: sessions of ISO, s2, s3.
multisession() {
	local medium=$1 last_cf=$2 name="ms-$1" img="$WORK/ms-$1.disclog" n1 n2 n3
	check "$medium: --multisession twice then --close, each at the NWA info reported; a fourth burn refused"
	drive "$name" "media=$medium,image=$img"
	get_nwa "$name-nwa1"
	n1=$NWA
	run_as 0 "$name-1" "$W" burn "$U" "$ISO" --multisession --json
	expect "$name-1" result=ok start_lba="$n1" close_function=2
	get_nwa "$name-nwa2"
	n2=$NWA
	[ -n "$n2" ] && [ "$n2" -gt "$n1" ] || fail "$medium: no NWA after the first session ('$n2')"
	run_as 0 "$name-2" "$W" burn "$U" "$WORK/s2.bin" --multisession --json
	expect "$name-2" result=ok start_lba="$n2" close_function=2 verified=512
	get_nwa "$name-nwa3"
	n3=$NWA
	[ -n "$n3" ] && [ "$n3" -gt "$n2" ] || fail "$medium: no NWA after the second session ('$n3')"
	run_as 0 "$name-3" "$W" burn "$U" "$WORK/s3.bin" --close --json
	expect "$name-3" result=ok start_lba="$n3" close_function="$last_cf"
	run_as 1 "$name-4" "$W" burn "$U" "$WORK/s2.bin" --json
	expect "$name-4" result=E_IMAPI_DF2DATA_INVALID_MEDIA_STATE hresult=0xC0AA0402
	has "$name-4" "wengine: burn: E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (0xC0AA0402)"
	sim_stop
	holds "$img" "$n1" "$ISO"
	holds "$img" "$n2" "$WORK/s2.bin"
	holds "$img" "$n3" "$WORK/s3.bin"
	disc_is "$img" '^disc: .*, complete, last session complete' \
		"^session 2: complete, start $n2," "^session 3: complete, start $n3,"
	echo "$medium sessions at $n1, $n2, $n3 (NWA from wengine info)"
}
multisession cd-r 2	# page 05h multi-session 00b, then CLOSE SESSION finalizes
multisession dvd+r 5	# --close keeps the compatible close
multisession bd-r 6

# ---- 15-20: errors -----------------------------------------------------------------
drive errors "media=dvd+r,capacity=$(( ISO_BLOCKS - 1 ))" --drive lun=1,media=none \
	--drive "lun=2,media=dvd-rom,file=$ISO"
UE="iscsi://$SIM_HOST/$SIM_TARGET"

check "an image that is not whole 2048-byte sectors: usage error, exit 2, names the file"
head -c $(( 2048 * 10 + 100 )) "$WORK/s2.bin" >"$WORK/odd.iso"
run_as 2 odd "$W" burn "$UE/0" "$WORK/odd.iso"
has odd "'$WORK/odd.iso' has 20580 bytes, not a whole number of 2048-byte sectors"

check "a missing image: exit 3, names the file"
run_as 3 missing "$W" burn "$UE/0" "$WORK/no-such.iso"
has missing "$WORK/no-such.iso" "No such file or directory"

check "an image larger than the disc: E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA, nothing written"
run_as 1 too-large "$W" burn "$UE/0" "$ISO" --json
expect too-large result=E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA hresult=0xC0AA0404 sectors=0
U="$UE/0"
get_nwa too-large-nwa
[ "$NWA" = 0 ] || fail "the NWA moved after a refused burn: $NWA"
has too-large-nwa '"status":"blank"'

check "an empty drive (media=none): E_IMAPI_RECORDER_MEDIA_NO_MEDIA, exit 1"
run_as 1 empty "$W" burn "$UE/1" "$ISO" --json
expect empty result=E_IMAPI_RECORDER_MEDIA_NO_MEDIA hresult=0xC0AA0202 profile=none

check "a read-only disc (DVD-ROM): E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED, exit 1"
run_as 1 rom "$W" burn "$UE/2" "$ISO" --json
expect rom result=E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED hresult=0xC0AA0406 profile=DVD-ROM
sim_stop

check "a DVD+RW holding data: E_IMAPI_DF2DATA_MEDIA_NOT_BLANK without --force-overwrite, written with it"
img="$WORK/rw-force.disclog"
drive rw-force "media=dvd+rw,image=$img"
run_as 0 rw-first "$W" burn "$U" "$ISO" --json
run_as 1 rw-refused "$W" burn "$U" "$WORK/s2.bin" --json
expect rw-refused result=E_IMAPI_DF2DATA_MEDIA_NOT_BLANK hresult=0xC0AA0405 sectors=0
has rw-refused "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (0xC0AA0405)"
run_as 0 rw-forced "$W" burn "$U" "$WORK/s2.bin" --force-overwrite --json
expect rw-forced result=ok start_lba=0 sectors=512 verified=512
sim_stop
holds "$img" 0 "$WORK/s2.bin"		# the latest write wins
tail -c +$(( 512 * 2048 + 1 )) "$ISO" >"$WORK/iso-tail.bin"
holds "$img" 512 "$WORK/iso-tail.bin"	# the first burn beyond it stays

# ---- 21-22: verification -----------------------------------------------------------
check "--verify full reads every sector back, quick 64 chunks of 32"
drive verify "media=bd-r,image=$WORK/verify.disclog"
run_as 0 v-full "$W" burn "$U" "$WORK/big.bin" --verify full --multisession --json
expect v-full result=ok sectors=$BIG_BLOCKS verified=$BIG_BLOCKS
grep '"action":7' "$WORK/v-full.out" | tail -n 1 | grep -q '"percent":100' ||
	fail "the last verifying event is not at 100%"
run_as 0 v-quick "$W" burn "$U" "$WORK/big.bin" --verify quick --multisession --json
expect v-quick result=ok sectors=$BIG_BLOCKS verified=$(( 64 * 32 ))
run_as 0 v-none "$W" burn "$U" "$WORK/s2.bin" --verify none --json
expect v-none result=ok verified=0
grep -q '"action":7' "$WORK/v-none.out" && fail "--verify none still has a verifying stage"
sim_stop

check "blocks acknowledged but never recorded: --verify full exits 4 naming the LBA"
# record-nothing: the WRITE holding LBA 1000 answers GOOD and records nothing.
img="$WORK/hole.disclog"
drive hole "media=dvd+r,image=$img" --fault "record-nothing lba=1000"
run_as 4 v-hole "$W" burn "$U" "$WORK/big.bin" --verify full --json
expect v-hole result=E_IMAPI_BURN_VERIFICATION_FAILED hresult=0xC0AA0007
bad=$(res v-hole mismatch_lba)
has v-hole "the disc differs from '$WORK/big.bin' in the 64 KiB from LBA $bad" \
	"E_IMAPI_BURN_VERIFICATION_FAILED (0xC0AA0007)"
sim_stop
[ "$bad" -le 1000 ] && [ "$bad" -gt $(( 1000 - 256 )) ] || fail "mismatch LBA $bad is not the chunk of the hole"
hole "$img" "$bad"			# the LBA named is not on the disc,
head -c $(( bad * 2048 )) "$WORK/big.bin" >"$WORK/before-hole.bin"
holds "$img" 0 "$WORK/before-hole.bin"	# and all before it is
echo "hole starts at LBA $bad (fault at 1000)"

# ---- 23: JSON events ---------------------------------------------------------------
check "JSON events: every stage in IMAPI2's order, percent never decreasing within a stage"
# stages NAME: the actions of burn NAME's update events, repeats collapsed.
stages() {
	grep '^{"event":"update"' "$WORK/$1.out" | grep -o '"action":[0-9]*' | cut -d: -f2 |
		uniq | tr '\n' ' '
}
for name in cd-r cd-rw dvd-r dvd-rw dvd+r dvd+r-dl bd-r dvd-r-dao ms-cd-r-2 v-full; do
	[ "$(stages $name)" = "0 2 3 4 5 7 6 " ] ||
		fail "$name: stages '$(stages $name)', expected '0 2 3 4 5 7 6 '"
done
for name in dvd+rw bd-re; do			# blank, unformatted: FORMATTING_MEDIA
	[ "$(stages $name)" = "0 1 2 3 4 5 7 6 " ] ||
		fail "$name: stages '$(stages $name)', expected '0 1 2 3 4 5 7 6 '"
done
[ "$(stages rw-forced)" = "0 2 3 4 5 7 6 " ] ||	# formatted by the first burn
	fail "rw-forced: stages '$(stages rw-forced)'"
[ "$(stages v-none)" = "0 2 3 4 5 6 " ] || fail "v-none: stages '$(stages v-none)'"
for name in cd-r dvd+rw bd-r v-full v-quick; do
	grep '^{"event":"update"' "$WORK/$name.out" |
		sed 's/.*"action":\([0-9]*\).*"percent":\([0-9]*\).*/\1 \2/' |
		awk '$1 == a && $2 < p { printf "stage %s: %d%% after %d%%\n", $1, $2, p; bad = 1 }
		     { a = $1; p = $2 } END { exit bad }' || fail "$name: percent went down"
	grep '"action":4' "$WORK/$name.out" | tail -n 1 | grep -q '"percent":100' ||
		fail "$name: the last writing event is not at 100%"
done
grep -q '"stage":"validating media"' "$WORK/cd-r.out" &&
	grep -q '"stage":"completed"' "$WORK/cd-r.out" || fail "stage names missing"

# ---- 24: cancel --------------------------------------------------------------------
check "Ctrl-C in real time: E_IMAPI_REQUEST_CANCELLED, exit 1, the drive answers, the image holds the acknowledged prefix, no burn adds to the open session"
img="$WORK/cancel.disclog"
drive cancel "media=cd-r,image=$img" --time-scale 1
# CD 4x: 2 MiB fill the drive buffer at once, the other 4 MiB take about 7 s.
"$W" burn "$U" "$WORK/big.bin" --json --speed 4 --verify none --no-progress \
	>"$WORK/cancel.out" 2>"$WORK/cancel.err" &
wpid=$!
for _ in $(seq 1 600); do		# at most 30 s for the first 'writing data' event
	grep -q '"action":4' "$WORK/cancel.out" && break
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.05
done
grep -q '"action":4' "$WORK/cancel.out" || { kill -KILL "$wpid"; fail "no 'writing data' event"; }
kill -INT "$wpid"
rc=0
wait "$wpid" || rc=$?
[ "$rc" -eq 1 ] || { cat "$WORK/cancel.err"; fail "wengine exited $rc after SIGINT, expected 1"; }
expect cancel result=E_IMAPI_REQUEST_CANCELLED hresult=0xC0AA0002 start_lba=0 close_function=0
has cancel "E_IMAPI_REQUEST_CANCELLED (0xC0AA0002)"
done_blocks=$(res cancel sectors)
[ "$done_blocks" -gt 0 ] && [ "$done_blocks" -lt $BIG_BLOCKS ] ||
	fail "$done_blocks of $BIG_BLOCKS sectors written: not cancelled mid-way"
last=$(grep '"action":4' "$WORK/cancel.out" | tail -n 1 | grep -o '"last_written_lba":[-0-9]*' | cut -d: -f2)
[ "$last" -eq $(( done_blocks - 1 )) ] ||
	fail "the last event says LBA $last was written, the result $done_blocks sectors"
get_nwa cancel-info
[ "$NWA" = "$done_blocks" ] || fail "NWA after the cancel is $NWA, not $done_blocks"
has cancel-info '"status":"appendable"' '"last_session_state":"incomplete"'
# The open session holds data (NON_EMPTY_SESSION): no burn may add to it.
run_as 1 cancel-again "$W" burn "$U" "$ISO" --json
expect cancel-again result=E_IMAPI_DF2DATA_INVALID_MEDIA_STATE sectors=0
get_nwa cancel-info2
[ "$NWA" = "$done_blocks" ] || fail "NWA after the refused burn is $NWA, not $done_blocks"
sim_stop
head -c $(( done_blocks * 2048 )) "$WORK/big.bin" >"$WORK/prefix.bin"
holds "$img" 0 "$WORK/prefix.bin"
hole "$img" "$done_blocks"
disc_is "$img" "^recorded LBAs: 0\.\.$(( done_blocks - 1 ))\$" \
	"^track 1: session 1, start 0, .*incomplete, NWA $done_blocks,"
echo "cancelled after $done_blocks of $BIG_BLOCKS sectors"

# ---- 25: progress line -------------------------------------------------------------
check "--progress: stage names, percent, speed in x, drive buffer on standard error"
drive progress "media=cd-r,image=$WORK/progress.disclog"
run_as 0 progress "$W" burn "$U" "$ISO" --progress
sim_stop
tr '\r' '\n' <"$WORK/progress.err" >"$WORK/progress.lines"
for s in "validating media" "initializing hardware" "calibrating power" "writing data" \
	"finalizing" "verifying" "completed"; do
	grep -q "^$s" "$WORK/progress.lines" || fail "no '$s' on the progress line"
done
grep -Eq '^writing data +[0-9]+%  +[0-9]+\.[0-9]x  ETA [0-9]+:[0-9]{2}  drive buffer +[0-9]+%' \
	"$WORK/progress.lines" || { cat -v "$WORK/progress.err"; fail "no percent, x and drive buffer"; }
grep -q "^wengine: burn: $ISO_BLOCKS sectors at LBA 0 in .*; $ISO_BLOCKS verified" \
	"$WORK/progress.lines" || fail "no summary line"

# ---- 26-31: CD-DA and Disc-at-Once (TrackAtOnce, IRawCDImageCreator, RawCD) --------
# le N BYTES: N as a BYTES-byte little-endian integer.
le() {
	local v=$1 i
	for (( i = 0; i < $2; i++ )); do
		printf "\\x$(printf %02x $(( v & 255 )))"
		v=$(( v >> 8 ))
	done
}

# mkwav FILE BYTES [CHANNELS RATE]: a RIFF/WAVE file of BYTES bytes of PCM samples
# (16-bit; stereo at 44.1 kHz unless told), its samples the noise file's bytes.
mkdata "$WORK/noise" 8 26
mkwav() {
	local ch=${3:-2} rate=${4:-44100}
	{ printf 'RIFF'; le $(( 36 + $2 )) 4; printf 'WAVEfmt '; le 16 4; le 1 2; le "$ch" 2
	  le "$rate" 4; le $(( rate * ch * 2 )) 4; le $(( ch * 2 )) 2; le 16 2
	  printf 'data'; le "$2" 4; head -c "$2" "$WORK/noise"; } >"$1"
}

# samples WAV: its samples padded with silence to whole 2352-byte sectors.
samples() {
	local n
	n=$(( $(stat -c %s "$1") - 44 ))
	{ tail -c +45 "$1"; head -c $(( (2352 - n % 2352) % 2352 )) /dev/zero; }
}

# msf_of CUE TRACK INDEX: the sector of that INDEX line of an exported CUE sheet.
msf_of() {
	local t
	t=$(awk -v tr="$2" -v ix="$3" '$1 == "TRACK" { cur = $2 + 0 }
		$1 == "INDEX" && cur == tr && $2 + 0 == ix { print $3 }' "$1")
	[ -n "$t" ] || fail "$(basename "$1") has no INDEX $3 of track $2"
	IFS=: read -r m s f <<<"$t"
	echo $(( (10#$m * 60 + 10#$s) * 75 + 10#$f ))
}

# bin_holds BIN SECTOR FILE: the exported BIN holds FILE from 2352-byte sector SECTOR.
bin_holds() {
	tail -c +$(( $2 * 2352 + 1 )) "$1" | head -c "$(stat -c %s "$3")" >"$WORK/part.bin"
	cmp "$3" "$WORK/part.bin" || fail "$(basename "$1"): sector $2 on differs from $(basename "$3")"
}

# export_cue IMAGE: disclog export --format cue into $WORK/out.cue, out.bin.
export_cue() {
	rm -f "$WORK/out.cue" "$WORK/out.bin"
	"$DISCLOG" export "$1" --format cue -o "$WORK/out" || fail "disclog export --format cue"
}

mkwav "$WORK/a.wav" $(( 300 * 2352 + 1000 ))	# not whole sectors: the last is padded
mkwav "$WORK/b.wav" $(( 420 * 2352 ))
samples "$WORK/a.wav" >"$WORK/a.pcm"
samples "$WORK/b.wav" >"$WORK/b.pcm"

check "burn --audio on CD-R (TrackAtOnce): two tracks, each holding its WAV's samples, a 2-second pre-gap between them, finalized"
drive tao "media=cd-r,image=$WORK/tao.disclog"
run_as 0 tao "$W" burn "$U" --audio "$WORK/a.wav" "$WORK/b.wav" --json
expect tao result=ok tracks_written=2 tracks_on_disc=2 sectors=721
grep -q '"stage":"writing","track":2' "$WORK/tao.out" || fail "no writing event of track 2"
sim_stop
disc_is "$WORK/tao.disclog" "complete" "^track 2: session 1, start 453,"	# 301 + 2 run-out + 150
export_cue "$WORK/tao.disclog"
[ "$(grep -c AUDIO "$WORK/out.cue")" -eq 2 ] || { cat "$WORK/out.cue"; fail "not two audio tracks"; }
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 1 1)" "$WORK/a.pcm"
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 2 1)" "$WORK/b.pcm"
[ $(( $(msf_of "$WORK/out.cue" 2 1) - $(msf_of "$WORK/out.cue" 2 0) )) -ge 150 ] ||
	fail "track 2's pre-gap is shorter than 2 seconds"

check "burn --audio --dao: Disc-at-Once in raw mode, 150 silent sectors before track 2, the samples as given"
drive dao "media=cd-r,image=$WORK/dao.disclog"
run_as 0 dao "$W" burn "$U" --audio "$WORK/a.wav" "$WORK/b.wav" --dao --json
expect dao result=ok tracks=2 sector_type=3
sim_stop
export_cue "$WORK/dao.disclog"
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 1 1)" "$WORK/a.pcm"
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 2 1)" "$WORK/b.pcm"
[ $(( $(msf_of "$WORK/out.cue" 2 1) - $(msf_of "$WORK/out.cue" 2 0) )) -eq 150 ] ||
	fail "track 2's pre-gap is not 150 sectors"
"$DISCLOG" records "$WORK/dao.disclog" | grep -q "lba=-11635 .*block_size=2448 dbt=3 write_type=3" ||
	fail "no raw-mode (write type 3) DATA record of 2448-byte sectors from the lead-in start"

check "burn DISC.cue: a data track and two audio tracks Disc-at-Once; the data's user bytes and the samples read back"
head -c $(( ISO_BLOCKS * 2048 )) "$ISO" >"$WORK/data.iso"
cat "$WORK/a.pcm" "$WORK/b.pcm" >"$WORK/audio.bin"
cat >"$WORK/disc.cue" <<CUE
CATALOG 0123456789012
FILE "data.iso" BINARY
  TRACK 01 MODE1/2048
    INDEX 01 00:00:00
    POSTGAP 00:02:00
FILE "audio.bin" BINARY
  TRACK 02 AUDIO
    PREGAP 00:02:00
    INDEX 01 00:00:00
  TRACK 03 AUDIO
    ISRC USRC17607839
    INDEX 00 $(printf '%02d:%02d:%02d' $(( (301 - 150) / 4500 )) $(( (301 - 150) / 75 % 60 )) $(( (301 - 150) % 75 )))
    INDEX 01 $(printf '%02d:%02d:%02d' $(( 301 / 4500 )) $(( 301 / 75 % 60 )) $(( 301 % 75 )))
CUE
drive cue "media=cd-r,image=$WORK/cue.disclog"
run_as 0 cue "$W" burn "$U" "$WORK/disc.cue" --json
expect cue result=ok tracks=3
sim_stop
export_cue "$WORK/cue.disclog"
[ "$(grep -c 'TRACK 01 MODE1/2352' "$WORK/out.cue")" -eq 1 ] || { cat "$WORK/out.cue"; fail "track 1 is not data"; }
# Every data sector's 2048 user bytes (at 16 in a Mode 1 sector) equal the ISO's.
t1=$(msf_of "$WORK/out.cue" 1 1)
for (( i = 0; i < ISO_BLOCKS; i += 97 )); do
	tail -c +$(( (t1 + i) * 2352 + 17 )) "$WORK/out.bin" | head -c 2048 >"$WORK/user.bin"
	tail -c +$(( i * 2048 + 1 )) "$WORK/data.iso" | head -c 2048 | cmp - "$WORK/user.bin" ||
		fail "data sector $i differs from the ISO's"
done
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 2 1)" "$WORK/a.pcm"
[ $(( $(msf_of "$WORK/out.cue" 2 1) - t1 - ISO_BLOCKS )) -eq 300 ] ||
	fail "track 2 does not start 150 post-gap + 150 pre-gap sectors after track 1"
tail -c +$(( 301 * 2352 + 1 )) "$WORK/audio.bin" >"$WORK/t3.pcm"
bin_holds "$WORK/out.bin" "$(msf_of "$WORK/out.cue" 3 1)" "$WORK/t3.pcm"

check "burn --raw-type pq: sectors of 2368 bytes (P-Q only)"
drive pq "media=cd-r,image=$WORK/pq.disclog"
run_as 0 pq "$W" burn "$U" --audio "$WORK/b.wav" --dao --raw-type pq --json
expect pq result=ok sector_type=1
sim_stop
"$DISCLOG" records "$WORK/pq.disclog" | grep -q "block_size=2368 dbt=1 write_type=3" ||
	fail "no 2368-byte raw-mode DATA record"

check "CUE and WAV errors: a layout the image cannot have, a missing file, a non-CD-DA WAV (exit 3, file and line named)"
sed 's/^    PREGAP 00:02:00$/    PREGAP 00:01:00/' "$WORK/disc.cue" >"$WORK/gap.cue"
drive errs "media=cd-r"
run_as 3 gap "$W" burn "$U" "$WORK/gap.cue"
has gap "gap.cue:7: track 2:" "not 75"
sed 's/data.iso/missing.iso/' "$WORK/disc.cue" >"$WORK/missing.cue"
run_as 3 missing "$W" burn "$U" "$WORK/missing.cue"
has missing "missing.cue:2:" "missing.iso: No such file or directory"
mkwav "$WORK/mono.wav" 400000 1
run_as 3 mono "$W" burn "$U" --audio "$WORK/mono.wav"
has mono "mono.wav: 1 channel, CD-DA needs 2 (stereo)"
mkwav "$WORK/r48.wav" 800000 2 48000
run_as 3 r48 "$W" burn "$U" --audio "$WORK/r48.wav" --dao
has r48 "r48.wav: 48000 Hz, CD-DA needs 44100 Hz"
run_as 2 daonoaudio "$W" burn "$U" "$ISO" --dao
has daonoaudio "--dao goes with --audio"
get_nwa errs-info
[ "$NWA" = 0 ] || fail "the refused burns touched the disc (NWA $NWA)"
sim_stop
