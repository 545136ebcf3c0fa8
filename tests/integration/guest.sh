#!/bin/bash
# tests/integration/guest.sh - the short tier of the Linux guest (doc/real-programs.md):
# one boot per attach mode and a handful of real programs.  The whole matrix is
# `make check-guest` (tests/guest-matrix.sh).  Skips (77) when QEMU, the kernel or busybox
# is missing.
#  - `harness guest`: a command's output and exit status come back; the kernel sees
#    simdrive's LUN as sr0 by passthrough and by its own iSCSI initiator; --accel kvm
#    falls back to TCG with a message where /dev/kvm does not work;
#  - real-program scenarios: xorriso on DVD+R (passthrough), wodim TAO on CD-R (iscsi),
#    the kernel's device detection (both), wengine on the host burning a DVD+R through
#    tgtd in the guest (passthrough, a forwarded port: tgt-sg-dvd+r);
#  - must-fail guest scenarios: a wrong exit status and a missing output text fail with
#    their messages; the console and the output are kept as artefacts.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
export TMPDIR="$WORK"
export BURNLAB_GUEST_CACHE="$TESTTMP/guest-cache"
why=$("$HARNESS" guest --check) || skip "$why"
echo "$why"
# A syntax error in the guest's /init would only show as a guest that never says ready.
check "the guest's /init parses in busybox's shell"
busybox sh -n "$FIXTURES/../harness/guest-init.sh" || fail "harness/guest-init.sh does not parse"
REAL="$FIXTURES/scenarios/real-programs"

check "harness guest: a command's output and exit status come back; sr0 by passthrough"
sim_start drive --drive lun=0,media=dvd+rw,image="$WORK/rw.disclog"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
mkdir -p "$WORK/shared"
echo "from the host" >"$WORK/shared/hello.txt"
"$HARNESS" guest --dir "$WORK/shared" "$url" 'cat hello.txt; echo made > made.txt' \
	'cat /proc/sys/dev/cdrom/info; exit 5' >"$WORK/out.txt" 2>"$WORK/err.txt"
rc=$?
cat "$WORK/out.txt" "$WORK/err.txt"
[ $rc -eq 5 ] || fail "harness guest exited $rc, expected the last command's 5"
grep -q "^from the host$" "$WORK/out.txt" || fail "the guest did not see /host/hello.txt"
[ "$(cat "$WORK/shared/made.txt")" = made ] || fail "the guest's file did not come back"
grep -qE "drive name:[[:space:]]+sr0" "$WORK/out.txt" || fail "no sr0 in the guest"
grep -qE "harness guest: ready in [0-9.]+ s \(tcg" "$WORK/err.txt" || fail "no ready line"
[ -s "$WORK/shared/console.log" ] || fail "no console log"

check "--accel kvm: KVM where /dev/kvm works, else TCG with a message"
"$HARNESS" guest --accel kvm --dir "$WORK/shared" "$url" 'true' 2>"$WORK/kvm.txt" || { cat "$WORK/kvm.txt"; fail "--accel kvm failed"; }
cat "$WORK/kvm.txt"
if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
	grep -qE "ready in [0-9.]+ s \((kvm|tcg)" "$WORK/kvm.txt" || fail "no ready line with kvm"
else
	grep -q "harness: /dev/kvm: .*; the guest runs under TCG" "$WORK/kvm.txt" || fail "no fallback message"
	grep -qE "ready in [0-9.]+ s \(tcg" "$WORK/kvm.txt" || fail "the fallback guest did not boot under TCG"
fi
sim_stop

check "harness guest: usage errors exit 2"
"$HARNESS" guest --attach floppy x y 2>"$WORK/usage.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "passthrough or iscsi" "$WORK/usage.txt" || fail "bad --attach: exit $rc"
"$HARNESS" guest http://x/y 'true' 2>"$WORK/usage.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "iscsi://HOST:PORT/TARGET/LUN" "$WORK/usage.txt" || fail "bad URL: exit $rc"

"$HARNESS" guest --forward 0 x y 2>"$WORK/usage.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "TCP port 1..65535" "$WORK/usage.txt" || fail "bad --forward: exit $rc"

check "real programs, passthrough: kernel detection, xorriso on DVD+R, wengine through tgtd in the guest"
"$HARNESS" run -j 2 --junit "$WORK/pt.xml" "$REAL/kernel-detect.scn" "$REAL/xorriso-dvd+r.scn" \
	"$REAL/tgt-sg-dvd+r.scn" >"$WORK/pt.tap"
rc=$?
cat "$WORK/pt.tap"
[ $rc -eq 0 ] || fail "a passthrough scenario failed"
[ "$(grep -c '^ok ' "$WORK/pt.tap")" -eq 3 ] || fail "expected 3 ok"
grep -qE "its port 3260 is 127\.0\.0\.1:[0-9]+" "$WORK/pt.tap" || fail "no forwarded port in tgt-sg-dvd+r"
grep -q "SKIP" "$WORK/pt.tap" && fail "a scenario was skipped"

check "real programs, the guest kernel's iSCSI initiator: kernel detection and wodim TAO on CD-R"
"$HARNESS" run -j 2 --attach iscsi "$REAL/kernel-detect.scn" "$REAL/wodim-cd-r-tao.scn" >"$WORK/is.tap"
rc=$?
cat "$WORK/is.tap"
[ $rc -eq 0 ] || fail "an iscsi scenario failed"
[ "$(grep -c '^ok ' "$WORK/is.tap")" -eq 2 ] || fail "expected 2 ok"
grep -q "(tcg, iscsi," "$WORK/is.tap" || fail "the scenarios did not run with the iscsi attach"
grep -q "SKIP" "$WORK/is.tap" && fail "a scenario was skipped"

check "a scenario without the iscsi mode is skipped under --attach iscsi"
"$HARNESS" run --attach iscsi "$REAL/cdrdao-audio.scn" >"$WORK/skip.tap" || fail "skip run failed"
grep -q "^ok 1 - cdrdao-audio # SKIP runs with attach passthrough, not iscsi" "$WORK/skip.tap" ||
	{ cat "$WORK/skip.tap"; fail "no skip"; }

check "the must-fail guest run exits 1 and passes none"
"$HARNESS" run -j 2 --keep "$WORK/kept" "$FIXTURES/harness-selftest/guest" >"$WORK/fail.tap"
rc=$?
cat "$WORK/fail.tap"
[ $rc -eq 1 ] || fail "must-fail run exited $rc, expected 1"
grep -q '^ok ' "$WORK/fail.tap" && fail "a must-fail scenario passed"
for f in "$FIXTURES"/harness-selftest/guest/*.scn; do
	check "must-fail guest scenario $(basename "$f" .scn) fails with its message"
	want=$(sed -n 's/^# must-fail: //p' "$f" | head -n 1)
	grep -qF -- "$want" "$WORK/fail.tap" || fail "$(basename "$f"): message lacks '$want'"
done
check "a failed guest scenario keeps the console and the command's output"
d=$(ls -d "$WORK"/kept/*-must-fail-output | head -n 1)
[ -s "$d/console.log" ] && [ -s "$d/guest-5.log" ] || fail "guest artefacts missing in $d"
grep -q "burnlab guest" "$d/guest-5.log" || fail "the command's output is not in guest-5.log"
