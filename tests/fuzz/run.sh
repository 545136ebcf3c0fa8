#!/bin/bash
# tests/fuzz/run.sh SRCDIR - make fuzz (tests/fuzz/README.md, doc/fuzzing.md).
#
# Builds the project with clang, libFuzzer, ASan, UBSan and source coverage in its own
# tree (a copy of SRCDIR under $FUZZ_BUILD/src: automake refuses a second build
# directory beside an in-tree build), runs every target of $FUZZ_TARGETS for
# $FUZZ_SECONDS seconds on a work corpus seeded from tests/fuzz/corpus/NAME (kept in
# $FUZZ_BUILD/corpus/NAME across runs), then runs that corpus once more with
# profiling and prints one table: target, executions per second, corpus size, line
# coverage of the files the target names in its "fuzz-covers:" comment.
# Exit status: 0 when no target crashed (also when clang's fuzzer runtime is missing:
# "fuzz: skip: ..."), 1 when one did (the crashing input is named), 2 when the build
# failed.
set -u
src=$(cd "${1:?usage: run.sh SRCDIR}" && pwd)
build=${FUZZ_BUILD:?FUZZ_BUILD is not set}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:?FUZZ_TARGETS is not set}
make=${MAKE:-make}

skip() { echo "fuzz: skip: $*"; exit 0; }

# llvm tools: plain names (package llvm) or versioned ones (llvm-14).
tool() {
	local t
	for t in "$1" "$1"-14 "$1"-15 "$1"-16; do
		command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
	done
	return 1
}
command -v clang >/dev/null 2>&1 || skip "clang is not installed (Debian: clang)"
profdata=$(tool llvm-profdata) || skip "llvm-profdata is not installed (Debian: llvm)"
llvmcov=$(tool llvm-cov) || skip "llvm-cov is not installed (Debian: llvm)"
mkdir -p "$build"
probe="$build/probe"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe.c"
if ! clang -fsanitize=fuzzer,address,undefined -fprofile-instr-generate -fcoverage-mapping \
		"$probe.c" -o "$probe" >"$probe.log" 2>&1; then
	sed 's/^/  /' "$probe.log" | tail -n 5
	skip "clang cannot link a libFuzzer program (Debian: libclang-rt-14-dev)"
fi

# The copy: tracked and untracked (not ignored) files of a git checkout, else the
# whole tree cleaned of a build.  tar keeps the times, so the next run rebuilds only
# what changed.
mkdir -p "$build/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
		tar -c --null -T - -f -) | tar -x -C "$build/src" -f - || exit 2
else
	(cd "$src" && tar -c --exclude=./fuzz-build -f - .) | tar -x -C "$build/src" -f - || exit 2
	[ ! -f "$build/src/Makefile" ] || [ -f "$build/src/.fuzz-configured" ] ||
		(cd "$build/src" && $make distclean >/dev/null 2>&1)
fi
cd "$build/src" || exit 2
fuzz_cflags='-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fprofile-instr-generate -fcoverage-mapping'
if [ ! -f configure ]; then
	echo "fuzz: autoreconf in $build/src"
	(mkdir -p m4 && autoreconf -fi) >"$build/autoreconf.log" 2>&1 || { tail -n 20 "$build/autoreconf.log"; exit 2; }
fi
if [ ! -f .fuzz-configured ] || [ "$(cat .fuzz-configured)" != "$fuzz_cflags" ]; then
	echo "fuzz: configuring $build/src with clang"
	if ! ./configure CC=clang CFLAGS="$fuzz_cflags" --disable-werror --disable-shared \
			>"$build/configure.log" 2>&1; then
		tail -n 20 "$build/configure.log"
		exit 2
	fi
	echo "$fuzz_cflags" >.fuzz-configured
fi
progs=""
for t in $targets; do progs="$progs tests/fuzz/fuzz_$t"; done
echo "fuzz: building$progs"
if ! $make -j2 $progs >"$build/make.log" 2>&1; then
	grep -E 'error|Error' "$build/make.log" | head -n 30
	exit 2
fi

# The fuzzing.  A crash, leak, sanitizer report or timeout stops libFuzzer with a
# non-zero status and writes the input to $build/crashes/.
mkdir -p "$build/crashes" "$build/prof"
crashed=0
rows=()
for t in $targets; do
	prog="$build/src/tests/fuzz/fuzz_$t"
	work="$build/corpus/$t"
	mkdir -p "$work"
	[ -d "$src/tests/fuzz/corpus/$t" ] && cp -n "$src/tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null
	log="$build/fuzz_$t.log"
	echo "fuzz: fuzz_$t for ${seconds}s (log: $log)"
	LLVM_PROFILE_FILE=/dev/null "$prog" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/crashes/$t-" "$work" >"$log" 2>&1
	rc=$?
	eps=$(awk '/stat::average_exec_per_sec:/ { print $2 }' "$log")
	if [ $rc -ne 0 ]; then
		crashed=1
		input=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -n 1)
		grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -n 5
		echo "fuzz: fuzz_$t CRASHED on ${input:-an input (see $log)}"
		echo "fuzz:   reproduce: $prog ${input:-}"
		rows+=("$t ${eps:--} $(ls "$work" | wc -l) CRASH")
		continue
	fi
	# Coverage: every corpus input once, profiled; report only the code under test.
	covers=$(sed -n 's|.*fuzz-covers:\(.*\)\*/.*|\1|p' "$src/tests/fuzz/fuzz_$t.c" | head -n 1)
	files=()
	for f in $covers; do files+=("$build/src/$f"); done
	rm -f "$build/prof/$t".*
	LLVM_PROFILE_FILE="$build/prof/$t.profraw" "$prog" -runs=0 "$work" >"$build/cov_$t.log" 2>&1
	cov="-"
	if "$profdata" merge -sparse "$build/prof/$t.profraw" -o "$build/prof/$t.profdata" 2>/dev/null &&
			"$llvmcov" report "$prog" -instr-profile="$build/prof/$t.profdata" "${files[@]}" \
				>"$build/cov_$t.txt" 2>&1; then
		# TOTAL: regions missed cover functions missed cover lines missed cover ...
		cov=$(awk '$1 == "TOTAL" && $8 > 0 { printf "%.1f%%", 100 * ($8 - $9) / $8 }' "$build/cov_$t.txt")
	fi
	rows+=("$t ${eps:--} $(ls "$work" | wc -l) ${cov:--}")
done

echo
printf '%-16s %10s %8s %14s\n' target exec/s corpus line-coverage
for r in "${rows[@]}"; do
	set -- $r
	printf '%-16s %10s %8s %14s\n' "fuzz_$1" "$2" "$3" "$4"
done
echo "(coverage: files named by each target's fuzz-covers comment; details in $build/cov_NAME.txt)"
exit $crashed
