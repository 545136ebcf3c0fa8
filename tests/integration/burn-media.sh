#!/bin/bash
# Burning the other media through simdrive with raw MMC CDBs (tests/integration/burnclient.c):
#   CD-R TAO (a Mode 1 data track and two audio tracks, SYNC ends each track, CLOSE SESSION),
#   CD-R SAO (cue sheet, 2448-byte blocks with raw P-W from LBA -150),
#   CD-R RAW (DBT 2, every 2448-byte block from the lead-in start to the lead-out),
#   BD-R (WRITE(12) with the streaming bit in 64 KiB units, CLOSE 110b),
#   DVD+RW (FORMAT UNIT 26h, scattered writes and overwrites, CLOSE 010b),
#   CD-RW (burn, close session, BLANK full, burn other data).
# burnclient checks READ DISC INFORMATION / READ TRACK INFORMATION / TOC formats 0 and 2
# and reads the data back; this script then checks, for every scenario,
# - the state (RDI, RTI of every track and of FFh, TOC formats 0/1/2, READ CAPACITY) is
#   identical after a daemon restart on the same image;
# - the image verifies, and `disclog records` shows every DATA record with the expected
#   block size, data block type, write type, opcode, flags, track and session, sequence
#   numbers without holes, the blank STATE first and the expected final STATE;
# - `disclog extract` of every block equals what burnclient wrote (`burnclient expected`),
#   and blocks the burn did not write (TAO gaps) are not recorded.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${BURNCLIENT:?BURNCLIENT must name the burnclient binary}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"

# run_scenario NAME MEDIA SEED: burn, record the state, restart, compare the state.
# Leaves the image in $WORK/NAME.disclog and burnclient's output in $WORK/NAME.out.
run_scenario() {
	local name=$1 media=$2 seed=$3 image="$WORK/$1.disclog"
	sim_start "$name-burn" --drive lun=0,media="$media",image="$image"
	"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" "$name" "$seed" >"$WORK/$name.out" ||
		{ cat "$WORK/$name.out"; fail "$name: burn"; }
	"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" state-full >"$WORK/$name.before" ||
		fail "$name: state before the restart"
	sim_stop
	sim_start "$name-restart" --drive lun=0,media="$media",image="$image"
	"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" state-full >"$WORK/$name.after" ||
		fail "$name: state after the restart"
	sim_stop
	grep -v '^extent ' "$WORK/$name.out"
	diff -u "$WORK/$name.before" "$WORK/$name.after" ||
		fail "$name: disc information changed across a restart"
	"$DISCLOG" verify "$image" >/dev/null || fail "$name: disclog verify"
	"$DISCLOG" records "$image" >"$WORK/$name.records" || fail "$name: disclog records"
	"$DISCLOG" records --json "$image" >"$WORK/$name.json" || fail "$name: disclog records --json"
	check_sequence "$name"
}

# Sequence numbers 0, 1, 2, ... in file order; the first record is the blank disc's
# STATE; the last one a SYNC (clean shutdown); the JSON lists as many records.
check_sequence() {
	local rec="$WORK/$1.records"
	awk '$2 != NR - 1 { printf "record %d has sequence %s\n", NR, $2; bad = 1 }
	     END { exit bad }' "$rec" || fail "$1: sequence numbers"
	head -n 1 "$rec" | grep -q ' 0 STATE part=1/1 .* disc_status=0(empty) ' ||
		fail "$1: the first record is not the blank disc's STATE: $(head -n 1 "$rec")"
	tail -n 1 "$rec" | grep -q ' SYNC synced_seq=' || fail "$1: the image does not end with a SYNC"
	local n_json
	n_json=$(grep -c '"offset":' "$WORK/$1.json")
	[ "$n_json" -eq "$(wc -l <"$rec")" ] || fail "$1: records --json lists $n_json records"
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["records"]) > 0' \
			"$WORK/$1.json" || fail "$1: records --json is not valid JSON"
	fi
}

# expect_data NAME LBA COUNT TOTAL 'key=value ...': every DATA record starting in
# [LBA, LBA+COUNT) ends inside it and carries every key=value; their counts add up to
# TOTAL (COUNT, plus any overwritten blocks).
expect_data() {
	local name=$1 lo=$2 n=$3 total=$4 fields=$5
	awk -v lo="$lo" -v hi=$(( $2 + $3 )) -v total="$total" -v fields="$fields" '
		$3 != "DATA" { next }
		{ delete kv; for (i = 4; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] } }
		kv["lba"] + 0 < lo || kv["lba"] + 0 >= hi { next }
		{
			sum += kv["count"]
			if (kv["lba"] + kv["count"] > hi) { print "record runs past " hi ": " $0; bad = 1 }
			m = split(fields, want, " ")
			for (i = 1; i <= m; i++) {
				split(want[i], p, "=")
				if (kv[p[1]] != p[2]) { print "expected " want[i] ": " $0; bad = 1 }
			}
		}
		END {
			if (sum != total) { printf "DATA records in [%d,%d) hold %d blocks, expected %d\n", lo, hi, sum, total; bad = 1 }
			exit bad
		}' "$WORK/$name.records" || fail "$name: DATA records of LBA $lo..$(( lo + n - 1 ))"
}

# expect_total NAME BLOCKS: the DATA records of the image hold BLOCKS blocks in all
# (so no record lies outside the ranges expect_data checked).
expect_total() {
	local got
	got=$(awk '$3 == "DATA" { split($5, p, "="); s += p[2] } END { print s + 0 }' "$WORK/$1.records")
	[ "$got" -eq "$2" ] || fail "$1: the DATA records hold $got blocks, expected $2"
}

# expect_state NAME 'text': the last STATE record reads so (profile ... nwa=N).
expect_state() {
	local last
	last=$(awk '$3 == "STATE"' "$WORK/$1.records" | tail -n 1 | cut -d' ' -f5-)
	[ "$last" = "$2" ] || fail "$1: last STATE is '$last', expected '$2'"
}

# check_blocks NAME: every extent burnclient printed is recorded as it wrote it.
check_blocks() {
	local name=$1 image="$WORK/$1.disclog" lba n bs seed blocks=0
	local fmt
	while read -r _ lba n bs seed fmt; do
		"$DISCLOG" extract "$image" --lba "$lba" --count "$n" -o "$WORK/$name.got" ||
			fail "$name: extract LBA $lba x $n"
		"$BURNCLIENT" expected "$seed" "$bs" "$lba" "$n" ${fmt:+"$fmt"} >"$WORK/$name.want" ||
			fail "$name: burnclient expected"
		[ "$(stat -c %s "$WORK/$name.got")" -eq $(( n * bs )) ] ||
			fail "$name: LBA $lba x $n: $(stat -c %s "$WORK/$name.got") bytes recorded, expected $(( n * bs ))"
		cmp "$WORK/$name.want" "$WORK/$name.got" ||
			fail "$name: the image differs from what was written at LBA $lba x $n (seed $seed)"
		blocks=$(( blocks + n ))
	done < <(grep '^extent ' "$WORK/$name.out")
	[ "$blocks" -gt 0 ] || fail "$name: burnclient reported no extents"
	echo "$name: $blocks blocks of the image equal what was written"
}

# not_recorded NAME LBA: disclog extract says the block was never recorded (exit 5).
not_recorded() {
	local rc=0
	"$DISCLOG" extract "$WORK/$1.disclog" --lba "$2" --count 1 -o "$WORK/$1.gap" 2>/dev/null || rc=$?
	[ "$rc" -eq 5 ] || fail "$1: LBA $2 should not be recorded (disclog extract exit $rc)"
}

# (b) CD-R TAO: track 1 Mode 1 at 0 (300 x 2048), track 2 audio at 300 + 2 + 150 = 452
# (200 x 2352), track 3 audio at 452 + 200 + 152 = 804 (150 x 2352).
check "CD-R TAO: a Mode 1 track and two audio tracks, the gaps unrecorded"
run_scenario cd-tao cd-r 21
expect_data cd-tao 0 300 300 'block_size=2048 dbt=8 write_type=1 opcode=2a flags=none track=1 session=1'
expect_data cd-tao 452 200 200 'block_size=2352 dbt=0 write_type=1 opcode=2a flags=none track=2 session=1'
expect_data cd-tao 804 150 150 'block_size=2352 dbt=0 write_type=1 opcode=2a flags=none track=3 session=1'
expect_total cd-tao 650
expect_state cd-tao 'profile=0009(CD-R) disc_status=2(complete) tracks=3 sessions=1 nwa=-1'
check_blocks cd-tao
not_recorded cd-tao 300
not_recorded cd-tao 451
not_recorded cd-tao 954

# (c) CD-R SAO: 150 pregap blocks from -150 and track 1 (300 blocks), all at 2448 bytes
# (2352 + raw P-W), write type 2, data block type n/a (the cue sheet decides), track 1.
check "CD-R SAO: cue sheet, 2448-byte blocks with raw P-W from LBA -150"
run_scenario cd-sao cd-r 22
expect_data cd-sao -150 450 450 'block_size=2448 dbt=na write_type=2 opcode=2a flags=none track=1 session=1'
expect_total cd-sao 450
expect_state cd-sao 'profile=0009(CD-R) disc_status=2(complete) tracks=1 sessions=1 nwa=-1'
check_blocks cd-sao
not_recorded cd-sao -151
not_recorded cd-sao 300

# (c2) CD-R RAW: every block from the lead-in start -11635 (97:26:65) to the end of 150
# lead-out blocks after the 300-block track: 12085 blocks at 2448 bytes, write type 3,
# DBT 2, track 0 (DBT 2 carries no Q; the writer merges the 16-block WRITEs into ~1 MiB
# records, doc/disclog.md).  CLOSE SESSION closed the session: one track over the
# program area written (0..449, the lead-out blocks included: without Q the drive cannot
# tell them apart).
check "CD-R RAW: every 2448-byte block from the lead-in start to the lead-out"
run_scenario cd-raw cd-r 27
expect_data cd-raw -11635 12085 12085 'block_size=2448 dbt=2 write_type=3 opcode=2a flags=none track=0 session=1'
expect_total cd-raw 12085
expect_state cd-raw 'profile=0009(CD-R) disc_status=2(complete) tracks=1 sessions=1 nwa=-1'
check_blocks cd-raw
not_recorded cd-raw -11636
not_recorded cd-raw 450

# (d) BD-R: track 1 with WRITE(12) + streaming, track 2 with WRITE(12) without it.
check "BD-R: WRITE(12) with and without the streaming bit, CLOSE 110b"
run_scenario bdr bd-r 23
expect_data bdr 0 640 640 'block_size=2048 dbt=na write_type=na opcode=aa flags=streaming track=1 session=1'
expect_data bdr 640 96 96 'block_size=2048 dbt=na write_type=na opcode=aa flags=none track=2 session=1'
expect_total bdr 736
expect_state bdr 'profile=0041(BD-R SRM) disc_status=2(complete) tracks=2 sessions=1 nwa=-1'
check_blocks bdr

# (e) DVD+RW: the overwritten ranges keep every record (64 + 16 + 4 blocks around 1000,
# 32 + 8 around 300000); extract gives the latest.
check "DVD+RW: FORMAT UNIT, scattered writes and overwrites, the latest wins"
run_scenario dvdplusrw dvd+rw 24
expect_data dvdplusrw 0 16 16 'block_size=2048 dbt=na write_type=na opcode=2a flags=none track=1 session=1'
expect_data dvdplusrw 1000 64 84 'block_size=2048 dbt=na write_type=na opcode=2a flags=none track=1 session=1'
expect_data dvdplusrw 300000 32 40 'block_size=2048 dbt=na write_type=na opcode=2a flags=none track=1 session=1'
expect_data dvdplusrw 2295103 1 1 'block_size=2048 dbt=na write_type=na opcode=2a flags=none track=1 session=1'
expect_total dvdplusrw 141
expect_state dvdplusrw 'profile=001A(DVD+RW) disc_status=3(other) tracks=1 sessions=1 nwa=-1'
check_blocks dvdplusrw
"$DISCLOG" extract "$WORK/dvdplusrw.disclog" --lba 1064 --count 1 -o "$WORK/x" 2>/dev/null &&
	fail "dvdplusrw: LBA 1064 was never written but is recorded"

# (f) CD-RW: 300 blocks (seed 25), BLANK, 400 blocks (seed 26): both burns are in the
# image, the second wins.
check "CD-RW: burn, close the session, BLANK full, burn other data"
run_scenario cdrw cd-rw 25
expect_data cdrw 0 400 700 'block_size=2048 dbt=8 write_type=1 opcode=2a flags=none track=1 session=1'
expect_total cdrw 700
expect_state cdrw 'profile=000A(CD-RW) disc_status=2(complete) tracks=1 sessions=1 nwa=-1'
grep -q ' STATE .* disc_status=1(incomplete) tracks=2 sessions=2 ' "$WORK/cdrw.records" ||
	fail "cdrw: no STATE of the appendable disc after the first session"
awk '$3 == "STATE" && / disc_status=0\(empty\) / { n++ } END { exit !(n >= 2) }' "$WORK/cdrw.records" ||
	fail "cdrw: no blank STATE after BLANK"
check_blocks cdrw
