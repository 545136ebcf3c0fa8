#!/bin/bash
# make demo: start the simulated drive with a small ISO it generates, show what
# libiscsi-bin's third-party clients (iscsi-ls, iscsi-inq) see and read the disc back;
# then burn a blank DVD+R through simdrive with raw MMC commands and show the image it
# recorded; finally burn the demo ISO with the engine's command, wengine (info, write at
# the next writable address with progress, close the track, finalize), and show what the
# drive recorded; then draw a burn: wengine burn --graph through busy answers, printing
# the path of the SVG picture (doc/engine.md §12); the harness scenarios keep burn.svg.
LIB_TAP=no	# plain output: not a make check test
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need iscsi-ls
need iscsi-inq

iso="$WORK/demo.iso"
mkdir -p "$WORK/root/docs"
echo "burnlab demo disc, made $(date -u +%Y-%m-%d)" >"$WORK/root/README.TXT"
seq 1 20000 >"$WORK/root/docs/numbers.txt"
if command -v genisoimage >/dev/null 2>&1; then
	genisoimage -quiet -V BURNLAB_DEMO -J -r -o "$iso" "$WORK/root"
else
	mkdata "$iso" 2 9
fi
echo "== demo ISO: $iso ($(stat -c %s "$iso") bytes)"

sim_start demo --drive lun=0,media=dvd-rom,file="$iso" --drive lun=1,media=cd-rom,file="$iso"
echo "== simdrive is serving $SIM_TARGET on $SIM_HOST (log: $SIM_LOG)"
echo
echo "== iscsi-ls -s iscsi://$SIM_HOST"
iscsi-ls -s "iscsi://$SIM_HOST" || fail "iscsi-ls failed"
echo
echo "== iscsi-inq iscsi://$SIM_HOST/$SIM_TARGET/0"
iscsi-inq "iscsi://$SIM_HOST/$SIM_TARGET/0" || fail "iscsi-inq failed"
echo
echo "== iscsi-inq -e 1 -c 131 iscsi://$SIM_HOST/$SIM_TARGET/0"
iscsi-inq -e 1 -c 131 "iscsi://$SIM_HOST/$SIM_TARGET/0" || fail "iscsi-inq VPD 83h failed"
if [ -n "${ICLIENT:-}" ] && [ -x "$ICLIENT" ]; then
	echo
	echo "== reading the whole disc back over iSCSI (READ(10)) and comparing with the ISO"
	"$ICLIENT" read "iscsi://$SIM_HOST/$SIM_TARGET/0" --file "$iso" --sessions 1 \
		--mib $(( ($(stat -c %s "$iso") + 1048575) / 1048576 )) || fail "read-back failed"
fi
sim_stop
echo
echo "== simdrive stopped cleanly; its log: $SIM_LOG"

if [ -n "${BURNCLIENT:-}" ] && [ -x "$BURNCLIENT" ] && [ -n "${DISCLOG:-}" ]; then
	image="$WORK/dvdplusr.disclog"
	echo
	echo "== burning a blank DVD+R in simdrive: two tracks in two sessions, finalized"
	sim_start burn --drive lun=0,media=dvd+r,image="$image"
	"$BURNCLIENT" "iscsi://$SIM_HOST/$SIM_TARGET/0" dvdplusr 1 || fail "DVD+R burn"
	sim_stop
	echo
	echo "== what simdrive recorded: disclog info $image"
	"$DISCLOG" info "$image" || fail "disclog info"
	echo
	echo "== the image is plain gzip: zcat $image | wc -c"
	zcat "$image" | wc -c
fi

if [ -n "${WENGINE:-}" ] && [ -x "$WENGINE" ] && [ -n "${DISCLOG:-}" ]; then
	image="$WORK/wengine-dvdplusr.disclog"
	echo
	echo "== burning the demo ISO to a blank DVD+R with wengine (libwriteengine)"
	sim_start wengine --drive lun=0,media=dvd+r,image="$image"
	url="iscsi://$SIM_HOST/$SIM_TARGET/0"
	echo
	echo "== wengine info $url"
	"$WENGINE" info "$url" || fail "wengine info"
	echo
	echo "== wengine write $url $iso --bytes-per-sector 2048 --lba nwa --progress --graph $WORK/burn.svg"
	"$WENGINE" write "$url" "$iso" --bytes-per-sector 2048 --lba nwa --progress \
		--graph "$WORK/burn.svg" || fail "wengine write"
	echo
	echo "== wengine close $url track 1"
	"$WENGINE" close "$url" track 1 || fail "wengine close track"
	echo "== wengine close $url finalize"
	"$WENGINE" close "$url" finalize || fail "wengine close finalize"
	echo
	echo "== wengine verify $url $iso --lba 0"
	"$WENGINE" verify "$url" "$iso" --lba 0 || fail "wengine verify"
	sim_stop
	echo
	echo "== what simdrive recorded: disclog info $image"
	"$DISCLOG" info "$image" || fail "disclog info"
fi

# A picture of a burn: a 16 MiB DVD+R burn at a quarter of real time (the drive's
# buffer and speed on the virtual clock), the third WRITE of LBA 2000 answered "long
# write in progress" twice, drawn by wengine burn --graph (doc/engine.md §12).
if [ -n "${WENGINE:-}" ] && [ -x "$WENGINE" ]; then
	graph="$WORK/burn-graph.svg"
	mkdata "$WORK/graph.iso" 16 7
	echo
	echo "== wengine burn with --graph: a DVD+R at time scale 0.25 with two busy answers"
	sim_start graph --drive lun=0,media=dvd+r,image="$WORK/graph.disclog" --time-scale 0.25 \
		--fault "long-write-in-progress lba=2000 count=2"
	"$WENGINE" burn "iscsi://$SIM_HOST/$SIM_TARGET/0" "$WORK/graph.iso" --verify quick \
		--graph "$graph" --progress || fail "wengine burn --graph"
	sim_stop
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$graph" || fail "the picture is not well-formed"
	fi
	echo
	echo "== the picture of that burn (open it in a browser): $graph"
fi

# The main job: the demo scenarios through the harness, into the embedded simulated
# drive - a data DVD, an audio CD at 2352, a raw CD at 2448 and a fault - with the TAP
# summary and where the images are kept.
if [ -n "${HARNESS:-}" ] && [ -x "$HARNESS" ]; then
	scn_dir="${FIXTURES:?FIXTURES must name the fixtures directory}/scenarios"
	keep="$WORK/scenarios"
	rm -rf "$keep"
	echo
	echo "== harness run $scn_dir/demo-*.scn (each on its own simdrive, images kept in $keep)"
	"$HARNESS" run --keep "$keep" --keep-passed "$scn_dir"/demo-*.scn || fail "demo scenarios"
	echo
	echo "== the images the scenarios recorded (each with the picture of its burn, burn.svg):"
	for img in "$keep"/*/image.disclog; do
		[ -f "$img" ] || continue
		echo "   $img: $("$DISCLOG" info "$img" | sed -n 's/^disc: //p')"
		[ -f "${img%/*}/burn.svg" ] && echo "   ${img%/*}/burn.svg"
	done
	[ -z "${graph:-}" ] || echo "== the picture of a burn: $graph"
fi
