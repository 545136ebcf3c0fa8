#!/bin/bash
# libchd (chd/) against MAME's chdman, both ways.  tests/unit/chdtool writes a raw CHD
# (4096-byte hunks, 2048-byte units; zlib, and uncompressed) and a one-track CD CHD
# (cdzl, CHT2 metadata, Mode 1 sectors made by disclog's cds_ codec so that ECC is
# stripped and regenerated): chdman info, verify and extractraw/extractcd must accept
# them and give the same bytes back.  Then chdman createraw and createcd write, and
# libchd must read back the source bytes and the track metadata.
source "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
: "${CHDTOOL:?CHDTOOL must name tests/unit/chdtool}"
need chdman
need cmp

T=$CHDTOOL
cd "$WORK" || fail "cannot cd to $WORK"

# run CMD...: CMD must exit 0; its output is kept in out.txt.
run() {
	"$@" >out.txt 2>&1 || { cat out.txt; fail "'$*' exited $?"; }
}

# Raw data: random, zeros, a repeated block, text, and a partial last hunk.
mkdata rnd.bin 1 7
{ head -c 300000 rnd.bin; head -c 200000 /dev/zero; head -c 65536 rnd.bin; head -c 65536 rnd.bin
  seq 1 60000; head -c 1234 rnd.bin; } >raw.bin

check "libchd's raw CHD (zlib, hunk 4096, unit 2048): chdman info shows its geometry"
run "$T" write-raw raw.bin mine.chd 4096 2048 zlib
run chdman info -v -i mine.chd
cat out.txt
grep -q "File Version: 5" out.txt && grep -q "Hunk Size: *4,096 bytes" out.txt &&
	grep -q "Unit Size: *2,048 bytes" out.txt && grep -q "Compression: *zlib" out.txt ||
	fail "chdman info does not show a v5 CHD of 4096-byte hunks and 2048-byte units, zlib"
size=$(sed -n 's/^Logical size: *\([0-9,]*\) bytes.*/\1/p' out.txt | tr -d ,)
[ "$size" = "$(stat -c %s raw.bin)" ] || fail "chdman info shows $size logical bytes, not $(stat -c %s raw.bin)"
grep -q "Copy from self" out.txt || fail "the repeated hunks are not stored as references"

check "chdman verify accepts libchd's raw CHD (raw and overall SHA-1)"
run chdman verify -i mine.chd
grep -q "Raw SHA1 verification successful" out.txt && grep -q "Overall SHA1 verification successful" out.txt ||
	{ cat out.txt; fail "chdman verify"; }

check "chdman extractraw of libchd's raw CHD gives the source bytes"
run chdman extractraw -i mine.chd -o back.bin -f
cmp back.bin raw.bin || fail "extractraw differs from the source"

check "chdman extractraw of libchd's uncompressed CHD gives the source bytes"
run "$T" write-raw raw.bin mine-none.chd 4096 2048 none
run chdman info -i mine-none.chd
grep -q "Compression: *none" out.txt || { cat out.txt; fail "not an uncompressed CHD"; }
run chdman extractraw -i mine-none.chd -o back-none.bin -f
cmp back-none.bin raw.bin || fail "extractraw of the uncompressed CHD differs"

check "libchd's CD CHD (cdzl, Mode 1 sectors): chdman info shows CHT2 and compressed hunks"
run "$T" mode1-bin cd.bin 1001
run "$T" write-cd cd.bin mine-cd.chd MODE1_RAW
run chdman info -v -i mine-cd.chd
cat out.txt
grep -q "Compression: *cdzl" out.txt && grep -q "Hunk Size: *19,584 bytes" out.txt &&
	grep -q "Unit Size: *2,448 bytes" out.txt ||
	fail "chdman info does not show a cdzl CHD of 8-frame hunks"
grep -q "TRACK:1 TYPE:MODE1_RAW SUBTYPE:NONE FRAMES:1001 PREGAP:0 PGTYPE:MODE1 PGSUB:NONE POSTGAP:0" out.txt ||
	fail "chdman info does not show the CHT2 track"
# Stripped sync and parity: two thirds of the sectors compress well.
[ "$(stat -c %s mine-cd.chd)" -lt $(( $(stat -c %s cd.bin) * 2 / 3 )) ] ||
	fail "the CD CHD is $(stat -c %s mine-cd.chd) bytes for a $(stat -c %s cd.bin)-byte bin: ECC not stripped?"

check "chdman verify accepts libchd's CD CHD"
run chdman verify -i mine-cd.chd
grep -q "Raw SHA1 verification successful" out.txt && grep -q "Overall SHA1 verification successful" out.txt ||
	{ cat out.txt; fail "chdman verify"; }

check "chdman extractcd of libchd's CD CHD gives the source sectors"
run chdman extractcd -i mine-cd.chd -o back.cue -ob back-cd.bin -f
cmp back-cd.bin cd.bin || fail "extractcd differs from the source bin"
grep -q "MODE1/2352" back.cue || { cat back.cue; fail "extractcd's cue has no MODE1/2352 track"; }

check "libchd reads chdman's raw CHD (createraw -c zlib, hunk 4096, unit 2048)"
run chdman createraw -i raw.bin -o theirs.chd --hunksize 4096 --unitsize 2048 -c zlib -f
run "$T" read-raw theirs.chd theirs.bin
cmp theirs.bin raw.bin || fail "libchd's reading of chdman's raw CHD differs from the source"

check "libchd reads chdman's uncompressed raw CHD (createraw -c none)"
run chdman createraw -i raw.bin -o theirs-none.chd --hunksize 4096 --unitsize 2048 -c none -f
run "$T" read-raw theirs-none.chd theirs-none.bin
cmp theirs-none.bin raw.bin || fail "libchd's reading of chdman's uncompressed CHD differs"

check "libchd reads chdman's CD CHD (createcd -c cdzl of a MODE1/2352 cue+bin) and its CHT2"
printf 'FILE "cd.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' >cd.cue
run chdman createcd -i cd.cue -o theirs-cd.chd -c cdzl -f
run "$T" read-cd theirs-cd.chd theirs-cd.bin
cmp theirs-cd.bin cd.bin || fail "libchd's reading of chdman's CD CHD differs from the bin"
run "$T" meta theirs-cd.chd CHT2 0
grep -aq "^TRACK:1 TYPE:MODE1_RAW SUBTYPE:NONE FRAMES:1001 " out.txt || { cat out.txt; fail "CHT2 metadata"; }

check "a CHD in a codec libchd does not read is refused by name, or read right"
run chdman createraw -i raw.bin -o theirs-lzma.chd --hunksize 4096 --unitsize 2048 -c lzma -f
if "$T" read-raw theirs-lzma.chd theirs-lzma.bin 2>err.txt; then
	cmp theirs-lzma.bin raw.bin || fail "libchd's reading of chdman's lzma CHD differs"
else
	grep -q "codec 'lzma' is not supported" err.txt || { cat err.txt; fail "no codec name in the refusal"; }
fi
