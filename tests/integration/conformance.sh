#!/bin/bash
# `harness conformance` (doc/harness-conformance.md): the MMC conformance checks.
#
# - --list: at least 60 checks in the nine groups, each with a clause, each documented;
#   usage errors exit 2.
# - simdrive (DVD+R, CD-R, BD-R, DVD-R LUNs, blank): a non-destructive run and a
#   --dataloss run per LUN; nothing fails, and every skip names a reason the medium makes
#   inevitable (RAW on a DVD, page 05h ignored on DVD+R, ...).  RAW writing needs an empty
#   CD session, so it is also run alone on a second blank CD-R, where it must pass.
#   --dataloss on the medium just written is refused (exit 2).  JUnit is well formed.
# - tgtd (the Debian tgt package's MMC emulation, a blank DVD+R from an empty backing
#   file): both runs produce the report, and the set of failing check ids equals the
#   list of known gaps in doc/harness-conformance.md, run by run, so that a change on
#   either side is noticed.  That part alone is skipped (after the simdrive part passed)
#   when not root or tgt is not installed.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
need timeout
DOC="$(dirname "$TESTLIB")/../../doc/harness-conformance.md"
[ -f "$DOC" ] || fail "no $DOC"

# bad REASON: the check under way (lib.sh's check) fails.
bad() { fail "$*"; }

# conf NAME ARGS...: harness conformance ARGS, bounded in time; output in $WORK/NAME.out
# (its summary and every row that is not a pass are shown); returns its exit status.
conf() {
	local name=$1; shift
	timeout 60 "$HARNESS" conformance "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	local rc=$?
	grep -v '^[a-z0-9]* *[a-z0-9_.]* *pass \|^GROUP \|needs --dataloss$' "$WORK/$name.out" |
		sed 's/^/   /' | cut -c1-220
	sed 's/^/   stderr: /' "$WORK/$name.err"
	return "$rc"
}
# failing NAME: the ids of the failed checks of run NAME, sorted.
failing() { awk '$3 == "FAIL" { print $2 }' "$WORK/$1.out" | sort; }
# documented LIST: the ids listed between "<!-- LIST -->" and "<!-- end LIST -->".
documented() {
	sed -n "/<!-- $1 -->/,/<!-- end $1 -->/p" "$DOC" | grep -o '^| `[a-z0-9]*\.[a-z0-9_]*`' |
		tr -d '|` ' | sort
}

# Skip reasons a medium makes inevitable (doc/harness-conformance.md, "Skips").
INEVITABLE='CD only|accepted and ignored|DVD physical format|defined for CD and DVD\+R only|MSF address'
# every_skip_inevitable NAME [EXTRA-REGEX]
every_skip_inevitable() {
	local re="$INEVITABLE${2:+|$2}" other
	other=$(awk '$3 == "skip"' "$WORK/$1.out" | grep -Ev "$re")
	[ -z "$other" ] || bad "skips the medium does not explain:"$'\n'"$other"
}
summary() { grep '^conformance: [0-9]* passed' "$WORK/$1.out"; }

check "--list: >= 60 checks in the nine groups, each with a clause and documented"
conf list --list >/dev/null || bad "--list exited $?"
n=$(awk 'NR > 1' "$WORK/list.out" | wc -l)
[ "$n" -ge 60 ] || bad "$n checks, want >= 60"
groups=$(awk 'NR > 1 { print $1 }' "$WORK/list.out" | sort -u | tr '\n' ' ')
[ "$groups" = "blocksize configuration discinfo identification modepage05 nwa sense speed syncclose " ] ||
	bad "groups: $groups"
awk 'NR > 1 && $0 !~ /\[.+\]$/' "$WORK/list.out" | grep . && bad "checks without a clause"
for id in $(awk 'NR > 1 { print $2 }' "$WORK/list.out"); do
	grep -q "^| \`$id\` |" "$DOC" || bad "$id is not in $DOC"
done
echo "   $n checks: $(awk 'NR > 1 { print $1 }' "$WORK/list.out" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

check "usage errors exit 2"
conf usage1 >/dev/null; [ $? -eq 2 ] || bad "no URL: want exit 2"
conf usage2 --bogus iscsi://127.0.0.1/x/0 >/dev/null; [ $? -eq 2 ] || bad "unknown option: want exit 2"

sim_start conf --drive "lun=0,media=dvd+r,image=$WORK/dvd+r.disclog" \
	--drive "lun=1,media=cd-r,image=$WORK/cd-r.disclog" \
	--drive "lun=2,media=bd-r,image=$WORK/bd-r.disclog" \
	--drive "lun=3,media=cd-r,image=$WORK/cd-raw.disclog" \
	--drive "lun=4,media=dvd-r,image=$WORK/dvd-r.disclog"
URL="iscsi://$SIM_HOST/$SIM_TARGET"

for spec in 0:dvd+r 2:bd-r 4:dvd-r 1:cd-r; do
	lun=${spec%%:*} media=${spec#*:}
	check "simdrive $media: non-destructive run, nothing fails"
	conf "sim-$media" "$URL/$lun" || bad "exit $?"
	every_skip_inevitable "sim-$media" 'needs --dataloss'

	check "simdrive $media: --dataloss run with JUnit, nothing fails"
	conf "sim-$media-dl" "$URL/$lun" --dataloss --junit "$WORK/sim-$media.xml" || bad "exit $?"
	extra=""
	[ "$media" = cd-r ] && extra='RAW starts only in an empty session'
	every_skip_inevitable "sim-$media-dl" "$extra"
	cases=$(grep -c '<testcase ' "$WORK/sim-$media.xml")
	[ "$cases" -eq "$n" ] || bad "JUnit has $cases test cases, want $n"
	grep -q '<failure' "$WORK/sim-$media.xml" && bad "JUnit lists a failure"
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$WORK/sim-$media.xml" || bad "JUnit is not well-formed XML"
	fi
done

check "simdrive cd-r: RAW 2448 checks alone on a blank CD-R all pass"
conf sim-raw "$URL/3" --dataloss -t 'blocksize.raw*' || bad "exit $?"
grep -q '^conformance: 3 passed, 0 failed, 0 skipped$' "$WORK/sim-raw.out" || bad "$(summary sim-raw)"

check "simdrive: --dataloss on a written medium is refused with exit 2"
conf sim-refuse "$URL/0" --dataloss >/dev/null; rc=$?
[ "$rc" -eq 2 ] || bad "exit $rc, want 2"
grep -q -- '--dataloss refused: the medium is not blank' "$WORK/sim-refuse.out" || bad "no refusal message"
grep -q ' pass \| FAIL ' "$WORK/sim-refuse.out" && bad "checks ran after the refusal"
sim_stop

# ---- tgtd --------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "simdrive part passed; tgtd part needs root"
. "$(dirname "$TESTLIB")/../bench/tgtd.sh" || exit 99
[ -x "$TGTD" ] && [ -x "$TGTADM" ] || skip "simdrive part passed; tgt is not installed ($TGTD)"

IQN="iqn.2026-01.org.burnlab:conformance-tgt"
DISC="$WORK/tgt-disc.img"
check "tgtd starts on loopback with a blank DVD+R (empty backing file)"
start_tgtd || { cat "$WORK/tgtd.log"; bad "tgtd did not start"; }
: >"$DISC"
tgtadm_ --op new --mode target --tid 1 -T "$IQN" &&
	tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$DISC" --device-type cd &&
	tgtadm_ --op bind --mode target --tid 1 -I ALL || bad "tgtadm could not set up the target"
TURL="iscsi://127.0.0.1:$TGT_PORT/$IQN/1"
echo "   $("$TGTD" --version 2>/dev/null | head -n 1) at $TURL"

# tgt_run NAME LIST ARGS...: the report is produced, and its failures are exactly LIST.
tgt_run() {
	local name=$1 list=$2; shift 2
	conf "$name" "$TURL" "$@" --junit "$WORK/$name.xml" | grep '^   conformance: '
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || bad "exit $rc: no report"
	summary "$name" >/dev/null || bad "no summary line"
	[ -s "$WORK/$name.xml" ] || bad "no JUnit file"
	failing "$name" >"$WORK/$name.failing"
	documented "$list" >"$WORK/$name.documented"
	[ -s "$WORK/$name.documented" ] || bad "no '$list' list in $DOC"
	if ! diff -u "$WORK/$name.documented" "$WORK/$name.failing" >"$WORK/$name.diff"; then
		sed 's/^/   /' "$WORK/$name.diff"
		bad "failing checks differ from the gaps documented in $DOC (- documented, + failed)"
	fi
	[ "$rc" -eq 1 ] || [ ! -s "$WORK/$name.failing" ] || bad "exit 0 with failures"
}

check "tgtd: non-destructive run; failures = documented gaps"
tgt_run tgt-nd tgt-gaps-non-destructive

check "tgtd: --dataloss run on the blank DVD+R; failures = documented gaps"
tgt_run tgt-dl tgt-gaps-dataloss --dataloss
stop_tgtd
rm -f "$DISC"	# sparse, but several GB long after the beyond-the-end write
