#!/bin/bash
# Drive personalities (fixtures/drives/*.drive, doc/simdrive-personalities.md) in the
# running daemon: every shipped drive answers INQUIRY with its own strings and lists
# exactly the profiles of the media it takes (wengine info); two LUNs play two drives;
# the DVD-only drive refuses a CD-R at start naming the drive and the medium; the drive
# without RAW refuses page 05h RAW with 05/26/00 and keeps TAO, which then burns, while
# the CD writer takes RAW; a malformed file stops simdrive with FILE:LINE.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
need iscsi-inq

drives="$FIXTURES/drives"
ls "$drives"/*.drive >/dev/null 2>&1 || fail "no personality in $drives"

# key FILE KEY: the value of KEY in a personality file (comments and blanks cut).
key() {
	sed -n "s/#.*//; s/^[ \t]*$2[ \t]*=[ \t]*\(.*[^ \t]\)[ \t]*$/\1/p" "$1"
}

# The profile numbers (hex, as wengine prints them) a media list gives: each medium's
# profile and the ROM profile of each family.
profiles_of() {
	local m
	for m in $1; do
		case $m in
		cd-r|cd-r80) echo 0009h; echo 0008h ;;
		cd-rw)       echo 000Ah; echo 0008h ;;
		cd-rom)      echo 0008h ;;
		dvd-r)       echo 0011h; echo 0010h ;;
		dvd-rw)      echo 0014h; echo 0013h; echo 0010h ;;
		dvd+r)       echo 001Bh; echo 0010h ;;
		dvd+r-dl)    echo 002Bh; echo 0010h ;;
		dvd+rw)      echo 001Ah; echo 0010h ;;
		dvd-rom)     echo 0010h ;;
		bd-r)        echo 0041h; echo 0040h ;;
		bd-re)       echo 0043h; echo 0040h ;;
		bd-rom)      echo 0040h ;;
		*) fail "profiles_of: unknown medium $m" ;;
		esac
	done | sort -u
}

# inq_is URL VENDOR PRODUCT REVISION: iscsi-inq shows these strings.
inq_is() {
	local out
	out=$(iscsi-inq "$1") || fail "iscsi-inq $1"
	echo "$out" | grep -qx "Vendor:$(printf '%-8s' "$2")" || fail "vendor of $1 is not '$2': $out"
	echo "$out" | grep -qx "Product:$(printf '%-16s' "$3")" || fail "product of $1 is not '$3': $out"
	echo "$out" | grep -qx "Revision:$(printf '%-4s' "$4")" || fail "revision of $1 is not '$4': $out"
}

# check_speeds NAME FILE MEDIUM JSON: the speed and buffer model uses the file's tables
# for the loaded medium's family: GET PERFORMANCE lists its speeds (fastest first, in
# kB/s = x times 1x), with its rotation; page 2Ah and READ BUFFER CAPACITY its buffer.
check_speeds() {
	local name=$1 file=$2 medium=$3 json=$4 fam one
	case $medium in
	cd-*) fam=cd; one=176 ;;
	dvd*) fam=dvd; one=1385 ;;
	bd-*) fam=bd; one=4496 ;;
	esac
	local speeds rot buf want_kbps got_kbps want_kib
	speeds=$(key "$file" "speeds-$fam")
	rot=$(key "$file" "rotation-$fam" | tr a-z A-Z)
	buf=$(key "$file" "buffer-$fam")
	[ -n "$speeds" ] && [ -n "$rot" ] && [ -n "$buf" ] ||
		fail "$file: speeds-$fam, rotation-$fam and buffer-$fam expected in a shipped drive"
	want_kbps=$(for x in $speeds; do awk -v x="${x%x}" -v one="$one" \
		'BEGIN { printf "%d\n", int(x * 10 + 0.5) * one / 10 }'; done)
	got_kbps=$(grep -o '"write_speeds":\[{[^]]*\]' "$json" | grep -o '"write_kbps":[0-9]*' |
		   sed 's/.*://')
	[ "$got_kbps" = "$want_kbps" ] ||
		fail "$name: GET PERFORMANCE write speeds $(echo $got_kbps), expected $(echo $want_kbps)"
	grep -o '"write_speeds":\[{[^]]*\]' "$json" | grep -o '"rotation":"[A-Z]*"' |
		grep -qv "\"$rot\"" && fail "$name: a write speed descriptor is not $rot"
	want_kib=$(echo "$buf" | awk '/[Mm]/ { print $0 * 1024; next } /[Kk]/ { print $0 + 0; next }
		{ print int($0 / 1024) }')
	grep -q "\"buffer_kib\":$want_kib[,}]" "$json" ||
		fail "$name: page 2Ah buffer is not $want_kib KiB: $(grep -o '"buffer_kib":[0-9]*' "$json")"
	grep -q "\"buffer\":{\"size\":$((want_kib * 1024))," "$json" ||
		fail "$name: READ BUFFER CAPACITY is not $want_kib KiB: $(grep -o '"buffer":{[^}]*}' "$json")"
	speed_summary="$fam $(echo $speeds)x $rot, buffer ${want_kib} KiB"
}

n=0
for f in "$drives"/*.drive; do
	name=$(basename "$f" .drive)
	check "$name: INQUIRY strings, profiles, speeds and buffer as its file says"
	vendor=$(key "$f" vendor)
	product=$(key "$f" product)
	revision=$(key "$f" revision)
	media=$(key "$f" media)
	first=""		# the last recordable medium: the drive's newest family
	for m in $media; do
		case $m in *-rom) ;; *) first=$m ;; esac
	done
	[ -n "$vendor" ] && [ -n "$product" ] && [ -n "$revision" ] && [ -n "$first" ] ||
		fail "$f: vendor, product, revision and a recordable medium expected"

	sim_start "$name" --drive "lun=0,media=$first,image=$WORK/$name.disclog,personality=$f"
	url="iscsi://$SIM_HOST/$SIM_TARGET/0"
	inq_is "$url" "$vendor" "$product" "$revision"
	"$WENGINE" info "$url" --json >"$WORK/$name.json" || fail "wengine info ($name)"
	grep -q "\"drive\":{\"vendor\":\"$vendor\",\"product\":\"$product\",\"revision\":\"$revision\"}" \
		"$WORK/$name.json" || fail "$name: wengine info shows another drive: $(cat "$WORK/$name.json")"
	got=$(grep -o '"profiles":\[[^]]*\]' "$WORK/$name.json" | grep -o '[0-9A-F]\{4\}h' | sort -u)
	want=$(profiles_of "$media")
	[ "$got" = "$want" ] ||
		fail "$name: profiles $(echo $got) instead of $(echo $want)"
	check_speeds "$name" "$f" "$first" "$WORK/$name.json"
	sim_stop
	echo "$name ($vendor $product $revision): profiles $(echo $got), $speed_summary"
	n=$((n + 1))
done
check "at least 4 personalities ship in fixtures/drives"
[ "$n" -ge 4 ] || fail "only $n personalities in $drives (at least 4 expected)"

# Two LUNs, two drives, one target: INQUIRY is per LUN.
check "two LUNs play two drives: INQUIRY is per LUN"
sim_start two --drive "lun=0,media=cd-r,personality=$drives/cd-writer.drive" \
	--drive "lun=1,media=bd-re,personality=$drives/bd-writer.drive"
inq_is "iscsi://$SIM_HOST/$SIM_TARGET/0" "$(key "$drives/cd-writer.drive" vendor)" \
	"$(key "$drives/cd-writer.drive" product)" "$(key "$drives/cd-writer.drive" revision)"
inq_is "iscsi://$SIM_HOST/$SIM_TARGET/1" "$(key "$drives/bd-writer.drive" vendor)" \
	"$(key "$drives/bd-writer.drive" product)" "$(key "$drives/bd-writer.drive" revision)"
sim_stop

# start_fails NAME WANT ARGS...: simdrive must exit 1 before its ready line with WANT
# in the message.
start_fails() {
	local name=$1 want=$2 rc=0
	shift 2
	check "$name: simdrive exits 1 at start, saying why"
	timeout 20 "$SIMDRIVE" --listen 127.0.0.1:0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$name: simdrive exited $rc, expected 1: $(cat "$WORK/$name.err")"
	grep -qF -- "$want" "$WORK/$name.err" ||
		fail "$name: expected '$want' in: $(cat "$WORK/$name.err")"
	cat "$WORK/$name.err"
}

# The DVD-only drive takes no CD; the CD writer no DVD.
start_fails dvd-only-cd-r "drive dvd-only (HERON DVD+-RW HX-16D) does not take cd-r media" \
	--drive "lun=0,media=cd-r,personality=$drives/dvd-only.drive"
start_fails cd-writer-dvd "drive cd-writer (KESTREL CDRW KR-4824) does not take dvd+r media" \
	--drive "lun=0,media=dvd+r,personality=$drives/cd-writer.drive"

# Malformed personality files: the message names FILE:LINE and says what was expected.
printf '# a drive\nvendor = ACME\nspeeds-cd = 8 16\n' >"$WORK/bad1.drive"
start_fails bad-speeds "$WORK/bad1.drive:3: speeds not descending" \
	--drive "lun=0,media=cd-r,personality=$WORK/bad1.drive"
printf 'vendor = ACME\ncolour = red\n' >"$WORK/bad2.drive"
start_fails bad-key "$WORK/bad2.drive:2: unknown key 'colour'" \
	--drive "lun=0,media=cd-r,personality=$WORK/bad2.drive"
start_fails missing "$WORK/none.drive: cannot open" \
	--drive "lun=0,media=cd-r,personality=$WORK/none.drive"

# Page 05h RAW on the drive without RAW: 05/26/00 at MODE SELECT, nothing written, TAO
# stays in force and burns.
check "dvd-no-raw refuses page 05h RAW with 05/26/00 at MODE SELECT; nothing written, TAO kept"
mkdata "$WORK/data.bin" 1 7
head -c $((2448 * 16)) "$WORK/data.bin" >"$WORK/raw.bin"
image="$WORK/noraw.disclog"
sim_start noraw --drive "lun=0,media=cd-r,image=$image,personality=$drives/dvd-no-raw.drive"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
rc=0
"$WENGINE" write "$url" "$WORK/raw.bin" --bytes-per-sector 2448 --lba -150 --write-type raw \
	--data-block-type 3 --track-mode 4 --json -q >"$WORK/raw.json" 2>"$WORK/raw.err" || rc=$?
[ "$rc" -eq 1 ] || fail "RAW on dvd-no-raw: wengine exited $rc: $(cat "$WORK/raw.json" "$WORK/raw.err")"
grep -q '"sense":{"key":5,"asc":38,"ascq":0' "$WORK/raw.json" ||
	fail "RAW on dvd-no-raw: not 05/26/00: $(cat "$WORK/raw.json")"
grep -q 'page 05h' "$WORK/raw.err" || fail "RAW on dvd-no-raw: not refused at MODE SELECT: $(cat "$WORK/raw.err")"
"$WENGINE" info "$url" --json >"$WORK/noraw.json" || fail "wengine info (noraw)"
grep -q '"write_parameters":{"write_type":"TAO"' "$WORK/noraw.json" ||
	fail "dvd-no-raw: page 05h changed by a refused MODE SELECT: $(cat "$WORK/noraw.json")"
grep -q '"nwa":0' "$WORK/noraw.json" || fail "dvd-no-raw: the refused RAW write recorded something"
echo "RAW refused on dvd-no-raw: $(grep -o '"text":"[^"]*"' "$WORK/raw.json")"
check "TAO burns and verifies on dvd-no-raw"
"$WENGINE" write "$url" "$WORK/data.bin" --bytes-per-sector 2048 --lba nwa --write-type tao \
	--data-block-type 8 --track-mode 4 -q || fail "TAO on dvd-no-raw"
"$WENGINE" verify "$url" "$WORK/data.bin" --lba 0 -q || fail "verify of the TAO track on dvd-no-raw"
sim_stop

# The same RAW page on the CD writer passes MODE SELECT (the write itself then needs a
# lead-in this data does not have: 05/21/02, not 05/26/00).
check "cd-writer takes page 05h RAW"
sim_start cdraw --drive "lun=0,media=cd-r,image=$WORK/cdraw.disclog,personality=$drives/cd-writer.drive"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
"$WENGINE" write "$url" "$WORK/raw.bin" --bytes-per-sector 2448 --lba -150 --write-type raw \
	--data-block-type 3 --track-mode 4 --json -q >"$WORK/cdraw.json" 2>/dev/null || true
if grep -q '"asc":38,' "$WORK/cdraw.json"; then
	fail "cd-writer refused page 05h RAW: $(cat "$WORK/cdraw.json")"
fi
"$WENGINE" info "$url" --json | grep -q '"write_parameters":{"write_type":"RAW"' ||
	fail "cd-writer: page 05h RAW not in force"
sim_stop
