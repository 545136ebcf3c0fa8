#!/bin/bash
# libiscsi's conformance suite (Debian libiscsi-bin's iscsi-test-cu) against simdrive
# with a disc loaded.  Each family runs on its own so the log shows pass / fail /
# skip counts per family; any failed test fails this script.  Tests the suite marks
# "[SKIPPED]" (it records them as passes) are counted as skipped here.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need iscsi-test-cu

FAMILIES="iSCSI.* SCSI.Inquiry SCSI.TestUnitReady SCSI.ModeSense6 SCSI.ReportSupportedOpcodes
SCSI.ReadCapacity10 SCSI.Read10 SCSI.Read12 SCSI.StartStopUnit SCSI.PreventAllow SCSI.NoMedia"

mkdata "$WORK/disc.iso" 8 2
sim_start main --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --log-level info
URL="iscsi://$SIM_HOST/$SIM_TARGET/0"

total_pass=0 total_fail=0 total_skip=0 bad=""
printf '%-34s %6s %6s %6s\n' family passed failed skipped
for fam in $FAMILIES; do
	log="$WORK/$(echo "$fam" | tr -c 'A-Za-z0-9\n' _).log"
	timeout 600 iscsi-test-cu --dataloss --test="$fam" "$URL" >"$log" 2>&1
	rc=$?
	# CUnit's basic summary: "tests  <total> <ran> <passed> <failed> <inactive>"
	read -r ran passed failed < <(awk '$1 == "tests" && NF >= 5 { print $3, $4, $5 }' "$log")
	ran=${ran:-0} passed=${passed:-0} failed=${failed:-0}
	# A test is skipped when "[SKIPPED]" appears between its "Test: NAME ..." and
	# its verdict; "[SKIPPED]" lines printed by suite set-up belong to no test.
	skipped=$(perl -0777 -ne '$n = 0; while (/Test: (\S+) \.\.\.(.*?)(passed|FAILED\n)/sg) { $n++ if $2 =~ /\[SKIPPED\]/ } print $n' "$log")
	skipped=${skipped:-0}
	real_pass=$((passed - skipped))
	[ $real_pass -lt 0 ] && real_pass=0
	printf '%-34s %6d %6d %6d\n' "$fam" "$real_pass" "$failed" "$skipped"
	total_pass=$((total_pass + real_pass)) total_fail=$((total_fail + failed)) total_skip=$((total_skip + skipped))
	if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$ran" -eq 0 ]; then
		bad="$bad $fam"
		echo "---- $fam (exit $rc) ----"
		grep -E "FAILED|Test: |\[SKIPPED\]" "$log" | head -60
	fi
	kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during $fam"
done
printf '%-34s %6d %6d %6d\n' TOTAL "$total_pass" "$total_fail" "$total_skip"
echo "skipped tests (the suite's reason):"
for log in "$WORK"/*_*.log; do
	perl -0777 -ne 'while (/Suite: (\S+)|Test: (\S+) \.\.\.(.*?)(passed|FAILED\n)/sg) { if (defined $1) { $s = $1; next } my ($t, $b) = ($2, $3); if ($b =~ /\[SKIPPED\] ([^\n]*)/) { print "  $s.$t: $1\n" } }' "$log"
done
sim_stop
[ -z "$bad" ] || fail "iscsi-test-cu failures in:$bad"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
