#!/bin/bash
# Injected faults (doc/simdrive-faults.md), each triggered through a libiscsi client
# (tests/integration/faultclient.c) on a DVD+R with an image: the sense is checked
# exactly; then simdrive stops, the image must hold every acknowledged block and none
# that was refused (disclog extract), and a restarted simdrive must report the NWA and
# disc status the fault left.  The control socket adds, lists and clears faults at run
# time, opens and closes the tray, and answers malformed requests with an error that
# names the bad word while the connection stays usable.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${FAULTCLIENT:?FAULTCLIENT must name the faultclient binary}"
: "${BURNCLIENT:?BURNCLIENT must name the burnclient binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"

url() { echo "iscsi://$SIM_HOST/$SIM_TARGET/0"; }

# blocks IMAGE LBA COUNT SEED: the image holds exactly the pattern there.
blocks() {
	"$DISCLOG" extract "$1" --lba "$2" --count "$3" -o "$WORK/got.bin" ||
		fail "$1: LBA $2..+$3 not recorded"
	"$BURNCLIENT" expected "$4" 2048 "$2" "$3" >"$WORK/want.bin"
	cmp -s "$WORK/got.bin" "$WORK/want.bin" || fail "$1: LBA $2..+$3 differ from pattern $4"
}

# hole IMAGE LBA: nothing recorded at LBA (disclog extract exits 5 naming it).
hole() {
	local rc=0
	"$DISCLOG" extract "$1" --lba "$2" --count 1 -o "$WORK/got.bin" 2>"$WORK/hole.err" || rc=$?
	[ "$rc" -eq 5 ] || fail "$1: LBA $2 is recorded (extract exit $rc), expected a hole"
}

# after_restart NAME IMAGE STEP...: reload the image and check the state it left.
after_restart() {
	local name=$1 image=$2; shift 2
	sim_start "$name-restart" --drive lun=0,media=dvd+r,image="$image"
	"$FAULTCLIENT" "$(url)" ready "$@" || fail "$name: state after restart"
	sim_stop
}

# --- write-error: refused, nothing recorded, NWA stays --------------------------------
check "write-error: 03/0C/00, blocks 0-31 recorded, 32 not, NWA 32 after restart"
img="$WORK/write-error.disclog"
sim_start write-error --drive lun=0,media=dvd+r,image="$img" --fault 'write-error lba=40'
"$FAULTCLIENT" "$(url)" ready "write 0 16 1 GOOD" "write 16 16 1 GOOD" \
	"write 32 16 1 3/0C/00" "nwa 32" "sync GOOD" || fail "write-error"
sim_stop
blocks "$img" 0 32 1
hole "$img" 32
after_restart write-error "$img" "nwa 32" "disc 1"

# --- write-error deferred: GOOD, nothing recorded, next command 71h 03/0C/00 -----------
check "write-error deferred: WRITE GOOD, next command 71h 03/0C/00 info 40 (or REQUEST SENSE's data), NWA 32, nothing recorded"
img="$WORK/deferred.disclog"
sim_start deferred --drive lun=0,media=dvd+r,image="$img" --fault 'write-error lba=40 deferred' \
	--control "$WORK/deferred.ctl"
"$FAULTCLIENT" "$(url)" ready "write 0 16 2 GOOD" "write 16 16 2 GOOD" "write 32 16 2 GOOD" \
	"tur 3/0C/00 deferred info=40" "tur GOOD" "nwa 32" "sync GOOD" || fail "deferred write-error"
# REQUEST SENSE hands a pending deferred error out as its data (SPC-4 §6.39) and clears it.
"$FAULTCLIENT" --control "$WORK/deferred.ctl" "$(url)" ready "ctl fault write-error lba=32 deferred" \
	"write 32 16 2 GOOD" "request-sense 3/0C/00 deferred info=32" "request-sense 0/00/00" \
	"tur GOOD" "nwa 32" || fail "deferred write-error through REQUEST SENSE"
sim_stop
blocks "$img" 0 32 2
hole "$img" 32
after_restart deferred "$img" "nwa 32" "disc 1"

# --- medium-error: READ fails 03/11/00 (twice), nothing else changes -------------------
check "medium-error: READ 03/11/00 info 5 two times, then GOOD; image and NWA untouched"
img="$WORK/medium-error.disclog"
sim_start medium-error --drive lun=0,media=dvd+r,image="$img" --fault 'medium-error lba=5 count=2'
"$FAULTCLIENT" "$(url)" ready "write 0 16 3 GOOD" "write 16 16 3 GOOD" "sync GOOD" \
	"read 4 2 3 3/11/00 info=5" "read 5 1 3 3/11/00 info=5" "read 5 1 3 GOOD" \
	"read 4 2 3 GOOD" "nwa 32" || fail "medium-error"
sim_stop
blocks "$img" 0 32 3
after_restart medium-error "$img" "nwa 32" "disc 1" "read 5 1 3 GOOD"

# --- eject mid-write: 02/3A/02 from then on, GESN reports the removal -------------------
check "eject: WRITE and TUR 02/3A/02, GESN media removal + tray open; acknowledged blocks kept"
img="$WORK/eject.disclog"
sim_start eject --drive lun=0,media=dvd+r,image="$img" --fault 'eject lba=40'
"$FAULTCLIENT" "$(url)" ready "write 0 16 4 GOOD" "write 16 16 4 GOOD" \
	"write 32 16 4 2/3A/02" "gesn 3 open" "tur 2/3A/02" "write 32 16 4 2/3A/02" ||
	fail "eject"
sim_stop
blocks "$img" 0 32 4
hole "$img" 32
after_restart eject "$img" "nwa 32" "disc 1"

# --- record-nothing: GOOD, the NWA moves on, a hole in the image ------------------------
check "record-nothing: every WRITE GOOD, NWA 64, blocks 32-47 a hole in the image"
img="$WORK/record-nothing.disclog"
sim_start record-nothing --drive lun=0,media=dvd+r,image="$img" --fault 'record-nothing lba=40'
"$FAULTCLIENT" "$(url)" ready "write 0 16 5 GOOD" "write 16 16 5 GOOD" "write 32 16 5 GOOD" \
	"write 48 16 5 GOOD" "nwa 64" "sync GOOD" || fail "record-nothing"
sim_stop
blocks "$img" 0 32 5
hole "$img" 32
hole "$img" 47
blocks "$img" 48 16 5
after_restart record-nothing "$img" "nwa 64" "disc 1"

# --- long-write-in-progress: three busy answers, then the same WRITE goes through -------
check "long-write-in-progress: 02/04/08 three times, then GOOD; all 48 blocks recorded"
img="$WORK/long-write.disclog"
sim_start long-write --drive lun=0,media=dvd+r,image="$img" \
	--fault 'long-write-in-progress lba=40 polls=3'
"$FAULTCLIENT" "$(url)" ready "write 0 16 6 GOOD" "write 16 16 6 GOOD" \
	"write 32 16 6 2/04/08" "write 32 16 6 2/04/08" "write 32 16 6 2/04/08" "nwa 32" \
	"write 32 16 6 GOOD" "nwa 48" "sync GOOD" || fail "long-write-in-progress"
sim_stop
blocks "$img" 0 48 6
after_restart long-write "$img" "nwa 48" "disc 1"

# --- unit-attention at a WRITE: reported, not executed, the resend works ---------------
check "unit-attention: WRITE 06/28/00 and not executed, the resend recorded"
img="$WORK/unit-attention.disclog"
sim_start unit-attention --drive lun=0,media=dvd+r,image="$img" \
	--fault 'unit-attention lba=40 sense=6/28/00'
"$FAULTCLIENT" "$(url)" ready "write 0 16 7 GOOD" "write 16 16 7 GOOD" \
	"write 32 16 7 6/28/00" "nwa 32" "write 32 16 7 GOOD" "sync GOOD" || fail "unit-attention"
sim_stop
blocks "$img" 0 48 7
after_restart unit-attention "$img" "nwa 48"

# --- drop-connection: by LBA before execution, by command count after -------------------
check "drop-connection: lba=40 before (not recorded), command=+2 after (recorded, answer lost)"
img="$WORK/drop.disclog"
sim_start drop --drive lun=0,media=dvd+r,image="$img" --control "$WORK/drop.ctl" \
	--fault 'drop-connection lba=40'
"$FAULTCLIENT" --control "$WORK/drop.ctl" "$(url)" ready "write 0 16 8 GOOD" \
	"write 16 16 8 GOOD" "write 32 16 8 drop" "reconnect" "ready" "nwa 32" \
	"ctl fault drop-connection command=+2 after" "tur GOOD" "write 32 16 8 drop" \
	"reconnect" "ready" "nwa 48" "sync GOOD" || fail "drop-connection"
sim_stop
blocks "$img" 0 48 8
after_restart drop "$img" "nwa 48"

# --- ignore-speed: SET CD SPEED answers GOOD and changes nothing ------------------------
check "ignore-speed: SET CD SPEED GOOD, page 2Ah keeps the speed"
img="$WORK/ignore-speed.disclog"
sim_start ignore-speed --drive lun=0,media=dvd+r,image="$img" --fault 'ignore-speed command=1'
"$FAULTCLIENT" "$(url)" ready "speed 2770 GOOD" "speed 65535 GOOD" "write 0 16 9 GOOD" ||
	fail "ignore-speed"
sim_stop
sim_start speed-honoured --drive lun=0,media=dvd+r
max=$("$FAULTCLIENT" "$(url)" ready "write-speed 0" 2>&1 | sed -n 's/.*current write speed \([0-9]*\) kB\/s.*/\1/p')
[ -n "$max" ] || fail "could not read the current write speed"
sim_stop
sim_start ignore-speed2 --drive lun=0,media=dvd+r --fault 'ignore-speed command=1'
"$FAULTCLIENT" "$(url)" ready "speed 2770 GOOD" "write-speed $max" ||
	fail "ignore-speed: the write speed changed (mmc.c must honour SIM_QUIRK_IGNORE_SPEED)"
sim_stop
echo "page 2Ah still reports $max kB/s"

# --- seed: reproducible pseudo-random firing -------------------------------------------
check "seed: the same firings in two runs"
run_seeded() {
	sim_start "seed-$1" --drive lun=0,media=dvd+r --fault 'write-error seed=42 probability=0.3 count=1000'
	local steps=(ready) lba=0
	for i in $(seq 1 12); do steps+=("tur GOOD"); done
	"$FAULTCLIENT" "$(url)" "${steps[@]}" >/dev/null || fail "seeded: TEST UNIT READY"
	for i in $(seq 1 20); do
		if "$FAULTCLIENT" "$(url)" "write $lba 16 1 GOOD" >/dev/null 2>&1; then
			echo -n "G"; lba=$((lba + 16))
		else
			echo -n "E"
		fi
	done
	sim_stop
}
a=$(run_seeded 1); b=$(run_seeded 2)
echo "seed=42 probability=0.3 over 20 WRITEs: $a"
[ "$a" = "$b" ] || fail "seeded faults differ between runs: $a / $b"
case "$a" in *E*G*|*G*E*) ;; *) fail "seeded faults: expected a mix of errors and successes, got $a" ;; esac

# --- the control socket -----------------------------------------------------------------
check "control socket: requests, errors naming the bad word, run-time faults, eject/load"
img="$WORK/control.disclog"
ctl="$WORK/sim.ctl"
sim_start control --drive lun=0,media=dvd+r,image="$img" --control "$ctl"
"$FAULTCLIENT" control "$ctl" "help" "fault write-error lba=40" "fault medium-error lba=3 count=2" \
	"faults" "bogus" "fault write-error lba=oops" "fault flood lba=1" "clear 99" "eject" \
	"eject 7" "load x" "time extra" "time" "clear 2" "faults" >"$WORK/control.out" ||
	fail "control session"
cat "$WORK/control.out"
expect_line() { sed -n "$1p" "$WORK/control.out" | grep -q -- "$2" || fail "control reply $1: expected '$2', got '$(sed -n "$1p" "$WORK/control.out")'"; }
expect_line 1 '^ok commands: fault WORDS'
expect_line 2 '^ok 1$'
expect_line 3 '^ok 2$'
expect_line 4 '^ok 2 faults | 1 fired=0 write-error lba=40 count=1 sense=3/0C/00 | 2 fired=0 medium-error lba=3 count=2 sense=3/11/00$'
expect_line 5 "^error: unknown command 'bogus'"
expect_line 6 "^error: .*bad word 'lba=oops'"
expect_line 7 "^error: .*unknown kind 'flood'"
expect_line 8 '^error: clear: no fault 99$'
expect_line 9 '^error: eject needs a LUN$'
expect_line 10 '^error: eject: no LUN 7$'
expect_line 11 "^error: load: bad LUN 'x'$"
expect_line 12 "^error: time: unexpected word 'extra'$"
expect_line 13 '^ok [0-9][0-9]*$'
expect_line 14 '^ok cleared 1$'
expect_line 15 '^ok 1 fault | 1 fired=0 write-error lba=40 count=1 sense=3/0C/00$'
# Faults added at run time act like --fault ones; eject/load through the socket.
"$FAULTCLIENT" --control "$ctl" "$(url)" ready "write 0 16 10 GOOD" "write 16 16 10 GOOD" \
	"write 32 16 10 3/0C/00" "ctl clear 1" "ctl fault record-nothing lba=33" \
	"write 32 16 10 GOOD" "prevent 1" "ctl-error eject 0 prevented" "gesn 1 closed" \
	"prevent 0" "ctl eject 0" "tur 2/3A/02" "gesn 3 open" "write 48 16 10 2/3A/02" \
	"ctl load 0" "tur 6/28/00" "gesn 2 closed" "tur GOOD" "nwa 48" \
	"write 48 16 10 GOOD" "ctl fault eject command=+1" "sync 2/3A/02" "load GOOD" \
	"sync GOOD" "ctl-error fault drop-connection lba=1 sense=3/0C/00 sense" \
	"ctl-error clear x x" "ctl faults" || fail "control: faults at run time"
sim_stop
blocks "$img" 0 32 10
hole "$img" 32
blocks "$img" 48 16 10
after_restart control "$img" "nwa 64" "disc 1"
