#!/bin/bash
# Burning through simdrive with raw MMC CDBs (tests/integration/burnclient.c): refusals
# leave the disc untouched; a DVD+R gets two tracks in two sessions and is finalized;
# READ DISC/TRACK INFORMATION and the TOC are identical after a daemon restart that
# reloads the image; the image verifies; tgt's DVD+R sequence works unchanged; an
# imported ISO served as a DVD-ROM view reads back byte for byte.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${BURNCLIENT:?BURNCLIENT must name the burnclient binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"

image="$WORK/dvdplusr.disclog"
sim_start first --drive lun=0,media=dvd+r,image="$image"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
check "refused writes and closes leave the blank disc untouched"
"$BURNCLIENT" "$url" refusals || fail "refusals"
check "a DVD+R gets two tracks in two sessions and is finalized"
"$BURNCLIENT" "$url" dvdplusr 7 || fail "DVD+R burn"
"$BURNCLIENT" "$url" state >"$WORK/state.before" || fail "state before restart"
sim_stop

check "disc and track information and the TOC are identical after a restart on the image"
sim_start second --drive lun=0,media=dvd+r,image="$image"
"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" state >"$WORK/state.after" || fail "state after restart"
sim_stop
diff -u "$WORK/state.before" "$WORK/state.after" || fail "disc information changed across a restart"
echo "state identical across the restart:"
cat "$WORK/state.after"

check "the burned image verifies"
"$DISCLOG" verify "$image" || fail "disclog verify of the burned image"
"$DISCLOG" info "$image"

check "tgt's DVD+R command sequence works unchanged"
sim_start tgt --drive lun=0,media=dvd+r,image="$WORK/tgt.disclog"
"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" tgt-sequence 3 || fail "tgt DVD+R sequence"
sim_stop
# A disc users already have: `disclog import` an ISO, serve the image as a DVD-ROM view,
# and read it back over iSCSI byte for byte.
: "${ICLIENT:?ICLIENT must name the iclient binary}"
check "an imported ISO served as a DVD-ROM view reads back byte for byte"
mkdata "$WORK/have.iso" 3 11
"$DISCLOG" import "$WORK/have.iso" "$WORK/have.disclog" || fail "disclog import"
sim_start preload --drive lun=0,media=dvd-rom,image="$WORK/have.disclog"
"$ICLIENT" read "iscsi://$SIM_HOST/$SIM_TARGET/0" --file "$WORK/have.iso" --sessions 1 --mib 3 ||
	fail "reading an imported disc back"
sim_stop
