#!/bin/bash
# tests/guest/cue-compare.sh - the same CUE sheet burned Disc-at-Once twice: by cdrdao
# in the Linux guest (its SAO writer: a cue sheet to the drive, the drive makes the
# lead-in and the sub-channel) and by `wengine burn` (IRawCDImageCreator builds every
# sector, IDiscFormat2RawCD writes them in raw mode from the lead-in).  Both discs are
# exported with disclog as CUE+BIN: the BINs (every main-channel frame from LBA 0 to
# the lead-out) must be equal byte for byte, the track layouts equal, and the P-W
# sub-channel of CloneCD exports equal too (the drive's Q for cdrdao's SAO disc against
# the image builder's Q recorded in raw mode).  Part of
# `make check-guest` (tests/guest-matrix.sh); sources tests/integration/lib.sh for TAP.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
why=$("$HARNESS" guest --check) || skip "$why"

check "cdrdao burns fixtures/guest/compare.cue in the guest (scenario cdrdao-cue)"
"$HARNESS" run --keep "$WORK/kept" --keep-passed \
	"$FIXTURES/scenarios/real-programs/cdrdao-cue.scn" >"$WORK/cdrdao.tap" 2>&1 ||
	{ cat "$WORK/cdrdao.tap"; fail "the cdrdao-cue scenario failed"; }
kept=$(ls -d "$WORK"/kept/*cdrdao-cue* 2>/dev/null | head -n 1)
[ -n "$kept" ] && [ -f "$kept/image.disclog" ] || fail "no kept image of the scenario"

check "wengine burn of the same sheet and files to a blank CD-R"
sim_start wengine --drive "lun=0,media=cd-r,image=$WORK/wengine.disclog"
"$WENGINE" burn "iscsi://$SIM_HOST/$SIM_TARGET/0" "$kept/guest/compare.cue" --json \
	>"$WORK/wengine.out" 2>"$WORK/wengine.err" ||
	{ cat "$WORK/wengine.err"; fail "wengine burn failed"; }
sim_stop

check "the two discs are equal block for block (main channel, LBA 0 to the lead-out) with the same layout"
for who in cdrdao wengine; do
	img=$WORK/wengine.disclog
	[ "$who" = cdrdao ] && img=$kept/image.disclog
	"$DISCLOG" export "$img" --format cue -o "$WORK/$who" || fail "disclog export of the $who disc"
	"$DISCLOG" info "$img" | grep -E '^(track|session) ' | sed 's/, last recorded.*//' >"$WORK/$who.layout"
done
diff "$WORK/cdrdao.layout" "$WORK/wengine.layout" || fail "the layouts differ"
grep -v '^REM' "$WORK/cdrdao.cue" | sed 's/cdrdao.bin/X.bin/' >"$WORK/cdrdao.sheet"
grep -v '^REM' "$WORK/wengine.cue" | sed 's/wengine.bin/X.bin/' >"$WORK/wengine.sheet"
diff "$WORK/cdrdao.sheet" "$WORK/wengine.sheet" || fail "the exported CUE sheets differ"
cmp "$WORK/cdrdao.bin" "$WORK/wengine.bin" || fail "the discs differ (first differing byte above)"
echo "equal: $(( $(stat -c %s "$WORK/wengine.bin") / 2352 )) frames"
cat "$WORK/wengine.layout"

check "the sub-channel too: CloneCD exports (.img main channel, .sub P-W) of both discs are equal"
# cdrdao's disc has the Q the drive made from the cue sheet (SAO); wengine's the Q the
# image builder computed and sent in raw mode.
for who in cdrdao wengine; do
	img=$WORK/wengine.disclog
	[ "$who" = cdrdao ] && img=$kept/image.disclog
	"$DISCLOG" export "$img" --format ccd -o "$WORK/$who-ccd" >/dev/null ||
		fail "disclog export --format ccd of the $who disc"
done
cmp "$WORK/cdrdao-ccd.sub" "$WORK/wengine-ccd.sub" || fail "the sub-channels differ"
cmp "$WORK/cdrdao-ccd.img" "$WORK/wengine-ccd.img" || fail "the CloneCD images differ"
diff "$WORK/cdrdao-ccd.ccd" "$WORK/wengine-ccd.ccd" || fail "the CloneCD descriptors differ"
echo "sub-channel equal: $(( $(stat -c %s "$WORK/wengine-ccd.sub") / 96 )) frames of 96 bytes"
