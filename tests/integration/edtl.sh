#!/bin/bash
# A READ's data-in is bounded by what the initiator takes (doc/simdrive-scsi.md,
# "Transfer lengths"): on a formatted BD-RE - 12 219 392 readable blocks - one READ(12)
# of 262144 blocks (512 MiB) with an Expected Data Transfer Length of 2048 bytes must
# answer its 2048 bytes without simdrive's peak resident memory (VmHWM) growing by 16 MiB
# or more, and within 50 ms.  Before the fix it took simdrive to ~526 MB resident and held
# the event loop for about a second.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${EDTLCLIENT:?EDTLCLIENT must name the edtlclient binary}"

kib() { proc_kib "$SIM_PID" "$1"; }

sim_start edtl --image-reserve 0 --drive "lun=0,media=bd-re,image=$WORK/bdre.dl"
url="iscsi://$SIM_HOST/$SIM_TARGET/0"
"$EDTLCLIENT" "$url" format || fail "FORMAT UNIT of the BD-RE"

base_rss=$(kib VmRSS) base_hwm=$(kib VmHWM)
[ -n "$base_hwm" ] || fail "no VmHWM in /proc/$SIM_PID/status"
out=$("$EDTLCLIENT" "$url" read12 0 262144 2048) || fail "READ(12) 262144 blocks, EDTL 2048: $out"
rss=$(kib VmRSS) hwm=$(kib VmHWM)
ms=$(echo "$out" | sed -n 's/.* ms \([0-9.]*\)$/\1/p')
grow=$((hwm - base_hwm))
echo "baseline VmRSS ${base_rss} kB VmHWM ${base_hwm} kB; after the READ VmRSS ${rss} kB" \
	"VmHWM ${hwm} kB (+${grow} kB); ${ms} ms ($out)"
[ "$grow" -lt 16384 ] || fail "simdrive's peak resident memory grew by $grow kB (limit 16384)"
# Resident under 16 MiB in all, unless the build itself starts above that (sanitizers).
if [ "$base_hwm" -lt 16384 ]; then
	[ "$hwm" -lt 16384 ] || fail "simdrive's peak resident memory is $hwm kB (limit 16384)"
fi
awk -v ms="$ms" 'BEGIN { exit !(ms < 50) }' || fail "the READ took $ms ms (limit 50)"

# The same bound with a larger EDTL: READ(12) of 65535 blocks, EDTL two blocks.
out=$("$EDTLCLIENT" "$url" read12 1000 65535 4096) || fail "READ(12) 65535 blocks, EDTL 4096: $out"
hwm2=$(kib VmHWM)
[ $((hwm2 - base_hwm)) -lt 16384 ] || fail "VmHWM grew to $hwm2 kB"
sim_stop
echo "PASS"
