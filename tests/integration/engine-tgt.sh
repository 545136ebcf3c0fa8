#!/bin/bash
# wengine (libwriteengine) against a third-party target: the Debian tgt package's
# tgtd, whose MMC emulation (usr/mmc.c) presents an EMPTY backing file as a blank
# DVD+R and writes the blocks straight into that file.
#
# Sequence: wengine info; wengine write of 16 MiB at the NWA; SYNCHRONIZE CACHE;
# CLOSE TRACK 1; CLOSE SESSION and finalize; wengine verify and wengine read of the
# whole track; the backing file itself equals the data.  Then `wengine burn` (the
# format layer) of a DVD+R on a second LU with full verification.
#
# What tgt lacks (doc/harness-conformance.md, "Known gaps of tgt's MMC emulation"), and
# how it shows here:
#  - READ DISC/TRACK INFORMATION of a blank DVD+R are constants (NWA 0): the NWA never
#    advances, so only one track can be written;
#  - any CLOSE TRACK/SESSION ignores the close function and turns the disc into a
#    DVD-ROM (profile 0010h): CLOSE SESSION and finalize after CLOSE TRACK are accepted
#    as no-ops on the DVD-ROM; there is no appendable session;
#  - SYNCHRONIZE CACHE is a no-op (the data is in the file at WRITE time).
# Skipped only when not root or tgt is not installed; tgtd is always stopped.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${WENGINE:?WENGINE must name the wengine binary}"
need timeout
[ "$(id -u)" -eq 0 ] || skip "tgtd needs root"
. "$(dirname "$TESTLIB")/../bench/tgtd.sh" || exit 99
[ -x "$TGTD" ] && [ -x "$TGTADM" ] || skip "tgt is not installed ($TGTD, $TGTADM)"

# bad REASON: the check under way (lib.sh's check) fails; tgtd's log tells why.
bad() { echo "tgtd log:"; tail -n 20 "$WORK/tgtd.log"; fail "$*"; }

# json FILE KEY: the first value of KEY in a one-line JSON object (numbers, strings
# without escapes, literals) - enough for wengine's flat fields.
json() { grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | head -n 1 | sed 's/^[^:]*://; s/^"\(.*\)"$/\1/'; }

# wen NAME ARGS...: wengine, bounded in time; stdout in $WORK/NAME.out (shown).
wen() {
	local name=$1; shift
	timeout 120 "$WENGINE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	local rc=$?
	cat "$WORK/$name.out" "$WORK/$name.err" | sed 's/^/   /' | cut -c1-300
	return "$rc"
}

IQN="iqn.2026-01.org.burnlab:engine-tgt"
DISC="$WORK/disc.img"
check "tgtd starts on loopback with a blank DVD+R (empty backing file)"
start_tgtd || { cat "$WORK/tgtd.log"; fail "tgtd did not start"; }
: >"$DISC"
tgtadm_ --op new --mode target --tid 1 -T "$IQN" &&
	tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$DISC" --device-type cd &&
	tgtadm_ --op bind --mode target --tid 1 -I ALL || bad "tgtadm could not set up the target"
URL="iscsi://127.0.0.1:$TGT_PORT/$IQN/1"
echo "   $("$TGTD" --version 2>/dev/null | head -n 1) at $URL"

check "wengine info: a blank DVD+R, NWA 0"
wen info info "$URL" --json || bad "wengine info exited $?"
[ "$(json "$WORK/info.out" current_profile_number)" = 27 ] ||
	bad "current profile '$(json "$WORK/info.out" current_profile)', want DVD+R (27)"
[ "$(json "$WORK/info.out" nwa)" = 0 ] || bad "NWA '$(json "$WORK/info.out" nwa)', want 0"
wen info-text info "$URL" >/dev/null || bad "wengine info (text) exited $?"

check "wengine write: 16 MiB at the NWA"
mkdata "$WORK/data.bin" 16 31
BLOCKS=$(( $(stat -c %s "$WORK/data.bin") / 2048 ))
wen write write "$URL" "$WORK/data.bin" --bytes-per-sector 2048 --lba nwa --json --no-progress ||
	bad "wengine write exited $?"
[ "$(json "$WORK/write.out" result)" = S_OK ] || bad "result '$(json "$WORK/write.out" result)'"
[ "$(json "$WORK/write.out" bytes)" = $((BLOCKS * 2048)) ] || bad "bytes '$(json "$WORK/write.out" bytes)'"
[ "$(json "$WORK/write.out" last_written_lba)" = $((BLOCKS - 1)) ] ||
	bad "last_written_lba '$(json "$WORK/write.out" last_written_lba)', want $((BLOCKS - 1))"

check "the WRITEs' PDUs left in full TCP segments, not one or two each (tgtd takes 8 KiB data segments)"
# Uncorked, libiscsi's header and data calls under TCP_NODELAY made two segments per
# Data-Out PDU (doc/engine-recorder.md section 2); corked, a 256 KiB WRITE took about 5.
MRDSL=$(json "$WORK/info.out" max_recv_data_segment_length)
SEGS=$(json "$WORK/write.out" tcp_segments_out)
PDUS=$(( $(stat -c %s "$WORK/data.bin") / MRDSL ))
echo "   $SEGS TCP segments for $(json "$WORK/write.out" commands) WRITEs, $PDUS data PDUs of $MRDSL bytes"
[ "$SEGS" -gt 0 ] 2>/dev/null || bad "tcp_segments_out '$SEGS', want a count"
[ "$SEGS" -lt "$PDUS" ] || bad "$SEGS segments for $PDUS data PDUs: the PDUs were not sent together"

check "wengine sync and close track 1: the disc becomes tgt's DVD-ROM"
wen sync sync "$URL" || bad "wengine sync exited $?"
wen close-track close "$URL" track 1 || bad "wengine close track 1 exited $?"
wen info-closed info "$URL" --json || bad "wengine info exited $?"
echo "   profile after CLOSE TRACK: $(json "$WORK/info-closed.out" current_profile)"

check "wengine close session and finalize: tgt accepts them (no-ops on its DVD-ROM)"
wen close-session close "$URL" session || bad "wengine close session exited $?"
wen close-finalize close "$URL" finalize || bad "wengine close finalize exited $?"

check "wengine verify and wengine read: the disc holds the file"
wen verify verify "$URL" "$WORK/data.bin" --lba 0 || bad "wengine verify exited $? (4: mismatch)"
wen read read "$URL" "$WORK/readback.bin" --lba 0 --blocks "$BLOCKS" || bad "wengine read exited $?"
cmp "$WORK/readback.bin" "$WORK/data.bin" || bad "the blocks read back differ from the file"

check "the backing file equals the data (tgt writes blocks straight into it)"
cmp "$DISC" "$WORK/data.bin" || bad "the backing file differs from the data written"

check "wengine burn (the format layer, IDiscFormat2Data) of a DVD+R on a second LU: full verification, the backing file holds the image"
DISC2="$WORK/disc2.img"
: >"$DISC2"
tgtadm_ --op new --mode logicalunit --tid 1 --lun 2 -b "$DISC2" --device-type cd ||
	bad "tgtadm could not add LUN 2"
URL2="iscsi://127.0.0.1:$TGT_PORT/$IQN/2"
head -c $(( 4 * 1048576 )) "$WORK/data.bin" >"$WORK/image.iso"
wen burn burn "$URL2" "$WORK/image.iso" --verify full --json --no-progress ||
	bad "wengine burn exited $?"
grep '^{"event":"result"' "$WORK/burn.out" >"$WORK/burn.result"
[ "$(json "$WORK/burn.result" result)" = ok ] || bad "result '$(json "$WORK/burn.result" result)'"
[ "$(json "$WORK/burn.result" verified)" = 2048 ] ||
	bad "verified '$(json "$WORK/burn.result" verified)', want 2048"
[ "$(json "$WORK/burn.result" close_function)" = 5 ] ||
	bad "close function '$(json "$WORK/burn.result" close_function)', want 5 (DVD+R, IMAPI2's compatible close)"
cmp "$DISC2" "$WORK/image.iso" || bad "the backing file differs from the image burned"

stop_tgtd
