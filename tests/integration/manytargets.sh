#!/bin/bash
# Several targets in one daemon (issue 16; doc/iscsi-target.md "Several targets"): one
# simdrive serving 8 targets on its one portal, each with one recording DVD+R LUN and
# its own disclog image.  Third-party libiscsi tools see every target through
# discovery and log in to two of them; a name the daemon does not serve is refused
# at login (Target Not Found); one initiator and ISID may hold a session with each of
# two targets at once; the control socket addresses a target with target=IQN.
# Then all 8 are burned at the same time by `wengine burn --verify full`, each with
# different data, and every image must pass `disclog verify` and hold exactly its own
# data (`disclog diff`): a block that went to the wrong target cannot go unnoticed.
. "$TESTLIB"
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog binary}"
: "${FAULTCLIENT:?FAULTCLIENT must name the faultclient binary}"
: "${ICLIENT:?ICLIENT must name the iclient binary}"
need timeout
need iscsi-ls
need iscsi-inq

N=8
MIB=4
IQN=iqn.2026-01.org.burnlab:manytargets

args=()
for i in $(seq 0 $((N - 1))); do
	seq -f "target $i line %010g of the manytargets test" 1 $((MIB * 1048576 / 36 + 1)) |
		head -c $((MIB * 1048576)) >"$WORK/data$i"
	[ "$i" = 0 ] || args+=(--target "$IQN-$i")
	args+=(--alias "drive $i" --drive "lun=0,media=dvd+r,image=$WORK/tgt$i.disclog")
done

check "simdrive starts with $N targets on one portal and logs each"
SIM_TARGET="$IQN-0" sim_start main --control "$WORK/ctl" --trace "$WORK/trace.jsonl" \
	--image-threads 2 "${args[@]}"
grep -q "target $IQN-0, 1 LUN(s)" "$SIM_LOG" || fail "no listening line for $IQN-0 in $SIM_LOG"
grep -q "target $IQN-$((N - 1)), 1 LUN(s)" "$SIM_LOG" || fail "no listening line for the last target"

check "iscsi-ls discovery lists every target once, with the portal"
timeout 30 iscsi-ls "iscsi://$SIM_HOST" >"$WORK/ls.out" 2>&1 || { cat "$WORK/ls.out"; fail "iscsi-ls failed"; }
for i in $(seq 0 $((N - 1))); do
	[ "$(grep -c "^Target:$IQN-$i Portal:$SIM_HOST,1\$" "$WORK/ls.out")" = 1 ] ||
		{ cat "$WORK/ls.out"; fail "target $IQN-$i not listed once with portal $SIM_HOST,1"; }
done
[ "$(grep -c '^Target:' "$WORK/ls.out")" = "$N" ] || { cat "$WORK/ls.out"; fail "not $N targets"; }

check "iscsi-inq logs in to two of the targets; each names itself in VPD pages 83h and 80h"
for i in 2 $((N - 1)); do
	timeout 30 iscsi-inq "iscsi://$SIM_HOST/$IQN-$i/0" >"$WORK/inq.out" 2>&1 ||
		{ cat "$WORK/inq.out"; fail "iscsi-inq on $IQN-$i"; }
	grep -q "Peripheral Device Type:MMC" "$WORK/inq.out" || { cat "$WORK/inq.out"; fail "$IQN-$i: not MMC"; }
	timeout 30 iscsi-inq -e 1 -c 131 "iscsi://$SIM_HOST/$IQN-$i/0" >"$WORK/vpd.out" 2>&1 ||
		{ cat "$WORK/vpd.out"; fail "iscsi-inq VPD 83h on $IQN-$i"; }
	grep -q "Designator:\[$IQN-$i,L,0x0000000000000000\]" "$WORK/vpd.out" ||
		{ cat "$WORK/vpd.out"; fail "VPD 83h of $IQN-$i does not name it"; }
	# Serial numbers stay unique across targets (VPD 80h): SIMT<target>-<LUN>.
	timeout 30 iscsi-inq -e 1 -c 128 "iscsi://$SIM_HOST/$IQN-$i/0" >"$WORK/vpd.out" 2>&1 ||
		{ cat "$WORK/vpd.out"; fail "iscsi-inq VPD 80h on $IQN-$i"; }
	grep -q "Unit Serial Number:\[SIMT$i-0\]" "$WORK/vpd.out" ||
		{ cat "$WORK/vpd.out"; fail "VPD 80h of $IQN-$i"; }
done

check "a TargetName the daemon does not serve is refused at login (Target Not Found)"
if timeout 30 iscsi-inq "iscsi://$SIM_HOST/$IQN-$N/0" >"$WORK/bad.out" 2>&1; then
	cat "$WORK/bad.out"; fail "login to $IQN-$N succeeded"
fi
grep -qi "target not found" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "no Target Not Found from iscsi-inq"; }
grep -q "status 0x0203 (target not found)" "$SIM_LOG" || fail "simdrive did not log the refused login"

check "one initiator and ISID hold sessions with two targets at once; with one target the second reinstates"
"$ICLIENT" same-isid "iscsi://$SIM_HOST/$IQN-1/0" "iscsi://$SIM_HOST/$IQN-2/0" >"$WORK/isid.out" 2>&1 ||
	{ cat "$WORK/isid.out"; fail "same ISID to two targets"; }
grep -q "first session still live" "$WORK/isid.out" || { cat "$WORK/isid.out"; fail "same-isid output"; }
"$ICLIENT" same-isid "iscsi://$SIM_HOST/$IQN-1/0" "iscsi://$SIM_HOST/$IQN-1/0" --expect-reinstated \
	>"$WORK/isid.out" 2>&1 || { cat "$WORK/isid.out"; fail "same ISID to one target twice"; }
grep -q "reinstating session" "$SIM_LOG" || fail "simdrive did not log the reinstatement"

check "the control socket lists the targets and addresses one with target=IQN"
"$FAULTCLIENT" control "$WORK/ctl" targets "target=$IQN-5 stats 0" "target=${IQN^^}-5 time" \
	"target=$IQN-$N time" >"$WORK/ctl.out" 2>&1 || true
sed -n 1p "$WORK/ctl.out" | grep -q "^ok $N targets $IQN-0 $IQN-1 .* $IQN-$((N - 1))\$" ||
	{ cat "$WORK/ctl.out"; fail "targets"; }
sed -n 2p "$WORK/ctl.out" | grep -q "^ok lun=0 commands=[0-9]" || { cat "$WORK/ctl.out"; fail "stats of $IQN-5"; }
sed -n 3p "$WORK/ctl.out" | grep -q "^ok [0-9]" || { cat "$WORK/ctl.out"; fail "upper-case target name"; }
sed -n 4p "$WORK/ctl.out" | grep -q "^error: unknown target '$IQN-$N'" || { cat "$WORK/ctl.out"; fail "unknown target"; }

check "$N targets burned at the same time, each with --verify full"
pids=()
for i in $(seq 0 $((N - 1))); do
	timeout 300 "$WENGINE" burn "iscsi://$SIM_HOST/$IQN-$i/0" "$WORK/data$i" --verify full \
		--json --no-progress >"$WORK/b$i.json" 2>"$WORK/b$i.err" &
	pids+=($!)
done
for i in $(seq 0 $((N - 1))); do
	wait "${pids[$i]}" || { cat "$WORK/b$i.json" "$WORK/b$i.err"; fail "wengine burn to $IQN-$i failed"; }
	grep -q "\"event\":\"result\",\"result\":\"ok\".*\"sectors\":$((MIB * 512)),\"verified\":$((MIB * 512))," \
		"$WORK/b$i.json" || { cat "$WORK/b$i.json"; fail "$IQN-$i: not burned and verified"; }
done

sim_stop

check "the trace names the target of every command; each target saw its own burn"
[ "$(grep -vc '^{"seq":[0-9]*,"vtime_us":[0-9]*,"wall_us":[0-9]*,"target":"'"$IQN"'-[0-9]","nexus"' \
	"$WORK/trace.jsonl")" = 0 ] || { head -3 "$WORK/trace.jsonl"; fail "a trace line without its target"; }
for i in $(seq 0 $((N - 1))); do
	w=$(grep -c '"target":"'"$IQN-$i"'".*"op":"WRITE(10)".*"status":"GOOD"' "$WORK/trace.jsonl")
	[ "$w" -ge 16 ] || fail "$IQN-$i: $w good WRITE(10)s in the trace"
done

check "every image verifies and holds exactly its target's data"
for i in $(seq 0 $((N - 1))); do
	verify_image "$IQN-$i" "$WORK/tgt$i.disclog" "$WORK/data$i"
done
# ... and the comparison tells the targets' data apart.
if "$DISCLOG" diff "$WORK/tgt0.disclog" "$WORK/data1" >"$WORK/d.out" 2>&1; then
	fail "disclog diff finds $IQN-0's image equal to $IQN-1's data"
fi
rm -f "$WORK"/data* "$WORK"/*.disclog
