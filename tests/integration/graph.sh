#!/bin/bash
# The picture of a burn (doc/engine.md §12): `wengine burn/write --graph FILE` and the
# harness's burn.svg, through simdrive with faults (doc/simdrive-faults.md):
#  (a) a DVD+R burn whose WRITE at LBA 1000 is answered NOT READY, LONG WRITE IN
#      PROGRESS three times (the drive's buffer full): the engine backs off and resends;
#      the SVG is well-formed (xmllint), names the medium, has the speed and the polled
#      drive buffer, the stage bands and a busy marker with the sense; rsvg-convert
#      renders it to a 960x540 PNG
#  (b) wengine write into a WRITE that fails with 3/0C/00: the command fails, the
#      picture is still written with a fault marker at the failing LBA; a unit
#      attention is marked too
#  (c) the harness keeps burn.svg in the work directory of a scenario that burns
#  (d) --graph into a directory that does not exist: exit 3 (file error) after the burn
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
need xmllint

url() { echo "iscsi://$SIM_HOST/$SIM_TARGET/0"; }
# The width and height in a PNG's IHDR (bytes 16-23, big-endian).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $3 * 256 + $4, $7 * 256 + $8 }'; }
render() {
	local svg=$1 png=${1%.svg}.png
	if ! command -v rsvg-convert >/dev/null 2>&1; then
		skip_check "$2" "rsvg-convert is not installed (Debian: librsvg2-bin)"
		return
	fi
	check "$2"
	rsvg-convert -o "$png" "$svg" || fail "rsvg-convert failed on $svg"
	[ -s "$png" ] || fail "$png is empty"
	[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
	[ "$(png_size "$png")" = 960x540 ] || fail "$png is $(png_size "$png"), not 960x540"
}

data="$WORK/data.iso"
mkdata "$data" 4 16

# (a)
check "(a) wengine burn --graph: a DVD+R burn through three busy answers, the picture written"
sim_start busy --drive lun=0,media=dvd+r,image="$WORK/busy.disclog" \
	--fault "long-write-in-progress lba=1000 count=3"
"$WENGINE" burn "$(url)" "$data" --graph "$WORK/busy.svg" --no-progress \
	>"$WORK/busy.out" 2>&1 || { cat "$WORK/busy.out"; fail "wengine burn failed"; }
sim_stop
cat "$WORK/busy.out"
grep -q "burn graph: $WORK/busy.svg" "$WORK/busy.out" || fail "wengine did not name the picture"
svg="$WORK/busy.svg"
check "(a) the SVG is well-formed (xmllint --noout) and an SVG 1.1 document of 960x540"
xmllint --noout "$svg" || fail "xmllint rejects $svg"
grep -q '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="960" height="540"' "$svg" ||
	fail "no SVG 1.1 root element of 960x540"
check "(a) title with the medium, subtitle with the size and the average speed"
grep -q 'Burn of a DVD+R (profile 001Bh): wengine burn data.iso' "$svg" || fail "title"
grep -q '4.19 MB (2048 sectors) in .* average [0-9.]*x' "$svg" || fail "subtitle"
check "(a) speed, engine buffer and the polled drive buffer are drawn, on labelled axes"
for id in speed system-buffer drive-buffer axis-speed axis-buffer axis-time grid; do
	grep -q "id=\"$id\"" "$svg" || fail "no element with id $id"
done
grep -q 'write speed (x of the medium)' "$svg" || fail "speed axis label"
grep -q 'buffer fill (%)' "$svg" || fail "buffer axis label"
check "(a) the stage bands of IDiscFormat2Data's Write"
for stage in "writing data" "finalizing" "verifying"; do
	grep -q "<title>$stage from" "$svg" || fail "no stage band '$stage'"
done
check "(a) the busy answers are marked, with their sense, three in all"
grep -q '<g class="event busy"' "$svg" || fail "no busy marker"
grep -q 'NOT READY: LONG WRITE IN PROGRESS (2/04/08)' "$svg" || fail "busy marker without its sense"
n=$(grep -o '>busy\( x[0-9]*\)\? (2/04/08)<' "$svg" | sed -n 's/.*busy x\([0-9]*\).*/\1/p;s/^>busy (2.*/1/p' |
	awk '{ n += $1 } END { print n + 0 }')
[ "$n" -eq 3 ] || fail "the busy markers count $n answers, not 3"
render "$svg" "(a) rsvg-convert renders it to a 960x540 PNG"

# (b)
check "(b) wengine write --graph into a write error: the command fails, the picture shows the fault"
sim_start werr --drive lun=0,media=dvd+r,image="$WORK/werr.disclog" \
	--fault "unit-attention lba=200" --fault "write-error lba=600"
rc=0
"$WENGINE" write "$(url)" "$data" --bytes-per-sector 2048 --lba nwa --graph "$WORK/werr.svg" \
	--no-progress >"$WORK/werr.out" 2>&1 || rc=$?
sim_stop
cat "$WORK/werr.out"
[ "$rc" -eq 1 ] || fail "wengine write exited $rc, not 1"
xmllint --noout "$WORK/werr.svg" || fail "xmllint rejects werr.svg"
grep -q '<g class="event fault"' "$WORK/werr.svg" || fail "no fault marker"
grep -q '>fault E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE (3/0C/00)<' "$WORK/werr.svg" ||
	fail "the fault marker does not name the HRESULT and the sense"
grep -q 'LBA 511: fault' "$WORK/werr.svg" || fail "the fault is not at the last acknowledged LBA (511)"
grep -q '<g class="event unit-attention"' "$WORK/werr.svg" || fail "no unit attention marker"
render "$WORK/werr.svg" "(b) the failed write's picture renders"

# (c)
if [ -n "${HARNESS:-}" ] && [ -x "$HARNESS" ]; then
	check "(c) harness run keeps burn.svg of a burning scenario, with its fault marked"
	keep="$WORK/keep"
	"$HARNESS" run --keep "$keep" --keep-passed \
		"${FIXTURES:?}/scenarios/burn-fault-data-write-error.scn" >"$WORK/harness.out" 2>&1 ||
		{ cat "$WORK/harness.out"; fail "harness run failed"; }
	hsvg=$(ls "$keep"/*/burn.svg 2>/dev/null | head -n 1)
	[ -n "$hsvg" ] || fail "no burn.svg in $keep"
	xmllint --noout "$hsvg" || fail "xmllint rejects $hsvg"
	grep -q 'burn-fault-data-write-error' "$hsvg" || fail "the picture does not name the scenario"
	grep -q '<g class="event fault"' "$hsvg" || fail "no fault marker in $hsvg"
	grep -q 'drive buffer (%): not polled' "$hsvg" || fail "the harness polled the drive's buffer"
else
	skip_check "(c) harness burn.svg" "HARNESS is not set"
fi

# (d)
check "(d) --graph into a missing directory: exit 3 after the burn, naming the file"
sim_start nodir --drive lun=0,media=dvd+r
rc=0
"$WENGINE" write "$(url)" "$data" --bytes-per-sector 2048 --lba nwa \
	--graph "$WORK/no/such/dir/x.svg" --no-progress >"$WORK/nodir.out" 2>&1 || rc=$?
sim_stop
cat "$WORK/nodir.out"
[ "$rc" -eq 3 ] || fail "exit $rc, not 3"
grep -q "cannot write '$WORK/no/such/dir/x.svg'" "$WORK/nodir.out" || fail "the file is not named"
