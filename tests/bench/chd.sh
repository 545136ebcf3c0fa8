#!/bin/bash
# make bench: CHD export against chdman, and the sparse ISO export of a formatted BD-RE
# (not part of make check).
#
# Data: a CD-ROM made from an ISO of /usr/share/doc (capped at BENCH_CHD_MIB), imported
# with `disclog import --media cd-rom` and exported as CUE+BIN; chdman compresses that
# BIN, disclog exports the same disc from its image.  Every tool reads from the page
# cache (warmed first) and writes under the bench directory; the best of BENCH_RUNS.
# MB = 10^6 bytes of BIN (2352 bytes a sector) per second.
#
# Goals checked: `disclog export --format chd` >= 1.0 x `chdman createcd -c cdzl` (the
# same codec; zlib-only) in speed, its file <= 1.02 x chdman's zlib-only CHD.  Also
# printed: chdman with its default codecs (cdlz, cdzl, cdfl).  Both CHDs are checked
# with `chdman verify`.  Sparse: the ISO export of a BD-RE formatted to 25 GB holding
# one small ISO (goal: under 1 s and under 16 MiB of disk).
#
# Environment: DISCLOG, SIMDRIVE, WENGINE, TESTLIB, TESTTMP (from make bench);
# BENCH_CHD_MIB (default 256); BENCH_RUNS (default 2).
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${DISCLOG:?DISCLOG must name the disclog tool}"
: "${WENGINE:?WENGINE must name wengine}"
need chdman
need genisoimage

MIB=${BENCH_CHD_MIB:-256}
RUNS=${BENCH_RUNS:-2}
now() { date +%s.%N; }

# best LABEL OUTPUT CMD...: best wall time of RUNS runs in SECS, output size in SIZE.
best() {
	local label=$1 out=$2 t0 t1 s b=""
	shift 2
	for _ in $(seq 1 "$RUNS"); do
		rm -f "$out"
		t0=$(now)
		"$@" >"$WORK/tool.out" 2>&1 || { cat "$WORK/tool.out"; fail "$label failed"; }
		sync -d "$out" 2>/dev/null || sync
		t1=$(now)
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		b=$(awk -v a="$b" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	SECS=$b
	SIZE=$(stat -c %s "$out")
}

genisoimage -quiet -R -J -o "$WORK/src.iso" /usr/share/doc 2>/dev/null || fail "genisoimage failed"
if [ "$(stat -c %s "$WORK/src.iso")" -gt $(( MIB * 1048576 )) ]; then
	truncate -s $(( MIB * 1048576 )) "$WORK/src.iso"
fi
"$DISCLOG" import "$WORK/src.iso" "$WORK/cd.dl" --media cd-rom --force >/dev/null || fail "import"
"$DISCLOG" export "$WORK/cd.dl" --format cue -o "$WORK/cd" || fail "export cue"
BIN=$(stat -c %s "$WORK/cd.bin")
cat "$WORK/cd.bin" "$WORK/cd.dl" >/dev/null
echo "== data: a CD-ROM of $(( BIN / 2352 )) sectors ($(( BIN / 1048576 )) MiB of BIN) from /usr/share/doc; $(nproc) CPUs; best of $RUNS"

best "chdman createcd -c cdzl" "$WORK/zl.chd" chdman createcd -i "$WORK/cd.cue" -o "$WORK/zl.chd" -c cdzl -f
ZL_S=$SECS ZL_B=$SIZE
best "chdman createcd" "$WORK/def.chd" chdman createcd -i "$WORK/cd.cue" -o "$WORK/def.chd" -f
DEF_S=$SECS DEF_B=$SIZE
best "disclog export --format chd" "$WORK/dl.chd" "$DISCLOG" export "$WORK/cd.dl" --format chd -o "$WORK/dl"
DL_S=$SECS DL_B=$SIZE
for f in zl def dl; do
	chdman verify -i "$WORK/$f.chd" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; fail "chdman verify $f.chd"; }
done

mbs() { awk -v r="$BIN" -v s="$1" 'BEGIN { printf "%.1f", r / s / 1e6 }'; }
echo "== summary (MB/s of BIN; size in bytes)"
printf '  %-36s %8s %8s %12s\n' tool seconds MB/s size
printf '  %-36s %8s %8s %12s\n' "disclog export --format chd" "$DL_S" "$(mbs "$DL_S")" "$DL_B"
printf '  %-36s %8s %8s %12s\n' "chdman createcd -c cdzl" "$ZL_S" "$(mbs "$ZL_S")" "$ZL_B"
printf '  %-36s %8s %8s %12s\n' "chdman createcd (cdlz,cdzl,cdfl)" "$DEF_S" "$(mbs "$DEF_S")" "$DEF_B"

# ---- sparse ISO export of a formatted BD-RE ------------------------------------------
genisoimage -quiet -R -o "$WORK/small.iso" /usr/share/common-licenses 2>/dev/null || fail "genisoimage"
sim_start bdre --drive "lun=0,media=bd-re,image=$WORK/bd-re.dl"
"$WENGINE" burn "iscsi://$SIM_HOST/$SIM_TARGET/0" "$WORK/small.iso" --no-progress >/dev/null 2>&1 ||
	fail "wengine burn to the BD-RE"
sim_stop
rm -f "$WORK/bd-re.iso"
t0=$(now)
"$DISCLOG" export "$WORK/bd-re.dl" --format iso -o "$WORK/bd-re.iso" 2>/dev/null || fail "BD-RE export"
t1=$(now)
SP_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
SP_SIZE=$(stat -c %s "$WORK/bd-re.iso")
SP_DISK=$(( $(stat -c %b "$WORK/bd-re.iso") * $(stat -c %B "$WORK/bd-re.iso") ))
echo "== sparse: BD-RE ISO export of $SP_SIZE bytes ($(stat -c %s "$WORK/small.iso") recorded) in $SP_S s, $SP_DISK bytes on disk"
rm -f "$WORK/bd-re.iso" "$WORK"/*.chd "$WORK/cd.bin" "$WORK/src.iso"

. "$(dirname "${BASH_SOURCE[0]}")/goal.sh"	# goal, MISSED
echo "== ratios"
sp=$(awk -v a="$ZL_S" -v b="$DL_S" 'BEGIN { printf "%.2f", a / b }')
spd=$(awk -v a="$DEF_S" -v b="$DL_S" 'BEGIN { printf "%.2f", a / b }')
sz=$(awk -v a="$DL_B" -v b="$ZL_B" 'BEGIN { printf "%.3f", a / b }')
szd=$(awk -v a="$DL_B" -v b="$DEF_B" 'BEGIN { printf "%.3f", a / b }')
goal "speed disclog chd / chdman createcd -c cdzl = $sp (>= 1.00)" "$(awk -v x="$sp" 'BEGIN { print (x >= 1.0) ? 1 : 0 }')"
goal "size disclog chd / chdman zlib-only = $sz (<= 1.02)" "$(awk -v x="$sz" 'BEGIN { print (x <= 1.02) ? 1 : 0 }')"
echo "  (info)       speed disclog chd / chdman createcd defaults = $spd; size = $szd"
goal "sparse BD-RE ISO export in $SP_S s (< 1 s), $SP_DISK bytes on disk (< 16 MiB)" \
	"$(awk -v s="$SP_S" -v d="$SP_DISK" 'BEGIN { print (s < 1 && d < 16777216) ? 1 : 0 }')"
[ "$MISSED" = 0 ] && echo "== all goals met" || echo "== some goals missed (timings depend on the machine's load)"
exit 0
