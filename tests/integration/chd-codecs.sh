#!/bin/bash
# libchd's decode-only codecs (lzma, huff, flac, cdlz, cdfl) on CHDs chdman makes here
# and now, larger than fixtures/chd's and with chdman's default hunk sizes and codec
# sets: 2 MiB of text, random, skewed and audio blocks (createraw, hunks of 4 KiB:
# -c lzma, -c huff, and the default lzma,zlib,huff,flac), 16-bit stereo audio with both
# sample orders in hunks of 16 KiB and 9408 bytes (-c flac: two FLAC frames a hunk), and
# a CD of a Mode 1 track and an audio track in hunks of 8 frames (createcd: -c cdlz,
# -c cdfl and the default cdlz,cdzl,cdfl).  tests/integration/chdread decodes each,
# checks the hunks' SHA-1 against chdman's raw SHA-1 and counts the hunks of each
# codec; its output must equal the input (raw) and chdman extractraw's (every CHD).  A
# damaged hunk and a cut file are refused with a message.  Skipped without chdman.
source "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${CHDREAD:?CHDREAD must name tests/integration/chdread}"
: "${DISCLOG:?DISCLOG must name the disclog tool}"
need chdman
need perl
need cmp

cd "$WORK" || fail "cannot cd to $WORK"

# make OUT chdman-args...: chdman makes OUT and verifies it
make_chd() {
	local out=$1; shift
	chdman "$@" -o "$out" -f >chdman.log 2>&1 || { cat chdman.log; fail "chdman $* failed"; }
	chdman verify -i "$out" >chdman.log 2>&1 || { cat chdman.log; fail "chdman cannot verify its own $out"; }
}

# read CHD: chdread into CHD.out, its census line in CENSUS; the same bytes as
# chdman extractraw's
read_chd() {
	CENSUS=$("$CHDREAD" "$1" "$1.out" 2>chdread.err) || { cat chdread.err; fail "chdread $1 failed"; }
	echo "$1: $CENSUS"
	chdman extractraw -i "$1" -o "$1.ref" -f >chdman.log 2>&1 || { cat chdman.log; fail "chdman extractraw $1"; }
	cmp "$1.out" "$1.ref" || fail "$1: libchd's bytes differ from chdman extractraw's"
}

# count CODEC: the census's count of hunks stored with CODEC
count() { sed -n "s/.* $1 \([0-9]*\).*/\1/p" <<<"$CENSUS"; }

# needs CODEC...: every CODEC stored at least one hunk
needs() {
	local c n
	for c in "$@"; do
		n=$(count "$c")
		[ "${n:-0}" -gt 0 ] || fail "no hunk stored with $c ($CENSUS)"
	done
}

# ---- audio: 1 MiB of 16-bit stereo, little-endian then big-endian ----
perl -e '$x = 7; for $h (0, 1) { for $i (0..131071) { $x = ($x * 1103515245 + 12345) % 2147483648;
	$n = ($x >> 16) % 65 - 32; $l = int(9000 * sin($i * 0.0571)) + $n; $r = int(7000 * sin($i * 0.0813 + 1)) - $n;
	print $h ? pack("s>s>", $l, $r) : pack("s<s<", $l, $r); } }' >audio.bin

# ---- raw: 2 MiB in 64 KiB blocks of text, random bytes, independent bytes of a skewed
# distribution (Huffman beats LZMA there) and audio, in turn ----
mkdata random.bin 1 41
awk 'BEGIN { for (i = 0; i < 26000; i++) printf "%06d burnlab chd codecs, line %d of the text blocks: %s\n", i, i * 7 % 1013, substr("the quick brown fox jumps over the lazy dog", 1 + i % 40) }' >text.txt
LC_ALL=C awk 'BEGIN { srand(5); for (i = 0; i < 524288; i++) { v = int(-log(1 - rand()) * 6); printf "%c", 65 + (v > 150 ? 150 : v) } }' >skewed.bin
: >raw.bin
for b in $(seq 0 7); do
	for f in text.txt random.bin skewed.bin audio.bin; do
		dd if=$f bs=65536 skip="$b" count=1 status=none >>raw.bin
	done
done
[ "$(stat -c %s raw.bin)" -eq 2097152 ] || fail "raw.bin is not 2 MiB"

check "createraw -c lzma, 512 hunks of 4 KiB: libchd's bytes are the file's and chdman's"
make_chd raw-lzma.chd createraw -i raw.bin -hs 4096 -us 512 -c lzma
read_chd raw-lzma.chd
cmp raw-lzma.chd.out raw.bin || fail "raw-lzma.chd does not decode to raw.bin"
needs lzma

check "createraw -c huff: the same"
make_chd raw-huff.chd createraw -i raw.bin -hs 4096 -us 512 -c huff
read_chd raw-huff.chd
cmp raw-huff.chd.out raw.bin || fail "raw-huff.chd does not decode to raw.bin"
needs huff

check "createraw with chdman's default codecs (lzma, zlib, huff, flac): the same, lzma, huff and flac used"
make_chd raw-default.chd createraw -i raw.bin -hs 4096 -us 512
read_chd raw-default.chd
cmp raw-default.chd.out raw.bin || fail "raw-default.chd does not decode to raw.bin"
needs lzma huff flac

check "createraw -c flac, hunks of 16 KiB (two 2048-sample FLAC frames each), 'L' and 'B' hunks"
make_chd flac-16k.chd createraw -i audio.bin -hs 16384 -us 4 -c flac
read_chd flac-16k.chd
cmp flac-16k.chd.out audio.bin || fail "flac-16k.chd does not decode to audio.bin"
needs flac

check "createraw -c flac, hunks of 9408 bytes (two 1176-sample FLAC frames each)"
head -c $((9408 * 100)) audio.bin >audio-9408.bin
tail -c $((9408 * 10)) audio.bin >>audio-9408.bin
make_chd flac-9408.chd createraw -i audio-9408.bin -hs 9408 -us 4 -c flac
read_chd flac-9408.chd
cmp flac-9408.chd.out audio-9408.bin || fail "flac-9408.chd does not decode to audio-9408.bin"
needs flac

# ---- a CD: 200 Mode 1 sectors (disclog makes their EDC and parity), 400 audio frames ----
perl -e 'for $s (0..199) { $t = ""; $i = 0; while (length($t) < 2048) { $t .= sprintf("sector %03d line %02d %s\n", $s, $i++, "-" x (($s + $i) % 31)); } print substr($t, 0, 2048); }' >data.iso
"$DISCLOG" import data.iso data.dl --media cd-rom --force >/dev/null || fail "disclog import"
"$DISCLOG" export data.dl --format cue -o data >/dev/null || fail "disclog export"
head -c $((400 * 2352)) audio.bin >cdaudio.bin
cat >cd.cue <<'EOF'
FILE "data.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
FILE "cdaudio.bin" BINARY
  TRACK 02 AUDIO
    INDEX 01 00:00:00
EOF

check "createcd -c cdlz (8 frames a hunk): libchd's bytes are chdman's"
make_chd cd-cdlz.chd createcd -i cd.cue -c cdlz
read_chd cd-cdlz.chd
needs cdlz

check "createcd -c cdfl: the same"
make_chd cd-cdfl.chd createcd -i cd.cue -c cdfl
read_chd cd-cdfl.chd
needs cdfl

check "createcd with chdman's default codecs (cdlz, cdzl, cdfl): the same, cdlz and cdfl both used"
make_chd cd-default.chd createcd -i cd.cue
read_chd cd-default.chd
needs cdlz cdfl
# the sectors, frame by frame, are the CUE's (audio byte-swapped: CHD audio is big-endian)
perl -e 'open(D, "data.bin") or die; open(A, "cdaudio.bin") or die; binmode D; binmode A;
	while (read(D, $s, 2352)) { print $s, "\0" x 96 } while (read(A, $s, 2352)) { print pack("n*", unpack("v*", $s)), "\0" x 96 }' >cd.expect
cmp cd-default.chd.out cd.expect || fail "cd-default.chd's frames are not the CUE's sectors"

check "a damaged hunk and a cut file are refused with a message"
size=$(stat -c %s cd-cdfl.chd)
cp cd-cdfl.chd damaged.chd
printf '\x5a' | dd of=damaged.chd bs=1 seek=$((size / 2)) conv=notrunc status=none
rc=0
"$CHDREAD" damaged.chd damaged.out 2>chdread.err >/dev/null || rc=$?
cat chdread.err
[ "$rc" -eq 1 ] && grep -q "chdread: read:" chdread.err || fail "damaged.chd: chdread exited $rc"
head -c $((size / 2)) cd-cdfl.chd >cut.chd
rc=0
"$CHDREAD" cut.chd cut.out 2>chdread.err >/dev/null || rc=$?
cat chdread.err
[ "$rc" -eq 1 ] && [ -s chdread.err ] || fail "cut.chd: chdread exited $rc"
