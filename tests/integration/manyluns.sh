#!/bin/bash
# 32 drives in one daemon (issue 16; doc/simdrive-recorder.md §10): one simdrive with 32
# recording LUNs (blank DVD+R, one disclog image each) burned at the same time by 32
# engine sessions (`wengine write`, queue depth 4), 4 MiB of different data each.  The
# images share the daemon's compression pool, and its budget is made small here
# (--image-memory 2) so that drives really wait for one another's room.  Then every
# image must pass `disclog verify` and hold exactly the bytes its session sent
# (`disclog diff` against the file), and simdrive's peak resident memory (VmHWM) must
# stay under 256 MiB.
. "$TESTLIB"
: "${WENGINE:?WENGINE must name the wengine binary}"
: "${DISCLOG:?DISCLOG must name the disclog binary}"
need timeout

N=32
MIB=4

check "$N LUNs of one simdrive, each burned by its own engine session at the same time"
args=()
for i in $(seq 0 $((N - 1))); do
	# Compressible and different for every LUN, so a block landing in the wrong
	# image cannot go unnoticed.
	seq -f "lun $i line %010g of the manyluns test" 1 $((MIB * 1048576 / 30 + 1)) |
		head -c $((MIB * 1048576)) >"$WORK/data$i"
	args+=(--drive "lun=$i,media=dvd+r,image=$WORK/lun$i.disclog")
done
sim_start main --image-threads 2 --image-memory 2 "${args[@]}"
pids=()
for i in $(seq 0 $((N - 1))); do
	timeout 120 "$WENGINE" write "iscsi://$SIM_HOST/$SIM_TARGET/$i" "$WORK/data$i" \
		--bytes-per-sector 2048 --lba nwa --queue-depth 4 --max-transfer 262144 --json \
		--no-progress >"$WORK/w$i.json" 2>"$WORK/w$i.err" &
	pids+=($!)
done
for i in $(seq 0 $((N - 1))); do
	wait "${pids[$i]}" || { cat "$WORK/w$i.json" "$WORK/w$i.err"; fail "wengine write to LUN $i failed"; }
	grep -q '"result":"S_OK"' "$WORK/w$i.json" || { cat "$WORK/w$i.json"; fail "LUN $i: not S_OK"; }
done
for i in $(seq 0 $((N - 1))); do
	timeout 60 "$WENGINE" sync "iscsi://$SIM_HOST/$SIM_TARGET/$i" >/dev/null 2>"$WORK/sync.err" ||
		{ cat "$WORK/sync.err"; fail "SYNCHRONIZE CACHE of LUN $i failed"; }
done

hwm=$(proc_kib "$SIM_PID" VmHWM)
echo "simdrive VmHWM: $hwm kB"
if [ -n "${BURNLAB_SANITIZERS:-}" ]; then
	# ASan's shadow memory and its quarantine of freed blocks (256 MiB by default) are
	# in the figure: it says nothing of simdrive's own use.
	skip_check "simdrive's peak resident memory with $N recording LUNs is under 256 MiB" \
		"sanitizer build ($hwm kB with ASan's shadow and quarantine)"
else
	check "simdrive's peak resident memory with $N recording LUNs is under 256 MiB"
	[ -n "$hwm" ] && [ "$hwm" -le $((256 * 1024)) ] || fail "simdrive peak RSS $hwm kB"
fi
sim_stop

check "every image verifies and holds exactly what its session sent"
for i in $(seq 0 $((N - 1))); do
	verify_image "LUN $i" "$WORK/lun$i.disclog" "$WORK/data$i"
done
rm -f "$WORK"/data* "$WORK"/*.disclog
