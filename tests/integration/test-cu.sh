#!/bin/bash
# libiscsi's conformance suite (Debian libiscsi-bin's iscsi-test-cu) against simdrive,
# twice: with a read-only DVD-ROM (an ISO), and with a recordable DVD+R that was burned
# and finalized through simdrive itself (tests/integration/burnclient).  Each family runs
# on its own so the log shows pass / fail / skip counts per family; any failed test
# fails this script (one check per family and disc).  Tests the suite marks "[SKIPPED]"
# (it records them as passes) are counted as skipped here, with the suite's reason.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need iscsi-test-cu
: "${BURNCLIENT:?BURNCLIENT must name the burnclient binary}"

FAMILIES="iSCSI.* SCSI.Inquiry SCSI.TestUnitReady SCSI.ModeSense6 SCSI.ReportSupportedOpcodes
SCSI.ReadCapacity10 SCSI.Read10 SCSI.Read12 SCSI.StartStopUnit SCSI.PreventAllow SCSI.NoMedia"

total_pass=0 total_fail=0 total_skip=0

# run_families LABEL URL: every family against URL, logs under $WORK/LABEL-*.log
run_families() {
	local label=$1 url=$2
	echo "== $label"
	printf '%-34s %6s %6s %6s\n' family passed failed skipped
	for fam in $FAMILIES; do
		local log="$WORK/$label-$(echo "$fam" | tr -c 'A-Za-z0-9\n' _).log"
		timeout 600 iscsi-test-cu --dataloss --test="$fam" "$url" >"$log" 2>&1
		local rc=$?
		# CUnit's basic summary: "tests  <total> <ran> <passed> <failed> <inactive>"
		read -r ran passed failed < <(awk '$1 == "tests" && NF >= 5 { print $3, $4, $5 }' "$log")
		ran=${ran:-0} passed=${passed:-0} failed=${failed:-0}
		# A test is skipped when "[SKIPPED]" appears between its "Test: NAME ..." and
		# its verdict; "[SKIPPED]" lines printed by suite set-up belong to no test.
		local skipped
		skipped=$(perl -0777 -ne '$n = 0; while (/Test: (\S+) \.\.\.(.*?)(passed|FAILED\n)/sg) { $n++ if $2 =~ /\[SKIPPED\]/ } print $n' "$log")
		skipped=${skipped:-0}
		local real_pass=$((passed - skipped))
		[ $real_pass -lt 0 ] && real_pass=0
		printf '%-34s %6d %6d %6d\n' "$fam" "$real_pass" "$failed" "$skipped"
		total_pass=$((total_pass + real_pass)) total_fail=$((total_fail + failed)) total_skip=$((total_skip + skipped))
		if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$ran" -eq 0 ]; then
			echo "---- $fam (exit $rc) ----"
			grep -E "FAILED|Test: |\[SKIPPED\]" "$log" | head -60
			not_ok "iscsi-test-cu $fam on the $label"
		else
			ok "iscsi-test-cu $fam on the $label"
		fi
		kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during $fam ($label)"
	done
	echo "skipped tests (the suite's reason):"
	for log in "$WORK/$label"-*.log; do
		perl -0777 -ne 'while (/Suite: (\S+)|Test: (\S+) \.\.\.(.*?)(passed|FAILED\n)/sg) { if (defined $1) { $s = $1; next } my ($t, $b) = ($2, $3); if ($b =~ /\[SKIPPED\] ([^\n]*)/) { print "  $s.$t: $1\n" } }' "$log"
	done
}

mkdata "$WORK/disc.iso" 8 2
sim_start rom --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --log-level info
run_families dvd-rom "iscsi://$SIM_HOST/$SIM_TARGET/0"
sim_stop

# A DVD+R burned through simdrive: two tracks in two sessions, finalized (1480 blocks).
check "a DVD+R burned and finalized through simdrive for the second run"
sim_start burn --drive lun=0,media=dvd+r,image="$WORK/dvdplusr.disclog"
"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" dvdplusr 5 || fail "burning the DVD+R"
sim_stop
sim_start recordable --drive lun=0,media=dvd+r,image="$WORK/dvdplusr.disclog" --log-level info
run_families dvd+r "iscsi://$SIM_HOST/$SIM_TARGET/0"
sim_stop

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
