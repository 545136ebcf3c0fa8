#!/bin/bash
# The wengine command end to end through simdrive (engine/wengine.1):
#   1. help, man page, usage errors (exit 2) and a missing FILE (exit 3);
#   2. info on blank DVD+R, CD-R and BD-R, text and --json;
#   3. 2048-byte sectors to a DVD+R at the NWA (text, --json, queue depth 1 and 4,
#      --streaming), close track 1;
#   4. an audio TAO track on CD-R (2352-byte blocks);
#   5. a RAW CD session from the lead-in (2448-byte blocks at LBA -11635);
#   6. 2048-byte blocks into the CD-R set up for 2352: exit 1, the HRESULT and the
#      sense in words, the NWA unmoved;
#   7. once simdrive stopped, the images hold the files of 3-5 block for block and
#      nothing of 6;
#   8. verify after a restart that reloads the image: equal, then a changed file;
#   9. the forced progress line;
#  10. close session and finalize; writing at the NWA of a finalized disc fails.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
: "${FIXTURES:?FIXTURES must name the fixtures directory of the source tree}"

# begin N WHAT: check N of the list above (N is the TAP number, and names it in messages).
CHECK=0
begin() { CHECK=$1; check "$2"; }

# json NAME: NAME's stdout is one line holding one object, brackets balanced (a
# structural check without jq or python).
json() {
	local f="$WORK/$1.out" line
	[ "$(wc -l <"$f")" -eq 1 ] || fail "check $CHECK: '$1' printed $(wc -l <"$f") lines of JSON"
	line=$(cat "$f")
	case "$line" in "{"*"}") ;; *) fail "check $CHECK: '$1' is not a JSON object: $line" ;; esac
	[ "$(tr -cd '{' <"$f" | wc -c)" -eq "$(tr -cd '}' <"$f" | wc -c)" ] &&
		[ "$(tr -cd '[' <"$f" | wc -c)" -eq "$(tr -cd ']' <"$f" | wc -c)" ] ||
		fail "check $CHECK: unbalanced brackets in the JSON of '$1'"
}

# same FILE1 FILE2 WHAT: byte-identical.
same() {
	cmp "$1" "$2" || fail "check $CHECK: $3: '$1' and '$2' differ"
}

# data_records IMAGE: DATA records in a disclog image.
data_records() {
	"$DISCLOG" records "$1" | grep -c ' DATA ' || true
}

W=$WENGINE

# ---------------------------------------------------------------------------------
begin 1 "help, man page, usage errors, missing FILE"
run_as 0 help "$W" --help
has help "Usage: wengine" "info URL" "write URL FILE" "close URL track N|session|finalize"
run_as 0 write-help "$W" write --help
has write-help "--bytes-per-sector" "--lba L|nwa" "--queue-depth" "--write-type" "(required)"
run_as 0 help-verify "$W" help verify
has help-verify "verify URL FILE"
run_as 0 version "$W" --version
has version "wengine"
man_page="$FIXTURES/../engine/wengine.1"
[ -f "$man_page" ] || fail "check 1: no man page at $man_page"
grep -q '^\.TH WENGINE 1' "$man_page" || fail "check 1: $man_page has no .TH WENGINE 1"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$man_page" 2>/dev/null >"$WORK/man.txt" || fail "check 1: man -l failed"
elif command -v groff >/dev/null 2>&1; then
	groff -man -Tascii "$man_page" >"$WORK/man.txt" || fail "check 1: groff failed"
else
	echo "   (neither man nor groff installed: checked the file, not its rendering)"
	cp "$man_page" "$WORK/man.txt"
fi
for s in NAME SYNOPSIS COMMANDS OPTIONS "URL FORMAT" OUTPUT "EXIT STATUS" EXAMPLES; do
	grep -q "$s" "$WORK/man.txt" || fail "check 1: the man page has no $s section"
done
bad_url="iscsi://127.0.0.1:1/iqn.2026-01.org.burnlab:none/0"
mkdata "$WORK/small.bin" 1 3
run_as 2 bad-number "$W" write "$bad_url" "$WORK/small.bin" --bytes-per-sector abc --lba 0
has bad-number "--bytes-per-sector" "'abc'"
run_as 2 bad-lba "$W" write "$bad_url" "$WORK/small.bin" --bytes-per-sector 2048 --lba next
has bad-lba "--lba" "'next'"
run_as 2 bad-type "$W" write "$bad_url" "$WORK/small.bin" --bytes-per-sector 2048 --lba 0 --write-type dvd
has bad-type "--write-type" "'dvd'"
run_as 2 unknown-option "$W" info "$bad_url" --bogus
has unknown-option "--bogus"
run_as 2 wrong-command "$W" info "$bad_url" --lba 0
has wrong-command "--lba does not apply to info"
run_as 2 required "$W" write "$bad_url" "$WORK/small.bin" --lba 0
has required "--bytes-per-sector is required"
run_as 2 not-blocks "$W" write "$bad_url" "$WORK/small.bin" --bytes-per-sector 2352 --lba 0
has not-blocks "2352-byte blocks"
run_as 2 unknown-command "$W" scorch "$bad_url"
has unknown-command "unknown command 'scorch'"
run_as 2 close-what "$W" close "$bad_url" disc
has close-what "'disc'"
run_as 3 missing-file "$W" write "$bad_url" "$WORK/no-such.iso" --bytes-per-sector 2048 --lba 0
has missing-file "$WORK/no-such.iso" "No such file or directory"
run_as 3 missing-verify "$W" verify "$bad_url" "$WORK/no-such.iso" --lba 0
has missing-verify "$WORK/no-such.iso"

# ---------------------------------------------------------------------------------
begin 2 "info on blank DVD+R, CD-R and BD-R"
dvd_img="$WORK/dvdplusr.disclog"
cd_img="$WORK/cdr-audio.disclog"
raw_img="$WORK/cdr-raw.disclog"
sim_start drives --drive lun=0,media=dvd+r,image="$dvd_img" \
	--drive lun=1,media=cd-r,image="$cd_img" --drive lun=2,media=cd-r,image="$raw_img" \
	--drive lun=3,media=bd-r
U="iscsi://$SIM_HOST/$SIM_TARGET"
run_as 0 info-dvd "$W" info "$U/0"
has info-dvd "current profile: DVD+R (001Bh)" "disc status: blank" "next writable address: 0" \
	"NWA: 0" "write parameters (page 05h)" "write type:" "block size: 2048" "vendor:" \
	"MaxBurstLength:" "drive buffer (READ BUFFER CAPACITY)" "write speeds (GET PERFORMANCE 03h)"
run_as 0 info-dvd-json "$W" info "$U/0" --json
json info-dvd-json
has info-dvd-json '"command":"info"' '"current_profile":"DVD+R"' '"current_profile_number":27' \
	'"status":"blank"' '"nwa":0' '"write_parameters":{' '"tracks":[' '"max_transfer":' \
	'"write_speeds":['
run_as 0 info-cd "$W" info "$U/1"
has info-cd "current profile: CD-R (0009h)" "disc status: blank" "NWA: 0" "write type: TAO" \
	"last session lead-in start: -11635"
run_as 0 info-cd-json "$W" info "$U/1" --json
json info-cd-json
has info-cd-json '"current_profile":"CD-R"' '"status":"blank"' '"nwa":0' '"write_type":"TAO"'
run_as 0 info-bd "$W" info "$U/3"
has info-bd "current profile: BD-R (0041h)" "disc status: blank" "NWA: 0"
run_as 0 info-bd-json "$W" info "$U/3" --json
json info-bd-json
has info-bd-json '"current_profile":"BD-R"' '"status":"blank"' '"nwa":0'

# ---------------------------------------------------------------------------------
begin 3 "2048-byte sectors to a blank DVD+R at the NWA, close track 1"
mkdata "$WORK/data8.bin" 8 1
run_as 0 dvd-text "$W" write "$U/0" "$WORK/data8.bin" --bytes-per-sector 2048 --lba nwa \
	--queue-depth 1 --no-progress
has dvd-text "write summary:" "result: S_OK" "LBA: 0" "blocks: 4096" "bytes: 8388608" "queue depth: 1"
run_as 0 dvd-json "$W" write "$U/0" "$WORK/data8.bin" --bytes-per-sector 2048 --lba nwa \
	--queue-depth 4 --json
json dvd-json
has dvd-json '"command":"write"' '"result":"S_OK"' '"hresult":"0x00000000"' '"lba":4096' \
	'"blocks":4096' '"bytes_per_sector":2048' '"bytes":8388608' '"mb_per_s":' '"speed_x":' \
	'"queue_depth":4' '"last_written_lba":8191' '"sense":null'
run_as 0 dvd-stream "$W" write "$U/0" "$WORK/data8.bin" --bytes-per-sector 2048 --lba nwa \
	--queue-depth 4 --streaming --json
has dvd-stream '"result":"S_OK"' '"lba":8192' '"last_written_lba":12287'
run_as 0 dvd-sync "$W" sync "$U/0"
run_as 0 dvd-close "$W" close "$U/0" track 1
has dvd-close "CLOSE TRACK 1 done"
run_as 0 dvd-after "$W" info "$U/0" --json
has dvd-after '"status":"appendable"' '"nwa":12288'

# ---------------------------------------------------------------------------------
begin 4 "audio TAO on CD-R: 2352-byte blocks from LBA 0"
head -c $(( 2000 * 2352 )) "$WORK/data8.bin" >"$WORK/audio.raw"
run_as 0 cd-audio "$W" write "$U/1" "$WORK/audio.raw" --bytes-per-sector 2352 --lba 0 \
	--write-type tao --track-mode 0 --data-block-type 0 --json
has cd-audio '"result":"S_OK"' '"lba":0' '"blocks":2000' '"bytes_per_sector":2352'
run_as 0 cd-sync "$W" sync "$U/1"
run_as 0 cd-info "$W" info "$U/1"
has cd-info "write type: TAO" "data block type: 0 (raw)" "block size: 2352" "track mode: 0 (audio)"

# ---------------------------------------------------------------------------------
begin 5 "RAW on CD-R: 2448-byte blocks from the lead-in, LBA -11635"
mkdata "$WORK/raw-src.bin" 2 5
head -c $(( 600 * 2448 )) "$WORK/raw-src.bin" >"$WORK/raw.bin"
run_as 0 cd-raw "$W" write "$U/2" "$WORK/raw.bin" --bytes-per-sector 2448 --lba -11635 \
	--write-type raw --data-block-type 3 --json
has cd-raw '"result":"S_OK"' '"lba":-11635' '"blocks":600' '"last_written_lba":-11036'
run_as 0 raw-sync "$W" sync "$U/2"

# ---------------------------------------------------------------------------------
begin 6 "2048-byte blocks into the CD-R set up for 2352: refused with the HRESULT and the sense, the NWA unmoved"
cd_data_before=$(data_records "$cd_img")
[ "$cd_data_before" -ge 1 ] || fail "check 6: the audio image has no DATA record after check 4"
run_as 0 cd-nwa-before "$W" info "$U/1" --json
nwa_before=$(grep -o '"nwa":[-0-9]*' "$WORK/cd-nwa-before.out" | head -n 1)
run_as 1 mismatch "$W" write "$U/1" "$WORK/data8.bin" --bytes-per-sector 2048 --lba nwa \
	--blocks 32 --json
has mismatch "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE" "0xC0AA0301" \
	"wengine: sense: ILLEGAL REQUEST" "(5/24/00)" \
	'"result":"E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE"' '"hresult":"0xC0AA0301"' \
	'"key":5' '"asc":36' '"ascq":0' '"bytes":0'
json mismatch
run_as 1 mismatch-text "$W" write "$U/1" "$WORK/data8.bin" --bytes-per-sector 2048 --lba nwa \
	--blocks 32
has mismatch-text "wengine: write: E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE (0xC0AA0301): " \
	"wengine: sense: ILLEGAL REQUEST: INVALID FIELD IN CDB (5/24/00)"
run_as 0 cd-nwa-after "$W" info "$U/1" --json
nwa_after=$(grep -o '"nwa":[-0-9]*' "$WORK/cd-nwa-after.out" | head -n 1)
[ -n "$nwa_before" ] && [ "$nwa_before" = "$nwa_after" ] ||
	fail "check 6: the NWA moved: before '$nwa_before', after '$nwa_after'"

sim_stop

# The images of checks 3-6, with simdrive stopped.
begin 7 "the images hold the files of checks 3-5 block for block and nothing of check 6"
CHECK=3
"$DISCLOG" verify "$dvd_img" >/dev/null || fail "check 3: disclog verify of the DVD+R image"
for i in 0 1 2; do
	"$DISCLOG" extract "$dvd_img" --lba $(( i * 4096 )) --count 4096 -o "$WORK/dvd-$i.bin" ||
		fail "check 3: disclog extract of LBA $(( i * 4096 ))"
	same "$WORK/data8.bin" "$WORK/dvd-$i.bin" "write $(( i + 1 )) at LBA $(( i * 4096 ))"
done
"$DISCLOG" records "$dvd_img" >"$WORK/dvd-records.txt"
grep -q 'DATA lba=8192 .*opcode=aa flags=streaming' "$WORK/dvd-records.txt" ||
	fail "check 3: the --streaming write is not recorded as WRITE(12) with streaming"
echo "   DVD+R image equals the file 3 times (LBA 0, 4096, 8192)"

CHECK=4
"$DISCLOG" extract "$cd_img" --lba 0 --count 2000 -o "$WORK/cd-audio.bin" ||
	fail "check 4: disclog extract of the audio track"
same "$WORK/audio.raw" "$WORK/cd-audio.bin" "audio TAO track"
"$DISCLOG" records "$cd_img" | grep -q 'DATA lba=0 .*block_size=2352 dbt=0 write_type=1' ||
	fail "check 4: no DATA record with 2352-byte blocks, DBT 0, TAO"
echo "   CD-R audio image equals the file (2000 x 2352 bytes)"

CHECK=5
"$DISCLOG" extract "$raw_img" --lba -11635 --count 600 -o "$WORK/cd-raw.bin" ||
	fail "check 5: disclog extract of the raw lead-in range"
same "$WORK/raw.bin" "$WORK/cd-raw.bin" "RAW session"
"$DISCLOG" records "$raw_img" | grep -q 'DATA lba=-11635 .*block_size=2448 dbt=3 write_type=3' ||
	fail "check 5: no DATA record with 2448-byte blocks, DBT 3, RAW at -11635"
echo "   CD-R RAW image equals the file (600 x 2448 bytes from LBA -11635)"

CHECK=6
cd_data_after=$(data_records "$cd_img")
[ "$cd_data_after" -eq "$cd_data_before" ] ||
	fail "check 6: DATA records went from $cd_data_before to $cd_data_after"
echo "   refused write recorded nothing ($cd_data_after DATA records, $nwa_after)"

# ---------------------------------------------------------------------------------
begin 8 "verify and read after a restart that reloads the DVD+R image"
sim_start reload --drive lun=0,media=dvd+r,image="$dvd_img" --drive lun=1,media=bd-r
U="iscsi://$SIM_HOST/$SIM_TARGET"
run_as 0 verify-equal "$W" verify "$U/0" "$WORK/data8.bin" --lba 4096
has verify-equal "4096 blocks of 2048 bytes from LBA 4096 equal to"
run_as 0 read-back "$W" read "$U/0" "$WORK/read.bin" --lba 8192 --blocks 100 --max-transfer 64K
head -c $(( 100 * 2048 )) "$WORK/data8.bin" >"$WORK/expect.bin"
same "$WORK/expect.bin" "$WORK/read.bin" "read of 100 blocks at LBA 8192"
cp "$WORK/data8.bin" "$WORK/changed.bin"
printf '\xff' | dd of="$WORK/changed.bin" bs=1 seek=$(( 3 * 2048 + 100 )) conv=notrunc 2>/dev/null
cmp -s "$WORK/data8.bin" "$WORK/changed.bin" &&
	{ printf '\x00' | dd of="$WORK/changed.bin" bs=1 seek=$(( 3 * 2048 + 100 )) conv=notrunc 2>/dev/null; }
run_as 4 verify-changed "$W" verify "$U/0" "$WORK/changed.bin" --lba 0
has verify-changed "first difference at LBA 3, byte offset 100 within the block"
run_as 1 read-blank "$W" read "$U/0" "$WORK/blank.bin" --lba 20000 --blocks 1
has read-blank "READ(10)" "IMAPI_HR_FROM_SENSE" "(5/21/00)"

# ---------------------------------------------------------------------------------
begin 9 "forced progress line (BD-R, after the restart)"
mkdata "$WORK/data4.bin" 4 8
run_as 0 progress "$W" write "$U/1" "$WORK/data4.bin" --bytes-per-sector 2048 --lba nwa --progress
grep -aE 'LBA -?[0-9]+/[0-9]+ +[0-9.]+ MB/s +[0-9.]+x +buffer +[0-9]+% +\[[# ]+\] +[0-9]+%' \
	"$WORK/progress.err" >/dev/null || {
	cat -v "$WORK/progress.err" | tail -n 5
	fail "check $CHECK: no progress line with MB/s, x and buffer"
}
has progress "100%" "result: S_OK"
run_as 0 quiet "$W" -q write "$U/1" "$WORK/data4.bin" --bytes-per-sector 2048 --lba nwa --progress
[ ! -s "$WORK/quiet.err" ] || fail "check $CHECK: -q still printed: $(head -c 200 "$WORK/quiet.err")"

# ---------------------------------------------------------------------------------
begin 10 "close session, finalize; no NWA on a finalized disc"
run_as 0 close-session "$W" close "$U/0" session
run_as 0 after-session "$W" info "$U/0" --json
has after-session '"status":"appendable"' '"sessions":2'
run_as 0 finalize "$W" close "$U/0" finalize
has finalize "finalize (CLOSE function 101b on DVD+R) done"
run_as 0 after-finalize "$W" info "$U/0"
has after-finalize "disc status: finalized" "next writable address: the disc is finalized"
run_as 1 write-finalized "$W" write "$U/0" "$WORK/small.bin" --bytes-per-sector 2048 --lba nwa
has write-finalized "--lba nwa: the disc is finalized" "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (0xC0AA0402)"
run_as 0 verify-final "$W" verify "$U/0" "$WORK/data8.bin" --lba 0 -q
sim_stop
