#!/bin/bash
# tests/integration/install.sh - libwriteengine as a user gets it: `make install` into a
# staging directory, then doc/examples/burn-file.c is compiled with nothing but the
# installed header and pkg-config file, and burns a file into simdrive; the image must
# hold the file block for block.  Also checks the installed wengine and its man page.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need pkg-config
need cc

BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
SRC=$(cd "$FIXTURES/.." && pwd)
DEST="$WORK/dest"

check "make install: library, headers, pkg-config file, wengine and its man page"
echo "make install DESTDIR=$DEST"
make -C "$BUILD" -s install DESTDIR="$DEST" >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; fail "make install failed"; }
pc=$(find "$DEST" -name libwriteengine.pc | head -n 1)
[ -n "$pc" ] || fail "no libwriteengine.pc installed"
hdr=$(find "$DEST" -name writeengine.h | head -n 1)
[ -n "$hdr" ] && [ -f "$(dirname "$hdr")/imapi2_hresult.h" ] && [ -f "$(dirname "$hdr")/rawcdimage.h" ] ||
	fail "headers not installed"
wengine=$(find "$DEST" -path '*/bin/wengine' | head -n 1)
[ -x "$wengine" ] || fail "wengine not installed"
[ -n "$(find "$DEST" -name wengine.1)" ] || fail "wengine.1 not installed"
echo "   $pc, $hdr, $wengine"

check "doc/examples/burn-file.c builds with pkg-config only; the library exports only public names"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$DEST"
flags=$(pkg-config --cflags --libs libwriteengine) || fail "pkg-config libwriteengine failed"
echo "   pkg-config: $flags"
# A sanitizer build's library needs the sanitizer runtime in the program too.
san=$(sed -n 's/^SAN_LDFLAGS = //p' "$BUILD/Makefile")
# shellcheck disable=SC2086
cc -std=c11 -Wall -Werror -o "$WORK/burn-file" "$SRC/doc/examples/burn-file.c" $flags $san ||
	fail "the example does not build against the installed library"
libdir=$(dirname "$(find "$DEST" -name 'libwriteengine.so*' | head -n 1)")
nm -D --defined-only "$libdir/libwriteengine.so" | awk '{ print $3 }' |
	grep -v -E '^(write_engine_|disc_recorder_ex_|imapi_|disc_format2_|raw_cd_image_|raw_cd_track_info_)' |
	grep -v '^_' >"$WORK/extra-symbols"
[ -s "$WORK/extra-symbols" ] && { cat "$WORK/extra-symbols"; fail "libwriteengine exports private symbols"; }

check "the example burns 4 MiB into a blank DVD+R in simdrive, block for block"
mkdata "$WORK/data" 4 31
sim_start install --drive "lun=0,media=dvd+r,image=$WORK/disc.disclog"
LD_LIBRARY_PATH="$libdir" "$WORK/burn-file" "iscsi://$SIM_HOST/$SIM_TARGET/0" "$WORK/data" ||
	fail "burn-file failed"
sim_stop
"$DISCLOG" extract "$WORK/disc.disclog" --lba 0 --count 2048 -o "$WORK/back" ||
	fail "disclog extract failed"
cmp "$WORK/data" "$WORK/back" || fail "the image differs from the file"

check "the installed wengine runs"
LD_LIBRARY_PATH="$libdir" "$wengine" --version || fail "installed wengine does not run"
