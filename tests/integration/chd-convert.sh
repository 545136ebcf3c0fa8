#!/bin/bash
# disclog's CHD converter (doc/disclog-tool.md, "CHD") judged by MAME's chdman: what
# `disclog export --format chd` writes, chdman info/verify accept and extractraw /
# extractcd give back as the ISO, the cue export's BIN and sheet, the toc export's P-W;
# what chdman createcd/createraw write, `disclog import` records as the CUE and ISO
# imports do (disclog diff finds nothing); hard disk, truncated and child CHDs refused;
# an imported CHD served by simdrive's ROM view reads back.
source "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${DISCLOG:?DISCLOG must name the disclog tool}"
need chdman
need genisoimage
need cmp

D=$DISCLOG
cd "$WORK" || fail "cannot cd to $WORK"

# expect RC CMD...: run CMD, fail unless it exits RC
expect() {
	local want=$1 rc=0; shift
	"$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "'$*' exited $rc, expected $want"; }
}
# chd CMD ARGS...: chdman, its output kept in chd.txt and shown on failure
chd() {
	echo "chdman $*"
	chdman "$@" >"$WORK/chd.txt" 2>&1 || { cat "$WORK/chd.txt"; fail "chdman $1 failed"; }
}
# A CUE sheet without comments and file names, for comparing two sheets.
normcue() { grep -v '^REM' "$1" | sed -e 's/^FILE ".*"/FILE/' -e 's/\r$//'; }

mkdir -p src/dir
echo "hello from burnlab" >src/hello.txt
seq 1 30000 >src/dir/numbers.txt
mkdata src/dir/random.bin 1 31
genisoimage -quiet -R -J -V CHDTEST -o src.iso src || fail "genisoimage failed"
blocks=$(( $(stat -c %s src.iso) / 2048 ))

# ---- DVD ----
check "export chd of a DVD-ROM: unit 2048, hunk 4096, zlib, 'DVD ' metadata; chdman verify; extractraw is the ISO"
expect 0 "$D" import src.iso dvd.dl
expect 0 "$D" export dvd.dl --format chd -o dvd
chd info -v -i dvd.chd
cat chd.txt
grep -q "Unit Size: *2,048 bytes" chd.txt && grep -q "Hunk Size: *4,096 bytes" chd.txt || fail "unit or hunk size"
grep -q "Compression: *zlib" chd.txt || fail "not zlib"
grep -q "Tag='DVD '  Index=0  Length=1 bytes" chd.txt || fail "no 'DVD ' metadata of one byte"
chd verify -i dvd.chd
chd extractraw -i dvd.chd -o dvd.raw
cmp dvd.raw src.iso || fail "chdman extractraw differs from the ISO"

# ---- a CD: audio, audio with a pregap in the file, data with a pregap in the file ----
check "a CUE+BIN with two audio tracks and a data track, pregaps in the file, imported"
expect 0 "$D" import --media cd-rom src.iso cdrom.dl
expect 0 "$D" export cdrom.dl --format cue -o data		# data.bin: Mode 1 raw sectors
mkdata audio.raw 2 5
head -c $(( 626 * 2352 )) audio.raw >mix.bin		# tracks 1 and 2: 401 + 75 + 150 frames
head -c $(( 150 * 2352 )) /dev/zero >>mix.bin		# track 3's pregap
cat data.bin >>mix.bin
cat >mix.cue <<CUE
FILE "mix.bin" BINARY
  TRACK 01 AUDIO
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    INDEX 00 00:05:26
    INDEX 01 00:06:26
  TRACK 03 MODE1/2352
    INDEX 00 00:08:26
    INDEX 01 00:10:26
CUE
expect 0 "$D" import mix.cue mix.dl

check "export chd of a CD: CHT2 per track (stored pregaps V, RW_RAW), unit 2448, cdzl; chdman verify"
expect 0 "$D" export mix.dl --format chd -o mix
chd info -v -i mix.chd
cat chd.txt
grep -q "Unit Size: *2,448 bytes" chd.txt && grep -q "Hunk Size: *19,584 bytes" chd.txt || fail "unit or hunk size"
grep -q "Compression: *cdzl" chd.txt || fail "not cdzl"
grep -q "TRACK:1 TYPE:AUDIO SUBTYPE:RW_RAW FRAMES:401 PREGAP:0 PGTYPE:MODE1 PGSUB:NONE POSTGAP:0" chd.txt ||
	fail "track 1"
grep -q "TRACK:2 TYPE:AUDIO SUBTYPE:RW_RAW FRAMES:225 PREGAP:75 PGTYPE:VAUDIO PGSUB:RW_RAW POSTGAP:0" chd.txt ||
	fail "track 2"
grep -q "TRACK:3 TYPE:MODE1_RAW SUBTYPE:RW_RAW FRAMES:$(( 150 + blocks )) PREGAP:150 PGTYPE:VMODE1_RAW PGSUB:RW_RAW" \
	chd.txt || fail "track 3"
chd verify -i mix.chd

check "chdman extractcd: the BIN is the cue export's (and the source BIN), the sheets are the same"
chd extractcd -i mix.chd -o ex.cue -ob ex.bin
expect 0 "$D" export mix.dl --format cue -o mixcue
cmp ex.bin mixcue.bin || fail "extractcd's BIN differs from the cue export's"
cmp ex.bin mix.bin || fail "extractcd's BIN differs from the source BIN"
normcue ex.cue >ex.norm
normcue mixcue.cue >mixcue.norm
diff ex.norm mixcue.norm || fail "extractcd's sheet and the cue export's differ"
diff ex.norm <(normcue mix.cue) || fail "extractcd's sheet and the source sheet differ"

check "chdman extractcd to a TOC equals the toc export: 2352 + 96 per frame, audio big-endian as cdrdao reads raw files"
chd extractcd -i mix.chd -o ext.toc -ob ext.bin
expect 0 "$D" export mix.dl --format toc -o mixtoc
cmp ext.bin mixtoc.bin || fail "chdman's TOC BIN differs from the toc export's"
# and the audio is the CUE BIN's with every sample's bytes swapped
cmp <(head -c $(( 626 * 2352 )) mix.bin | dd conv=swab status=none) \
    <(for f in $(seq 0 625); do dd if=mixtoc.bin bs=2448 skip=$f count=1 status=none | head -c 2352; done) ||
	fail "the toc export's audio is not the CUE BIN's byte-swapped"

# ---- a CD recorded at 2448 with its own P-W ----
check "a CD whose P-W differs from the synthesized one: recorded at 2448 on import, kept through export chd"
expect 0 "$D" export cdrom.dl --format toc -o subsrc		# 2448 per frame, synthesized P-W
for f in 5 100 $(( blocks - 1 )); do			# other P-W in three frames
	head -c 96 /dev/zero | tr '\0' '\125' | dd of=subsrc.bin bs=1 seek=$(( f * 2448 + 2352 )) conv=notrunc 2>/dev/null
done
chd createcd -i subsrc.toc -o sub.chd -c cdzl
expect 0 "$D" import sub.chd sub.dl
expect 0 "$D" records sub.dl
grep -q "DATA lba=5 count=1 block_size=2448 dbt=3" out.txt || { cat out.txt; fail "LBA 5 not recorded at 2448 with raw P-W"; }
expect 0 "$D" extract sub.dl --lba 100 --count 1 -o lba100.bin
cmp lba100.bin <(dd if=subsrc.bin bs=2448 skip=100 count=1 2>/dev/null) || fail "LBA 100 as recorded"
expect 0 "$D" export sub.dl --format toc -o subtoc
cmp subtoc.bin subsrc.bin || fail "the toc export of the import differs from chdman's source"
expect 0 "$D" export sub.dl --format chd -o sub2
chd verify -i sub2.chd
chd extractcd -i sub2.chd -o sub2.toc -ob sub2.bin
cmp sub2.bin subsrc.bin || fail "chdman extractcd of the export differs from the source frames"
expect 0 "$D" import sub2.chd sub2.dl
expect 0 "$D" diff sub.dl sub2.dl

# ---- imports of chdman's CHDs ----
for c in default cdzl none; do
	check "import of chdman createcd ($c codecs): disclog diff against the CUE import finds nothing"
	if [ $c = default ]; then chd createcd -i mix.cue -o c-$c.chd; else chd createcd -i mix.cue -o c-$c.chd -c $c; fi
	expect 0 "$D" import c-$c.chd c-$c.dl
	expect 0 "$D" diff c-$c.dl mix.dl
	expect 0 "$D" info c-$c.dl
	grep -q "^track 3: session 1, start 776," out.txt || { cat out.txt; fail "track 3 of the import"; }
done

check "import of a CHD with generated pregap and postgap (CUE PREGAP/POSTGAP) equals the CUE import"
cat >gaps.cue <<CUE
FILE "mix.bin" BINARY
  TRACK 01 AUDIO
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    PREGAP 00:01:00
    INDEX 01 00:05:26
    POSTGAP 00:00:10
  TRACK 03 MODE1/2352
    INDEX 00 00:08:26
    INDEX 01 00:10:26
CUE
chd createcd -i gaps.cue -o gaps.chd -c cdzl
grep -q "PREGAP:75 PGTYPE:MODE1 PGSUB:NONE POSTGAP:10" <(chdman info -v -i gaps.chd) || fail "chdman's gaps"
expect 0 "$D" import gaps.cue gaps-cue.dl
expect 0 "$D" import gaps.chd gaps.dl
expect 0 "$D" diff gaps.dl gaps-cue.dl

check "a MODE1/2048 CUE through chdman (TYPE MODE1) imports as the CUE import"
printf 'FILE "src.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n' >m2048.cue
chd createcd -i m2048.cue -o m2048.chd -c cdzl
grep -q "TYPE:MODE1 " <(chdman info -v -i m2048.chd) || fail "not TYPE MODE1"
expect 0 "$D" import m2048.cue m2048-cue.dl
expect 0 "$D" import m2048.chd m2048.dl
expect 0 "$D" diff m2048.dl m2048-cue.dl

check "import of chdman createraw (2048-byte units, default codecs): a DVD-ROM equal to the ISO; --media bd-rom"
chd createraw -i src.iso -o raw.chd --hunksize 4096 --unitsize 2048
expect 0 "$D" import raw.chd raw.dl
expect 0 "$D" diff raw.dl src.iso
expect 0 "$D" info raw.dl
grep -q "DVD-ROM" out.txt || fail "not a DVD-ROM"
expect 0 "$D" import --media bd-rom raw.chd raw-bd.dl
expect 0 "$D" info raw-bd.dl
grep -q "BD-ROM" out.txt || fail "not a BD-ROM"
expect 0 "$D" import dvd.chd dvd2.dl			# our own export back
expect 0 "$D" diff dvd2.dl dvd.dl
cp raw.chd named-otherwise.bin				# found by its tag, not its name
expect 0 "$D" import named-otherwise.bin named.dl

# ---- refusals ----
check "refused: a hard disk CHD (exit 5 naming it), a CD CHD as --media dvd-rom (exit 2)"
mkdata hd.img 1 9
chd createhd -i hd.img -o hd.chd -c zlib
expect 5 "$D" import hd.chd hd.dl
grep -q "hd.chd: a hard disk CHD" err.txt || fail "message: $(cat err.txt)"
[ ! -e hd.dl ] || fail "a refused import left its output"
expect 2 "$D" import --media dvd-rom c-cdzl.chd x.dl

check "refused: a truncated CHD, with the offset"
size=$(stat -c %s c-cdzl.chd)
head -c $(( size / 2 )) c-cdzl.chd >trunc.chd
expect 5 "$D" import trunc.chd trunc.dl
grep -q "trunc.chd" err.txt && grep -qi "offset" err.txt || fail "message: $(cat err.txt)"
[ ! -e trunc.dl ] || fail "a refused import left its output"

check "refused: a CHD that needs a parent"
chd createraw -i src.iso -o child.chd --hunksize 4096 --unitsize 2048 -op raw.chd
expect 5 "$D" import child.chd child.dl
grep -q "child.chd" err.txt && grep -q "parent" err.txt || fail "message: $(cat err.txt)"

check "export chd refuses an output that is not a regular file"
mkdir -p dirout.chd
expect 2 "$D" export mix.dl --format chd -o dirout
[ -d dirout.chd ] || fail "the directory is gone"

# ---- served by simdrive's ROM view ----
if [ -n "${SIMDRIVE:-}" ] && [ -n "${ICLIENT:-}" ] && [ -n "${WENGINE:-}" ]; then
	check "an imported DVD CHD served as a DVD-ROM view reads back as the ISO"
	sim_start rawchd --drive lun=0,media=dvd-rom,image="$WORK/raw.dl"
	mib=$(( $(stat -c %s src.iso) / 1048576 ))
	"$ICLIENT" read "iscsi://$SIM_HOST/$SIM_TARGET/0" --file "$WORK/src.iso" --sessions 1 --mib "$mib" ||
		fail "reading the imported CHD back"
	sim_stop
	check "an imported CD CHD served as a CD-ROM view: a finalized disc of 3 tracks whose data track reads (READ(10)) as the ISO"
	sim_start cdchd --drive lun=0,media=cd-rom,image="$WORK/c-cdzl.dl"
	"$WENGINE" info "iscsi://$SIM_HOST/$SIM_TARGET/0" >wengine.txt 2>&1 || { cat wengine.txt; fail "wengine info"; }
	grep -q "current profile: CD-ROM" wengine.txt && grep -q "disc status: finalized" wengine.txt &&
		grep -q "last track in last session: 3" wengine.txt || { cat wengine.txt; fail "the disc wengine sees"; }
	blocks=$(( $(stat -c %s src.iso) / 2048 ))
	"$WENGINE" read "iscsi://$SIM_HOST/$SIM_TARGET/0" track3.iso --lba 776 --blocks "$blocks" -q ||
		fail "READ(10) of the data track"
	cmp track3.iso src.iso || fail "the data track read back differs from the ISO"
	sim_stop
else
	skip_check "imported CHDs served by simdrive" "SIMDRIVE, ICLIENT or WENGINE not set"
fi
