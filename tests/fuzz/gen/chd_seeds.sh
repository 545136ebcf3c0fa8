#!/bin/bash
# tests/fuzz/gen/chd_seeds.sh CHDTOOL DISCLOG FIXTURES OUT_DIR - the seeds of fuzz_chd
# that libchd writes (fixtures/chd holds chdman's, one per decode-only codec): raw CHDs
# with zlib and uncompressed, CD CHDs with cdzl (Mode 1, audio, both with a pregap
# between them, made by disclog's CHD export of the CUE import) and a DVD CHD (zlib,
# 'DVD ' metadata) from an ISO import.  Inputs are cut small so that each seed stays a
# few KiB; CHDTOOL is tests/unit/chdtool, DISCLOG disclog/disclog.
set -eu
chdtool=$1 disclog=$2 fx=$3 out=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
head -c 12288 "$fx/chd/text.bin" >"$tmp/text12k"
"$chdtool" write-raw "$tmp/text12k" "$out/raw-zlib.chd" 1024 512 zlib
head -c 3072 "$fx/chd/text.bin" >"$tmp/text3k"
"$chdtool" write-raw "$tmp/text3k" "$out/raw-none.chd" 512 512 none
"$chdtool" write-cd "$fx/chd/data.bin" "$out/cd-mode1-cdzl.chd" MODE1_RAW
head -c 9408 "$fx/chd/cdaudio.bin" >"$tmp/audio4"
"$chdtool" write-cd "$tmp/audio4" "$out/cd-audio-cdzl.chd" AUDIO
# two tracks with a pregap, through the CUE import and disclog's CHD export
cp "$fx/chd/data.bin" "$tmp/data.bin"
head -c 9408 "$fx/chd/cdaudio.bin" >"$tmp/cdaudio.bin"
printf '%s\n' 'FILE "data.bin" BINARY' '  TRACK 01 MODE1/2352' '    INDEX 01 00:00:00' \
	'FILE "cdaudio.bin" BINARY' '  TRACK 02 AUDIO' '    INDEX 00 00:00:00' '    INDEX 01 00:00:02' >"$tmp/cd.cue"
"$disclog" import "$tmp/cd.cue" "$tmp/cd.dl" >/dev/null
"$disclog" export "$tmp/cd.dl" --format chd -o "$tmp/cd2" >/dev/null
cp "$tmp/cd2.chd" "$out/cd-two-tracks-cdzl.chd"
# a DVD: 8 sectors of 2048
head -c 16384 "$fx/chd/text.bin" >"$tmp/dvd.iso"
"$disclog" import "$tmp/dvd.iso" "$tmp/dvd.dl" --media dvd-rom >/dev/null
"$disclog" export "$tmp/dvd.dl" --format chd -o "$tmp/dvd" >/dev/null
cp "$tmp/dvd.chd" "$out/dvd-zlib.chd"
