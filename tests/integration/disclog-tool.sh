#!/bin/bash
# The disclog tool (doc/disclog-tool.md) against third-party readers of what it writes:
# genisoimage makes an ISO, `disclog import` records it, then zcat, xorriso/isoinfo,
# bchunk and cdrdao read the image and its exports.  Also a CUE+BIN with an audio and a
# data track, extract/diff on a changed byte, verify on good/torn/damaged images, LBA
# ranges checked against the disc's limits, and the exit codes of --help and of bad
# arguments.
source "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${DISCLOG:?DISCLOG must name the disclog tool}"
need genisoimage
need zcat
need cmp

D=$DISCLOG
cd "$WORK" || fail "cannot cd to $WORK"

# expect RC CMD...: run CMD, fail unless it exits RC
expect() {
	local want=$1 rc=0; shift
	"$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "'$*' exited $rc, expected $want"; }
}

# ---- a real ISO from a few files ----
mkdir -p src/dir
echo "hello from burnlab" >src/hello.txt
seq 1 50000 >src/dir/numbers.txt
mkdata src/dir/random.bin 1 21
genisoimage -quiet -R -J -V DISCLOG -o src.iso src || fail "genisoimage failed"

check "import of an ISO: zcat of the image is the ISO; no overwrite without --force"
expect 0 "$D" import src.iso disc.dl
zcat disc.dl | cmp - src.iso || fail "zcat of the image differs from the ISO"
expect 2 "$D" import src.iso disc.dl            # exists, no --force
expect 0 "$D" import --force src.iso disc.dl

check "info and info --json show a finalized DVD-ROM with its track"
expect 0 "$D" info disc.dl
grep -q "DVD-ROM" out.txt && grep -q "complete" out.txt || { cat out.txt; fail "info does not show a finalized DVD-ROM"; }
grep -q "^track 1: session 1, start 0, size $(( $(stat -c %s src.iso) / 2048 ))" out.txt || { cat out.txt; fail "info track 1"; }
expect 0 "$D" info --json disc.dl
grep -q '"profile_name":"DVD-ROM"' out.txt && grep -q '"disc_status":"complete"' out.txt || fail "info --json"
if command -v python3 >/dev/null; then python3 -m json.tool out.txt >/dev/null || fail "info --json is not JSON"; fi

check "export iso gives the source ISO back"
expect 0 "$D" export disc.dl --format iso -o exp
cmp exp.iso src.iso || fail "export iso differs from the source ISO"
if command -v xorriso >/dev/null; then
	check "xorriso lists the files of the exported ISO"
	xorriso -indev exp.iso -find / >xo.txt 2>/dev/null || fail "xorriso cannot read the exported ISO"
	grep -q "dir/numbers.txt" xo.txt || { cat xo.txt; fail "xorriso does not list the files"; }
	echo "xorriso lists: $(tr '\n' ' ' <xo.txt)"
elif command -v isoinfo >/dev/null; then
	check "isoinfo lists the files of the exported ISO"
	isoinfo -l -i exp.iso >xo.txt || fail "isoinfo cannot read the exported ISO"
	grep -qi "numbers" xo.txt || fail "isoinfo does not list the files"
else
	skip_check "xorriso lists the files of the exported ISO" "neither xorriso nor isoinfo"
fi

check "export cue: 2352-byte sectors of the whole track"
expect 0 "$D" export disc.dl --format cue -o cue
[ $(( $(stat -c %s cue.bin) / 2352 )) -eq $(( $(stat -c %s src.iso) / 2048 )) ] || fail "cue.bin size"
if command -v bchunk >/dev/null; then
	check "bchunk turns the cue export back into the source ISO"
	bchunk cue.bin cue.cue bout >bchunk.log 2>&1 || { cat bchunk.log; fail "bchunk failed"; }
	cmp bout01.iso src.iso || fail "bchunk's out01.iso differs from the source ISO"
	echo "bchunk: out01.iso == source ISO"
else
	skip_check "bchunk turns the cue export back into the source ISO" "bchunk is not installed"
fi

check "export toc: 2448-byte sectors"
expect 0 "$D" export disc.dl --format toc -o toc
[ "$(stat -c %s toc.bin)" -eq $(( $(stat -c %s src.iso) / 2048 * 2448 )) ] || fail "toc.bin size"
if command -v cdrdao >/dev/null; then
	check "cdrdao show-toc and read-test accept the toc export"
	cdrdao show-toc toc.toc >cdrdao.log 2>&1 || { cat cdrdao.log; fail "cdrdao show-toc failed"; }
	grep -q "MODE1_RAW RW_RAW" cdrdao.log || { cat cdrdao.log; fail "cdrdao show-toc: no MODE1_RAW RW_RAW track"; }
	cdrdao read-test toc.toc >cdrdao.log 2>&1 || { cat cdrdao.log; fail "cdrdao read-test failed"; }
	echo "cdrdao: show-toc and read-test ok"
else
	skip_check "cdrdao show-toc and read-test accept the toc export" "cdrdao is not installed"
fi

check "export ccd: CloneCD image, sub-channel and sheet agree"
expect 0 "$D" export disc.dl --format ccd -o ccd
n=$(( $(stat -c %s src.iso) / 2048 ))
[ "$(stat -c %s ccd.img)" -eq $(( n * 2352 )) ] || fail "ccd.img size"
[ "$(stat -c %s ccd.sub)" -eq $(( n * 96 )) ] || fail "ccd.sub size"
head -n 1 ccd.ccd | grep -q '^\[CloneCD\]' || fail "ccd does not start with [CloneCD]"
entries=$(sed -n 's/^TocEntries=//p' ccd.ccd)
[ "$entries" -eq "$(grep -c '^\[Entry ' ccd.ccd)" ] || fail "TocEntries does not match the entries"
grep -q "^PLBA=$n\$" ccd.ccd || fail "lead-out PLBA is not $n"
grep -q '^\[TRACK 1\]' ccd.ccd && grep -q '^MODE=1' ccd.ccd || fail "ccd track 1"
cmp ccd.img cue.bin || fail "ccd.img differs from cue.bin"

check "import of a CUE+BIN with an audio and a data track, exported back the same"
mkdata audio.raw 1 5
head -c $(( 400 * 2352 )) audio.raw >mix.bin
head -c $(( 150 * 2352 )) /dev/zero >>mix.bin      # pregap of track 2, in the file
cat cue.bin >>mix.bin
cat >mix.cue <<CUE
REM audio then data
FILE "mix.bin" BINARY
  TRACK 01 AUDIO
    INDEX 01 00:00:00
  TRACK 02 MODE1/2352
    INDEX 00 00:05:25
    INDEX 01 00:07:25
CUE
expect 0 "$D" import mix.cue mix.dl
expect 0 "$D" info mix.dl
grep -q "CD-ROM" out.txt && grep -q "^track 2: session 1, start 550" out.txt || { cat out.txt; fail "info of the CUE import"; }
expect 0 "$D" export mix.dl --format cue -o mixout
cmp mixout.bin mix.bin || fail "re-exported BIN differs from the imported one"
grep -q "INDEX 00 00:05:25" mixout.cue || { cat mixout.cue; fail "track 2 pregap lost"; }
expect 0 "$D" export mix.dl --format iso -o mixdata
cmp mixdata.iso src.iso || fail "iso export of the data track"
if command -v cdrdao >/dev/null; then
	expect 0 "$D" export mix.dl --format toc -o mixtoc
	cdrdao show-toc mixtoc.toc >cdrdao.log 2>&1 || { cat cdrdao.log; fail "cdrdao show-toc (mixed)"; }
	grep -q "PREGAP 00:02:00" cdrdao.log || { cat cdrdao.log; fail "cdrdao: no pregap on track 2"; }
	cdrdao read-test mixtoc.toc >cdrdao.log 2>&1 || { cat cdrdao.log; fail "cdrdao read-test (mixed)"; }
fi
check "a MODE1/2048 CUE track is recorded as complete raw sectors"
printf 'FILE "src.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n' >m2048.cue
expect 0 "$D" import m2048.cue m2048.dl
expect 0 "$D" export m2048.dl --format cue -o m2048
cmp m2048.bin cue.bin || fail "MODE1/2048 import: sectors differ from the synthesized ones"

check "bad CUE sheets name the file and line; a failed import leaves no output"
printf 'FILE "mix.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:99:00\n' >bad1.cue
expect 5 "$D" import bad1.cue bad.dl
grep -q "bad1.cue:3:" err.txt || { cat err.txt; fail "bad CUE: no file:line"; }
printf 'FILE "mix.bin" BINARY\n  TRACK 01 CDG\n    INDEX 01 00:00:00\n' >bad2.cue
expect 5 "$D" import bad2.cue bad.dl
grep -q "bad2.cue:2:" err.txt || fail "bad CUE type: no file:line"
printf 'FILE "missing.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n' >bad3.cue
expect 3 "$D" import bad3.cue bad.dl
[ ! -e bad.dl ] || fail "a failed import left its output"

check "diff finds a changed byte, image against file and against image, and length differences"
cp src.iso mod.iso
printf 'Z' | dd of=mod.iso bs=1 seek=$(( 123 * 2048 + 456 )) conv=notrunc 2>/dev/null
expect 1 "$D" diff disc.dl mod.iso
grep -q "LBA 123, byte offset 456" out.txt || { cat out.txt; fail "diff did not find LBA 123 offset 456"; }
expect 0 "$D" diff disc.dl src.iso
expect 0 "$D" import mod.iso mod.dl
expect 1 "$D" diff disc.dl mod.dl
grep -q "LBA 123, byte offset 456" out.txt || { cat out.txt; fail "image diff"; }
head -c $(( 100 * 2048 )) src.iso >short.iso
expect 1 "$D" diff disc.dl short.iso
grep -q "^length:" out.txt || { cat out.txt; fail "diff: no length difference"; }
tail -c +$(( 10 * 2048 + 1 )) src.iso >tail.iso
expect 0 "$D" diff disc.dl tail.iso --lba 10

check "extract gives the recorded bytes; a failed extract leaves no output and spares links"
expect 0 "$D" extract disc.dl --lba 123 --count 2 -o ex.bin
dd if=mod.iso bs=2048 skip=123 count=2 2>/dev/null | cmp -s - ex.bin && fail "extract returned the modified bytes"
dd if=src.iso bs=2048 skip=123 count=2 2>/dev/null | cmp - ex.bin || fail "extract differs from the ISO"
expect 5 "$D" extract mix.dl --lba -151 --count 1 -o ex2.bin
[ -e ex2.bin ] && fail "a failed extract left its half-written output"
# A failed run removes only a regular file it wrote: never what OUT points at when it
# is not one (as root, -o /dev/null once deleted /dev/null).
echo keep >kept.txt
ln -sf kept.txt out-link
expect 5 "$D" extract mix.dl --lba -151 --count 1 -o out-link
[ -L out-link ] || fail "a failed extract removed a symbolic link given as output"
expect 0 "$D" extract mix.dl --lba -150 --count 1 -o pre.bin
[ "$(stat -c %s pre.bin)" -eq 2352 ] || fail "extract of a 2352-byte block"

check "verify: intact (0), torn tail (1), damaged or not an image (4)"
expect 0 "$D" verify disc.dl
size=$(stat -c %s disc.dl)
head -c $(( size - 7 )) disc.dl >torn.dl
expect 1 "$D" verify torn.dl
grep -q "torn tail" out.txt || { cat out.txt; fail "verify: no torn tail reported"; }
cp disc.dl damaged.dl
printf '\xde\xad\xbe\xef' | dd of=damaged.dl bs=1 seek=4000 conv=notrunc 2>/dev/null
expect 4 "$D" verify damaged.dl
grep -q "offset" err.txt || { cat err.txt; fail "verify: damage without offset"; }
expect 4 "$D" verify src.iso

check "LBA ranges are checked before any arithmetic: INT32 limits, a CD's lead-in, counts of 0 (exit 2 naming the range and the disc's limits, no output)"
rm -f range.bin
expect 2 "$D" extract disc.dl --lba 2147483647 --count 1 -o range.bin
grep -q "LBA 2147483647..2147483647 (1 block) lies outside disc.dl: DVD-ROM, LBA 0\.\." err.txt ||
	{ cat err.txt; fail "the message names neither the range nor the limits"; }
[ ! -e range.bin ] || fail "a refused extract left its output file"
expect 2 "$D" extract disc.dl --lba -2147483648 --count 2147483647
grep -q "LBA -2147483648..-2 (2147483647 blocks)" err.txt || { cat err.txt; fail "INT32_MIN range"; }
expect 2 "$D" extract disc.dl --lba 1 --count 2147483647	# lba + count passes INT32_MAX
expect 2 "$D" extract disc.dl --lba -1 --count 1		# a DVD has no lead-in
expect 2 "$D" extract disc.dl --lba 0 --count 0
expect 2 "$D" diff disc.dl src.iso --lba 2147483647
grep -q "lies outside disc.dl" err.txt || { cat err.txt; fail "diff --lba out of range"; }
expect 5 "$D" extract mix.dl --lba -151 --count 1		# a CD's lead-in: in range, unrecorded
grep -q "LBA -151 is not recorded" err.txt || { cat err.txt; fail "the CD lead-in LBA"; }
expect 2 "$D" extract mix.dl --lba -45151 --count 1		# before 90:00:00
grep -q "CD-ROM, LBA -45150\.\." err.txt || { cat err.txt; fail "the CD's limits"; }

check "--help of every subcommand; bad arguments exit 2, a missing file 3"
expect 0 "$D" --help
for c in info extract verify diff import export; do
	expect 0 "$D" "$c" --help
	grep -q "^usage: disclog $c" out.txt || fail "$c --help"
done
expect 2 "$D"
expect 2 "$D" frobnicate
expect 2 "$D" info
expect 2 "$D" info --bogus disc.dl
expect 2 "$D" extract disc.dl --lba x --count 1
expect 2 "$D" extract disc.dl --lba 0
expect 2 "$D" diff disc.dl
expect 2 "$D" import src.iso x.dl --media floppy
expect 2 "$D" export disc.dl --format pdf -o x
expect 2 "$D" export disc.dl --format iso
grep -q "disclog" err.txt || fail "bad arguments without a message"
expect 3 "$D" info /nonexistent/disc.dl
