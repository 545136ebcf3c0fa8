#!/bin/bash
# The command trace (--trace, doc/simdrive-trace.md): a short DVD+R burn through a
# libiscsi client, with one deferred write error on the way, must produce exactly the
# golden trace fixtures/trace/short-burn.jsonl once the time fields (vtime_us, wall_us)
# are masked.  Every line is flushed when its command completes, so the trace is
# complete while the daemon still runs.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${FAULTCLIENT:?FAULTCLIENT must name the faultclient binary}"
: "${FIXTURES:?FIXTURES must name the fixtures directory}"

golden="$FIXTURES/trace/short-burn.jsonl"
trace="$WORK/trace.jsonl"
check "a short burn with a deferred error writes one trace line per command while simdrive runs"
sim_start trace --drive lun=0,media=dvd+r,image="$WORK/burn.disclog" --trace "$trace" \
	--fault 'write-error lba=40 deferred'
"$FAULTCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" ready "write 0 16 1 GOOD" "write 16 16 1 GOOD" \
	"write 32 16 1 GOOD" "tur 3/0C/00 deferred info=40" "write 48 16 1 5/21/02" "nwa 32" \
	"write 32 16 1 GOOD" "sync GOOD" "close-track 1" "disc 1" || fail "short burn"
# Complete before shutdown: one line per command, written when it completed.
[ "$(wc -l <"$trace")" -eq "$(wc -l <"$golden")" ] ||
	fail "trace has $(wc -l <"$trace") lines while simdrive runs, expected $(wc -l <"$golden")"
sim_stop

check "the trace, time fields masked, equals fixtures/trace/short-burn.jsonl"
mask() { sed -E 's/"vtime_us":[0-9]+/"vtime_us":0/; s/"wall_us":[0-9]+/"wall_us":0/' "$1"; }
mask "$trace" >"$WORK/trace.masked"
diff -u "$golden" "$WORK/trace.masked" || fail "the trace differs from $golden"
echo "trace of $(wc -l <"$trace") commands matches $golden"
# The time fields are there and move forward.
check "wall_us never goes backwards"
awk -F'"wall_us":' '{ split($2, a, ","); if (a[1] + 0 < last) exit 1; last = a[1] + 0 }' "$trace" ||
	fail "wall_us goes backwards"
