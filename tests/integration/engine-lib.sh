#!/bin/bash
# libwriteengine against the real simdrive (tests/integration/enginetest.c): block
# sizes 2352 (CD-R TAO audio), 2048 (DVD+R) and 2448 (CD-R RAW from the lead-in at a
# negative LBA) land in the disclog image byte for byte; a BytesPerSector that
# disagrees with page 05h is refused with the drive's sense and records nothing;
# CancelWrite (from Update and from another thread) leaves exactly the acknowledged
# blocks; progress events keep their invariants; a drive killed mid-write ends the
# write within the recorder's deadlines, and a drive restarted on the same port lets
# the write resume and complete.
#
# Each check is numbered; a failure names its number.  enginetest prints key=value
# facts (kept in $WORK/NAME.out) and checks what only the program sees; this script
# checks the images with $DISCLOG after stopping the drive.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${ENGINETEST:?ENGINETEST must name the enginetest binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
need timeout

# bad REASON: the check under way (lib.sh's check) fails.
bad() { fail "$*"; }

url() { echo "iscsi://$SIM_HOST/$SIM_TARGET/0"; }

# et NAME ARGS...: run enginetest (bounded: a hang is a failure), output in $WORK/NAME.out.
et() {
	local name=$1; shift
	timeout 60 "$ENGINETEST" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	local rc=$?
	sed 's/^/   /' "$WORK/$name.out"
	[ "$rc" -eq 0 ] || { cat "$WORK/$name.err"; bad "enginetest $1 exited $rc"; }
}

# facts NAME KEY...: the values enginetest printed for KEYs, as shell variables F_KEY.
facts() {
	local name=$1 key v; shift
	for key in "$@"; do
		v=$(sed -n "s/^$key=//p" "$WORK/$name.out" | tail -n 1)
		[ -n "$v" ] || bad "enginetest $name printed no $key"
		printf -v "F_$key" '%s' "$v"
	done
}

# image_holds IMAGE START BLOCKS EXPECTED BPS: the image records exactly BLOCKS blocks
# of BPS bytes from START (nothing after them), equal to EXPECTED's first bytes.
image_holds() {
	local img=$1 start=$2 n=$3 expected=$4 bps=$5 rc=0
	"$DISCLOG" extract "$img" --lba "$start" --count "$n" -o "$WORK/extract.bin" ||
		bad "disclog extract $start+$n failed: the image lacks acknowledged blocks"
	head -c $((n * bps)) "$expected" | cmp - "$WORK/extract.bin" ||
		bad "the image's blocks $start..$((start + n - 1)) differ from the data written"
	"$DISCLOG" extract "$img" --lba $((start + n)) --count 1 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 5 ] ||
		bad "block $((start + n)) after the acknowledged ones: disclog extract exit $rc, want 5 (not recorded)"
}

# data_records IMAGE: the DATA records as "lba=L count=N block_size=B dbt=D write_type=W".
data_records() {
	"$DISCLOG" records "$1" | sed -n 's/.* DATA \(lba=[^ ]* count=[^ ]* block_size=[^ ]* dbt=[^ ]* write_type=[^ ]*\).*/\1/p'
}

mkdata "$WORK/data.bin" 4 21

# --- block sizes --------------------------------------------------------------------
# FORMAT MEDIA BYTES DBT WRITE_TYPE: enginetest's format name, the disc, what each
# DATA record must say.
while read -r format media bps dbt wt; do
	check "$format: 1501 blocks of $bps bytes on $media land in the image as written"
	img="$WORK/sizes-$format.disclog"
	sim_start "sizes-$format" --drive "lun=0,media=$media,image=$img"
	et "sizes-$format" sizes "$(url)" "$format" "$WORK/data.bin" 1501
	facts "sizes-$format" start_lba
	start=$F_start_lba
	sim_stop
	image_holds "$img" "$start" 1501 "$WORK/data.bin" "$bps"
	data_records "$img" >"$WORK/sizes-$format.records"
	first=$(sed -n '1s/^lba=\([^ ]*\) .*/\1/p' "$WORK/sizes-$format.records")
	[ "$first" = "$start" ] || bad "first DATA record at LBA '$first', want $start"
	others=$(grep -cv "block_size=$bps dbt=$dbt write_type=$wt\$" "$WORK/sizes-$format.records")
	[ "$others" -eq 0 ] ||
		bad "$others DATA records without block_size=$bps dbt=$dbt write_type=$wt: $(cat "$WORK/sizes-$format.records")"
done <<'EOF'
cd-tao-audio cd-r 2352 0 1
dvd dvd+r 2048 na na
cd-raw cd-r 2448 3 3
EOF

# --- BytesPerSector against page 05h -------------------------------------------------
check "mismatch: BytesPerSector 2048 on a TAO audio page (2352) is refused, nothing recorded"
img="$WORK/mismatch.disclog"
sim_start mismatch --drive "lun=0,media=cd-r,image=$img"
# enginetest checks the HRESULT (0xC0AA0301), the sense (5/24/00) and the NWA.
et mismatch mismatch "$(url)"
sim_stop
[ -z "$(data_records "$img")" ] || bad "the image holds DATA records: $(data_records "$img")"

# --- CancelWrite --------------------------------------------------------------------
# 256 MiB asked for; cancelled at the first event with 8192 blocks (16 MiB)
# acknowledged, or by a thread once the stream has delivered 8192 blocks.
for from in update thread; do
	check "cancel from $from: E_IMAPI_REQUEST_CANCELLED, the image holds exactly the acknowledged blocks"
	img="$WORK/cancel-$from.disclog"
	sim_start "cancel-$from" --drive "lun=0,media=dvd+r,image=$img"
	et "cancel-$from" cancel "$(url)" 131072 8192 "$from"
	facts "cancel-$from" start_lba acked_blocks
	start=$F_start_lba acked=$F_acked_blocks
	sim_stop
	"$ENGINETEST" dump "$WORK/cancel.expect" "$start" "$acked" 2048 || bad "enginetest dump"
	image_holds "$img" "$start" "$acked" "$WORK/cancel.expect" 2048
	echo "   image: $acked blocks from LBA $start, nothing after"
done

# --- progress events ----------------------------------------------------------------
check "events: invariants of every Update, periodic events about 0.5 s apart"
sim_start events --drive "lun=0,media=dvd+r,image=$WORK/events.disclog"
et events events "$(url)"
sim_stop

# --- lost and restarted drive --------------------------------------------------------
# wait_ready FILE PID: poll for FILE (enginetest creates it mid-write); false if PID
# ends first or 30 s pass.
wait_ready() {
	for _ in $(seq 1 600); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# interrupted NAME VARIANT ACTION: `enginetest reconnect ... VARIANT` in the background;
# ACTION (a function) runs once 1024 blocks are acknowledged; enginetest must pass.
interrupted() {
	local name=$1 variant=$2 action=$3 pid rc=0
	timeout 60 "$ENGINETEST" reconnect "$(url)" "$WORK/reconnect.bin" \
		"$WORK/$name.progress" "$variant" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	pid=$!
	wait_ready "$WORK/$name.progress" "$pid" ||
		{ cat "$WORK/$name.out" "$WORK/$name.err"; bad "enginetest never got 1024 blocks written"; }
	"$action"
	wait "$pid" || rc=$?
	sed 's/^/   /' "$WORK/$name.out"
	[ "$rc" -eq 0 ] || { cat "$WORK/$name.err"; bad "enginetest reconnect $variant exited $rc"; }
}

kill_drive() {
	kill -KILL "$SIM_PID"
	wait "$SIM_PID" 2>/dev/null
	SIM_PIDS=$(echo "$SIM_PIDS" | sed "s/ $SIM_PID\b//")
}

# The last --listen wins: the same port, the same image (reloaded with its state).
restart_drive() {
	local port=$SIM_PORT
	sim_stop
	sim_start resume2 --listen "127.0.0.1:$port" --drive "lun=0,media=dvd+r,image=$img"
}

mkdata "$WORK/reconnect.bin" 16 22

check "reconnect lost: simdrive killed mid-write, the write ends within the recorder's deadlines"
sim_start lost --drive "lun=0,media=dvd+r,image=$WORK/lost.disclog"
interrupted lost lost kill_drive

check "reconnect resume: simdrive stopped mid-write and restarted on its port, the write completes"
img="$WORK/resume.disclog"
sim_start resume --drive "lun=0,media=dvd+r,image=$img"
interrupted resume resume restart_drive
facts resume start_lba
sim_stop
image_holds "$img" "$F_start_lba" $(( $(stat -c %s "$WORK/reconnect.bin") / 2048 )) "$WORK/reconnect.bin" 2048
"$DISCLOG" verify "$img" >/dev/null || bad "disclog verify of the resumed image"
