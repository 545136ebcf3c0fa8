#!/bin/bash
# tests/integration/harness.sh - the scenario runner (doc/harness.md): passing scenarios
# of every action/expectation kind, every scenario in fixtures/scenarios/, must-fail
# scenarios (one per expectation kind, with the message asserted), malformed files
# (FILE:LINE:COL errors asserted), -j 2 = -j 1, --shard coverage, --junit well-formed.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${HARNESS:?HARNESS must name the harness binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"
SELF="$FIXTURES/harness-selftest"
export TMPDIR="$WORK"
H() { "$HARNESS" "$@"; }

check "the passing scenarios pass, with a TAP plan of their number"
H run --junit "$WORK/pass.xml" "$SELF/pass" >"$WORK/pass.tap" || { cat "$WORK/pass.tap"; fail "pass scenarios failed"; }
cat "$WORK/pass.tap"
n=$(ls "$SELF"/pass/*.scn | wc -l)
[ "$(grep -c '^ok ' "$WORK/pass.tap")" -eq "$n" ] || fail "expected $n ok lines"
grep -q "^1\.\.$n\$" "$WORK/pass.tap" || fail "bad TAP plan"

check "their JUnit file is well formed, one testcase per scenario"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$WORK/pass.xml" || fail "pass.xml is not well-formed"
else
	grep -q '^<?xml' "$WORK/pass.xml" && grep -q '</testsuites>' "$WORK/pass.xml" || fail "pass.xml"
fi
[ "$(grep -c '<testcase ' "$WORK/pass.xml")" -eq "$n" ] || fail "pass.xml: testcase count"

check "every scenario in fixtures/scenarios passes"
if ls "$FIXTURES"/scenarios/*.scn >/dev/null 2>&1; then
	H run -j 2 "$FIXTURES/scenarios" >"$WORK/scenarios.tap"
	rc=$?
	cat "$WORK/scenarios.tap"
	[ $rc -eq 0 ] || fail "fixtures/scenarios: a scenario failed"
else
	echo "(no scenarios yet)"
fi

check "the must-fail run exits 1, passes none, and its JUnit file is well formed"
H run --keep "$WORK/kept" --junit "$WORK/fail.xml" "$SELF/must-fail" >"$WORK/fail.tap"
rc=$?
[ $rc -eq 1 ] || fail "must-fail run exited $rc, expected 1"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$WORK/fail.xml" || fail "fail.xml is not well-formed"
fi
grep -q '^ok ' "$WORK/fail.tap" && { cat "$WORK/fail.tap"; fail "a must-fail scenario passed"; }
for f in "$SELF"/must-fail/*.scn; do
	name=$(basename "$f" .scn)
	check "must-fail scenario $name fails with its message and names its artefacts"
	want=$(sed -n 's/^# must-fail: //p' "$f" | head -n 1)
	[ -n "$want" ] || fail "$f has no '# must-fail:' line"
	# the diagnostics of this scenario: from its not ok line to the next test line
	awk -v n="$name" '$0 ~ "^(not )?ok [0-9]+ - " n "$" { on = 1; next } /^(not )?ok / { on = 0 } on' \
		"$WORK/fail.tap" >"$WORK/diag.txt"
	grep -qF -- "$want" "$WORK/diag.txt" || { cat "$WORK/diag.txt"; fail "$name: message lacks '$want'"; }
	grep -q "artefacts: $WORK/kept/" "$WORK/diag.txt" || fail "$name: artefacts not named"
	echo "$name: $want"
done
check "a failed scenario keeps its image, trace and log, and the run names where"
d=$(ls -d "$WORK"/kept/*-blocks | head -n 1)
[ -s "$d/image.disclog" ] && [ -s "$d/trace.jsonl" ] && [ -f "$d/simdrive.log" ] ||
	fail "artefacts of a failed scenario missing in $d"
grep -q "^# artefacts of failed scenarios: $WORK/kept" "$WORK/fail.tap" || fail "artefact dir not printed"

check "malformed scenarios: harness parse and harness run give their FILE:LINE:COL errors"
H run "$SELF/malformed" >"$WORK/malformed.tap" && fail "malformed run passed"
for f in "$SELF"/malformed/*.scn; do
	sed -n 's/^# error: //p' "$f" >"$WORK/want.txt"
	[ -s "$WORK/want.txt" ] || fail "$f has no '# error:' line"
	(cd "$SELF/malformed" && "$HARNESS" parse "$(basename "$f")") >"$WORK/got.txt" && fail "$f parsed"
	diff -u "$WORK/want.txt" "$WORK/got.txt" || fail "$f: errors differ"
	# and the run reports them as the scenario's diagnostics (with the path as given)
	while IFS= read -r line; do
		grep -qF -- "$SELF/malformed/$line" "$WORK/malformed.tap" || fail "run output lacks '$line'"
	done <"$WORK/want.txt"
done
[ "$(grep -c '^not ok ' "$WORK/malformed.tap")" -eq "$(ls "$SELF"/malformed/*.scn | wc -l)" ] ||
	fail "each malformed file must be one failed scenario"

check "-j 2 gives the same TAP as -j 1"
all=("$SELF/pass" "$SELF/must-fail")
mask() { sed -E '/^#   artefacts: /d; /^# artefacts of/d; s/harness-[A-Za-z0-9]{6}/harness-X/g' "$1"; }
H run -j 1 "${all[@]}" >"$WORK/j1.tap"
H run -j 2 "${all[@]}" >"$WORK/j2.tap"
diff -u <(mask "$WORK/j1.tap") <(mask "$WORK/j2.tap") || fail "-j 2 differs from -j 1"

check "--shard 1/2 and 2/2 cover every scenario once"
H run --shard 1/2 "${all[@]}" >"$WORK/s1.tap"
H run --shard 2/2 "${all[@]}" >"$WORK/s2.tap"
names() { sed -nE 's/^(not )?ok [0-9]+ - (.*)$/\2/p' "$@" | sort; }
diff -u <(names "$WORK/j1.tap") <(names "$WORK/s1.tap" "$WORK/s2.tap") || fail "shards do not cover the run"
[ "$(names "$WORK/s1.tap" | wc -l)" -gt 0 ] && [ "$(names "$WORK/s2.tap" | wc -l)" -gt 0 ] || fail "empty shard"

check "harness merge: 3 shards (TAP and JUnit, given in any order) merge into the unsharded run"
for k in 1 2 3; do H run --shard $k/3 --junit "$WORK/m$k.xml" "${all[@]}" >"$WORK/m$k.tap"; done
H run --junit "$WORK/whole.xml" "${all[@]}" >"$WORK/whole.tap"
H merge --junit "$WORK/merged.xml" "$WORK/m3.tap" "$WORK/m1.tap" "$WORK/m2.tap" >"$WORK/merged.tap"
rc=$?
[ $rc -eq 1 ] || fail "merge of a run with failures exited $rc, expected 1"
tests() { sed -nE '/^(not )?ok |^#   /p' "$1" | mask /dev/stdin; }
diff -u <(tests "$WORK/whole.tap") <(tests "$WORK/merged.tap") || fail "merged TAP differs from the whole run"
grep -q "^1\.\.$(names "$WORK/whole.tap" | wc -l)\$" "$WORK/merged.tap" || fail "merged plan"
grep -q "^# harness shard 1/1 of " "$WORK/merged.tap" || fail "merged TAP lacks its shard line"
H merge --junit "$WORK/mergedx.xml" "$WORK/m2.xml" "$WORK/m1.xml" "$WORK/m3.xml" >"$WORK/mergedx.tap"
[ $? -eq 1 ] || fail "merge of the JUnit files: expected exit 1"
diff -u <(tests "$WORK/whole.tap" | sed -nE 's/^(not )?ok ([0-9]+) - ([^#]*[^ #]).*/\1ok \2 - \3/p') \
	<(tests "$WORK/mergedx.tap" | sed -nE 's/^(not )?ok ([0-9]+) - ([^#]*[^ #]).*/\1ok \2 - \3/p') ||
	fail "merged JUnit order or results differ from the whole run"
# the same testcases, in order, as the unsharded run's JUnit (TAP has no classnames)
for x in "merged.xml:name" "mergedx.xml:name=\"[^\"]*\" classname"; do
	f=${x%%:*} pat=${x#*:}
	xmllint --noout "$WORK/$f" || fail "$f is not well-formed"
	diff -u <(grep -o "<testcase $pat=\"[^\"]*\"" "$WORK/whole.xml") \
		<(grep -o "<testcase $pat=\"[^\"]*\"" "$WORK/$f") || fail "$f testcases differ"
done
grep -q 'name="harness.shard" value="1/1"' "$WORK/merged.xml" || fail "merged JUnit lacks its shard property"

check "harness merge refuses overlaps, gaps, other suites and cut reports (exit 2, naming them)"
merge_refused() {
	local want=$1; shift
	H merge "$@" >/dev/null 2>"$WORK/merge.err"; local rc=$?
	[ $rc -eq 2 ] || fail "merge $*: exit $rc, expected 2"
	grep -qF -- "$want" "$WORK/merge.err" || { cat "$WORK/merge.err"; fail "merge $*: no '$want'"; }
	cat "$WORK/merge.err"
}
merge_refused "overlap: $WORK/m1.tap and $WORK/m1b.tap are both shard 1/3" \
	"$WORK/m1.tap" "$WORK/m2.tap" "$WORK/m3.tap" "$(cp "$WORK/m1.tap" "$WORK/m1b.tap"; echo "$WORK/m1b.tap")"
merge_refused "gap: shard 2/3 missing (2 of 3 reports given)" "$WORK/m1.tap" "$WORK/m3.tap"
merge_refused "are not shards of one run" "$WORK/m1.tap" "$WORK/m2.tap" "$WORK/s2.tap"
head -n 4 "$WORK/m2.tap" >"$WORK/cut.tap"
merge_refused "$WORK/cut.tap:" "$WORK/m1.tap" "$WORK/cut.tap" "$WORK/m3.tap"
merge_refused "one is TAP, the other JUnit" "$WORK/m1.tap" "$WORK/m2.xml" "$WORK/m3.tap"
H run --shard 1/1 "$SELF/pass" >"$WORK/other.tap"
merge_refused "are not shards of one run" "$WORK/other.tap" "$WORK/m1.tap"

check "--shard auto: the shard from GitLab's, Kubernetes' and GitHub Actions' environment"
for env in "CI_NODE_INDEX=2 CI_NODE_TOTAL=3" "JOB_COMPLETION_INDEX=1 HARNESS_SHARD_TOTAL=3" \
	"HARNESS_SHARD_INDEX=1 HARNESS_SHARD_TOTAL=3" "HARNESS_SHARD=2/3"; do
	env $env "$HARNESS" run --shard auto "${all[@]}" >"$WORK/auto.tap"
	diff -u <(mask "$WORK/m2.tap") <(mask "$WORK/auto.tap") || fail "$env: not shard 2/3"
done
env -u CI_NODE_INDEX -u JOB_COMPLETION_INDEX -u HARNESS_SHARD -u HARNESS_SHARD_INDEX \
	"$HARNESS" run --shard auto "$SELF/pass" >/dev/null 2>"$WORK/auto.err"
[ $? -eq 2 ] && grep -q "no shard in the environment" "$WORK/auto.err" || fail "--shard auto without a CI environment"
JOB_COMPLETION_INDEX=1 "$HARNESS" run --shard auto "$SELF/pass" >/dev/null 2>"$WORK/auto.err"
[ $? -eq 2 ] && grep -q "HARNESS_SHARD_TOTAL is not" "$WORK/auto.err" || fail "JOB_COMPLETION_INDEX without a total"

check "doc/examples: the GitHub Actions workflow and the Kubernetes Job parse and use real harness options"
SRCDOC="$FIXTURES/../doc/examples"
for y in github-shards.yml k8s-shards.yaml; do
	# every harness command of the parsed file (steps' run:, a container's command)
	python3 -c '
import re, sys, yaml
def walk(v):
    if isinstance(v, dict): [walk(x) for x in v.values()]
    elif isinstance(v, list): [walk(x) for x in v]
    elif isinstance(v, str):
        for m in re.finditer(r"harness/harness (?:run|merge)[^>|]*", v): print(" ".join(m.group(0).split()))
walk(yaml.safe_load(open(sys.argv[1])))' "$SRCDOC/$y" >"$WORK/cmds" || fail "$y: not YAML"
	cat "$WORK/cmds"
	[ -s "$WORK/cmds" ] || fail "$y: no harness command"
	while read -r _ sub args; do
		"$HARNESS" "$sub" --help >/dev/null 2>&1 || fail "$y: harness $sub unknown"
		for opt in $(grep -oE -- '--[a-z-]+' <<<"$args"); do
			"$HARNESS" "$sub" --help 2>&1 | grep -qF -- "$opt" || fail "$y: harness $sub has no $opt"
		done
	done <"$WORK/cmds"
done

check "usage errors exit 2"
H run >/dev/null 2>&1; [ $? -eq 2 ] || fail "no args: expected 2"
H run --shard 3/2 "$SELF/pass" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad shard: expected 2"
H run "$WORK/nonexistent.scn" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing file: expected 2"

check "--target: the scenarios run against an external target, image and trace expectations skipped"
sim_start target --drive lun=0,media=dvd+r
H run --target "iscsi://$SIM_HOST/$SIM_TARGET/0" "$SELF/pass/dvdr-data.scn" "$SELF/pass/fault-write-error.scn" \
	>"$WORK/target.tap" || { cat "$WORK/target.tap"; fail "--target run failed"; }
cat "$WORK/target.tap"
grep -q '^ok 1 - dvdr-data$' "$WORK/target.tap" || fail "--target: dvdr-data"
grep -q 'skipped: expect blocks needs the embedded' "$WORK/target.tap" || fail "--target: skip reason"
grep -q '^ok 2 - fault-write-error # SKIP needs the embedded drive' "$WORK/target.tap" || fail "--target: fault skip"
sim_stop
