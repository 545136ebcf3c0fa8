#!/bin/bash
# Power loss (issue 6): simdrive is killed with SIGKILL at 20 random points of burns and
# restarted on the same image.  doc/simdrive-faults.md "Power loss" says what must hold.
#
# Per medium (8 kill points on DVD+R, 4 on CD-R TAO, 4 on BD-R, 4 on DVD+RW) a burn plan
# drawn from the seed is first burned without interruption (the reference: its journal
# holds the state after every SYNCHRONIZE CACHE / CLOSE), and checked after a clean
# restart.  Then, for each kill point, the same plan is burned on a fresh image and the
# daemon is killed, half of the points after a random delay (a fraction of the reference
# burn's wall time), the other half by powerclient itself the moment it receives the
# acknowledgement of a random durable operation K (on DVD+R and BD-R the first such point
# is a CLOSE TRACK sent right after unsynced WRITEs, when the plan has one).  The daemon
# is restarted on the image; `powerclient verify` checks READ DISC INFORMATION / READ
# TRACK INFORMATION against the journal, reads back every durable (and every replayed)
# block, and continues the burn at the reloaded NWA.  `disclog verify` must accept the
# killed image (intact or a torn tail) and, after the restart and a clean stop, find it
# intact; `disclog info` must show the layout the drive reported last.
#
# The seed is printed; POWERLOSS_SEED=N replays a run: the plans and the kill points come
# from it (where a timed kill lands in the burn still depends on the host's speed; the
# kills at an acknowledgement are exact).
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${POWERCLIENT:?POWERCLIENT must name the powerclient binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"

SEED=${POWERLOSS_SEED:-$(( ($(date +%s%N) / 1000 ^ $$) % 32768 ))}
echo "powerloss: seed $SEED (replay with POWERLOSS_SEED=$SEED)"
RANDOM=$SEED

PLAN="dvd+r:8 cd-r:4 bd-r:4 dvd+rw:4"	# medium:kill points; the odd ones timed, the even ones at an acknowledgement
KILLS=0 CHECKS=0 FAILED=0 TORN=0 AFTER_END=0

url() { echo "iscsi://$SIM_HOST/$SIM_TARGET/0"; }

# drive MEDIUM IMAGE: the --drive spec (small capacities keep the state and reads short).
drive() {
	case $1 in
	dvd+r|bd-r) echo "lun=0,media=$1,image=$2,capacity=100000" ;;
	dvd+rw) echo "lun=0,media=$1,image=$2,capacity=16384" ;;
	*) echo "lun=0,media=$1,image=$2" ;;
	esac
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# image_blocks IMAGE: 2048-byte blocks held by the valid DATA records (torn tail excluded).
image_blocks() {
	local p
	p=$("$DISCLOG" info --json "$1" | sed -n 's/.*"payload_bytes":\([0-9]*\).*/\1/p')
	[ -n "$p" ] || p=0
	echo $(( p / 2048 ))
}

# layout_of_image IMAGE: the layout lines powerclient prints, from `disclog info`.
layout_of_image() {
	"$DISCLOG" info "$1" | sed -n \
		-e 's/^session \([0-9]*\): .*/S/p' \
		-e 's/^track \([0-9]*\): session \([0-9]*\), start \(-\{0,1\}[0-9]*\), size \([0-9]*\), .*, NWA \(-\{0,1\}[0-9]*\), last recorded \(-\{0,1\}[0-9]*\)$/layout track \1 \2 \3 \4 \5 \6/p' |
		awk '$0 == "S" { n++; next } { t[++m] = $0 } END { print "layout sessions " n + 0; for (i = 1; i <= m; i++) print t[i] }'
}

# where JOURNAL: where the burn was when the drive went away.
where() {
	local x
	x=$(grep '^[XE]' "$1" | tail -n 1)
	case $x in
	"X write "*) set -- $x; echo "during WRITE of write $5 (LBA $3 x $4)" ;;
	"X op "*) set -- $x; echo "during op $3 ($(awk -v k="$3" '$1 == "O" && $2 == k { print $3 }' "$JOURNAL_PATH"))" ;;
	"X state "*) set -- $x; echo "reading the state after op $3" ;;
	E) echo "after the burn had finished" ;;
	*) echo "unknown ($x)" ;;
	esac
}

# check_image NAME IMAGE VOUT: after a clean stop the image is intact and its last
# STATE is the layout the drive reported last.
check_image() {
	local rc=0
	"$DISCLOG" verify "$2" >"$WORK/$1.verify2" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { echo "FAIL: $1: disclog verify after the restart: exit $rc"; cat "$WORK/$1.verify2"; return 1; }
	layout_of_image "$2" >"$WORK/$1.image-layout"
	grep '^layout ' "$3" >"$WORK/$1.drive-layout"
	diff -u "$WORK/$1.drive-layout" "$WORK/$1.image-layout" >"$WORK/$1.layout-diff" ||
		{ echo "FAIL: $1: disclog info differs from the drive's layout"; cat "$WORK/$1.layout-diff"; return 1; }
	CHECKS=$(( CHECKS + 2 ))
}

# reference MEDIUM: the uninterrupted burn, its duration, and a clean restart check.
reference() {
	local m=$1 img="$WORK/ref.$1.disclog" t0 t1 n
	rm -f "$img"
	sim_start "ref-$m" --drive "$(drive "$m" "$img")"
	t0=$(now_ms)
	"$POWERCLIENT" burn "$(url)" "$m" "$SEED" "$WORK/ref.$m.journal" >"$WORK/ref.$m.out" ||
		fail "$m: the reference burn failed"
	t1=$(now_ms)
	sim_stop
	REF_MS=$(( t1 - t0 ))
	sim_start "ref-$m-restart" --drive "$(drive "$m" "$img")"
	"$POWERCLIENT" verify "$(url)" "$WORK/ref.$m.journal" "$WORK/ref.$m.journal" "$(image_blocks "$img")" \
		>"$WORK/ref.$m.vout" || fail "$m: the reference image does not reload to its final state"
	sim_stop
	check_image "ref-$m" "$img" "$WORK/ref.$m.vout" || fail "$m: reference image"
	n=$(sed -n 's/^checks //p' "$WORK/ref.$m.vout")
	CHECKS=$(( CHECKS + n ))
	echo "reference $m: $(cat "$WORK/ref.$m.out" | sed 's/^burn: //'), ${REF_MS} ms"
}

# ack_op MEDIUM N R: the durable operation after whose acknowledgement the N-th directed
# kill point of MEDIUM kills the daemon: for N = 1 on DVD+R / BD-R a CLOSE TRACK that
# directly follows WRITEs (no SYNCHRONIZE CACHE before it) if the plan has one, else a
# random one (R, from $RANDOM of the caller: a subshell's RANDOM is not the seeded
# sequence) of the reference's operations 1..last.
ack_op() {
	local ref="$WORK/ref.$1.journal" last k
	last=$(awk '$1 == "O" { n = $2 } END { print n + 0 }' "$ref")
	if [ "$2" -eq 1 ] && [ "$1" != cd-r ] && [ "$1" != dvd+rw ]; then
		k=$(awk '$1 == "O" && $3 ~ /^close-1-/ && prev == "W" { print $2; exit } { prev = $1 }' "$ref")
		[ -n "$k" ] && { echo "$k"; return; }
	fi
	echo $(( 1 + $3 % last ))
}

# killpoint MEDIUM K: burn, SIGKILL (odd K: after a random delay; even K: when a random
# durable operation is acknowledged), restart, verify.
killpoint() {
	local m=$1 k=$2 name="$1.$2" img="$WORK/$1.$2.disclog" jr="$WORK/$1.$2.journal"
	local delay="" op="" crc=0 vrc torn="intact" n how
	JOURNAL_PATH=$jr
	rm -f "$img" "$jr"
	if [ $(( k % 2 )) -eq 1 ]; then
		delay=$(( REF_MS * (3 + RANDOM % 80) / 100 ))
		how="after $delay ms of ${REF_MS}"
	else
		local r=$RANDOM	# here, not in the $(...) subshell
		op=$(ack_op "$m" $(( k / 2 )) "$r")
		how="at the acknowledgement of op $op ($(awk -v k="$op" '$1 == "O" && $2 == k { print $3 }' "$WORK/ref.$m.journal"))"
	fi
	sim_start "$name-burn" --drive "$(drive "$m" "$img")"
	local victim=$SIM_PID
	if [ -n "$delay" ]; then
		"$POWERCLIENT" burn "$(url)" "$m" "$SEED" "$jr" >"$WORK/$name.burn" 2>&1 &
		local client=$!
		sleep "$(printf '%d.%03d' $(( delay / 1000 )) $(( delay % 1000 )))"	# the random point
		kill -KILL "$victim"
		wait "$client" 2>/dev/null || crc=$?
	else
		"$POWERCLIENT" burn "$(url)" "$m" "$SEED" "$jr" "$victim" "$op" >"$WORK/$name.burn" 2>&1 &
		local client=$!
		wait "$client" 2>/dev/null || crc=$?
		kill -KILL "$victim" 2>/dev/null	# in case the client stopped before op K
	fi
	wait "$victim" 2>/dev/null
	SIM_PIDS=$(echo "$SIM_PIDS" | sed "s/ $victim\b//")
	KILLS=$(( KILLS + 1 ))
	case $crc in
	3) ;;
	0) AFTER_END=$(( AFTER_END + 1 )) ;;
	*) echo "FAIL: kill point $KILLS ($name): the burn failed before the kill (exit $crc)"
	   cat "$WORK/$name.burn"; return 1 ;;
	esac
	# The killed image: intact, or a torn tail (exit 1); never damage before the end.
	vrc=0
	"$DISCLOG" verify "$img" >"$WORK/$name.verify1" 2>&1 || vrc=$?
	case $vrc in
	0) ;;
	1) torn="torn tail: $(grep -o 'torn tail.*' "$WORK/$name.verify1" | head -n 1)"
	   TORN=$(( TORN + 1 )) ;;
	*) echo "FAIL: kill point $KILLS ($name): disclog verify of the killed image: exit $vrc"
	   cat "$WORK/$name.verify1"; return 1 ;;
	esac
	CHECKS=$(( CHECKS + 1 ))
	local blocks
	blocks=$(image_blocks "$img")
	sim_start "$name-restart" --drive "$(drive "$m" "$img")"
	# The reload cut the torn tail: the image verifies while the drive holds it.
	vrc=0
	"$DISCLOG" verify "$img" >"$WORK/$name.verify-reloaded" 2>&1 || vrc=$?
	if [ "$vrc" -ne 0 ]; then
		echo "FAIL: kill point $KILLS ($name): disclog verify after the reload: exit $vrc"
		cat "$WORK/$name.verify-reloaded"
		sim_stop
		return 1
	fi
	CHECKS=$(( CHECKS + 1 ))
	if ! "$POWERCLIENT" verify "$(url)" "$jr" "$WORK/ref.$m.journal" "$blocks" >"$WORK/$name.vout" 2>"$WORK/$name.verr"; then
		echo "FAIL: kill point $KILLS ($name) $(where "$jr"), $how:"
		cat "$WORK/$name.vout" "$WORK/$name.verr"
		echo "  journal: $jr, image: $img (kept), log: $SIM_LOG"
		sim_stop
		return 1
	fi
	sim_stop
	check_image "$name" "$img" "$WORK/$name.vout" || return 1
	n=$(sed -n 's/^checks //p' "$WORK/$name.vout")
	CHECKS=$(( CHECKS + n ))
	echo "kill point $KILLS: $m #$k $how, $(where "$jr"); image $torn"
	echo "  $(grep '^reloaded: ' "$WORK/$name.vout")"
	echo "  $(grep '^continued: ' "$WORK/$name.vout")"
}

for spec in $PLAN; do
	m=${spec%%:*} count=${spec#*:}
	check "$m: the uninterrupted reference burn reloads to its final state"
	reference "$m"
	for k in $(seq 1 "$count"); do
		what="$m kill point $k ($([ $((k % 2)) -eq 1 ] && echo "timed" || echo "at an acknowledgement")):"
		what="$what the reloaded drive, its image and the continued burn are consistent"
		if killpoint "$m" "$k"; then ok "$what"; else not_ok "$what"; FAILED=$(( FAILED + 1 )); fi
	done
done

echo "powerloss: seed $SEED; $KILLS kill points ($AFTER_END after the burn had finished, $TORN with a torn tail)"
echo "powerloss: $KILLS kill points, $CHECKS checks, $FAILED failed"
