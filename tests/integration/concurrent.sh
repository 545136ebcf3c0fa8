#!/bin/bash
# 16 concurrent sessions (one libiscsi context each, one poll loop, 4 READ(10) of 64 KiB
# in flight per session) each read 64 MiB from a 96 MiB disc, wrapping around, and
# every byte is compared with the image.
. "$TESTLIB"
: "${ICLIENT:?ICLIENT must name the iclient binary}"

check "16 concurrent sessions read 64 MiB each, every byte as in the image"
mkdata "$WORK/disc.iso" 96 14
sim_start main --drive lun=0,media=dvd-rom,file="$WORK/disc.iso"
echo "iclient read --sessions 16 --mib 64"
"$ICLIENT" --timeout 600 read "iscsi://$SIM_HOST/$SIM_TARGET/0" --file "$WORK/disc.iso" \
	--sessions 16 --mib 64 || fail "16 concurrent sessions did not all read correct data"
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during the reads"
sim_stop
