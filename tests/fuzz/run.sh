#!/bin/bash
# tests/fuzz/run.sh SRCDIR - make fuzz (tests/fuzz/README.md, doc/fuzzing.md).
#
# Two clang builds of the project in $FUZZ_BUILD, from one copy of SRCDIR
# ($FUZZ_BUILD/src: automake refuses a second build directory beside an in-tree build):
#   fuzz/  -fsanitize=fuzzer,address,undefined: the libFuzzer programs tests/fuzz/fuzz_NAME
#   cov/   -fprofile-instr-generate -fcoverage-mapping: the standalone programs
#          tests/fuzz/fuzz_NAME_check, for the line coverage
# Every target of $FUZZ_TARGETS runs for $FUZZ_SECONDS seconds on its work corpus
# $FUZZ_BUILD/corpus/NAME (kept across runs; the seeds tests/fuzz/corpus/NAME and the
# regressions tests/fuzz/regress/NAME are read too), then the work corpus runs once
# through the coverage build with the seeds and regressions.  One table: target, executions per second, corpus size,
# line coverage of the files the target names in its "fuzz-covers:" comment, crashes.
# Exit status: 0 when no target crashed (also when clang's fuzzer runtime is missing:
# "fuzz: skip: ..."), 1 when one did (the crashing input is named), 2 when a build failed.
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
	for t in "$1" "$1"-14 "$1"-15 "$1"-16 "$1"-17 "$1"-18 "$1"-19; do
		command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
	done
	return 1
}
cc=$(tool clang) || skip "clang is not installed (Debian: clang)"
profdata=$(tool llvm-profdata) || skip "llvm-profdata is not installed (Debian: llvm)"
llvmcov=$(tool llvm-cov) || skip "llvm-cov is not installed (Debian: llvm)"
mkdir -p "$build"
probe="$build/probe"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >"$probe.log" 2>&1; then
	sed 's/^/  /' "$probe.log" | tail -n 5
	skip "$cc cannot link a libFuzzer program (Debian: libclang-rt-14-dev, or the runtime of your clang)"
fi
printf '%s\n' 'int main(void) { return 0; }' >"$probe-cov.c"
if ! "$cc" -fprofile-instr-generate -fcoverage-mapping "$probe-cov.c" -o "$probe-cov" \
		>"$probe.log" 2>&1; then
	sed 's/^/  /' "$probe.log" | tail -n 5
	skip "$cc cannot link a program with source coverage (its profile runtime is missing)"
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
	[ ! -f "$build/src/Makefile" ] || (cd "$build/src" && $make distclean >/dev/null 2>&1)
fi
if [ ! -f "$build/src/configure" ] || [ "$build/src/configure.ac" -nt "$build/src/configure" ]; then
	echo "fuzz: autoreconf in $build/src"
	(cd "$build/src" && mkdir -p m4 && autoreconf -fi) >"$build/autoreconf.log" 2>&1 ||
		{ tail -n 20 "$build/autoreconf.log"; exit 2; }
fi

# configure_build DIR CFLAGS: configure the copy in $build/DIR (again when the flags
# changed).
configure_build() {
	local dir="$build/$1" flags="$2"
	mkdir -p "$dir"
	if [ ! -f "$dir/config.status" ] || [ "$(cat "$dir/.fuzz-cflags" 2>/dev/null)" != "$flags" ]; then
		echo "fuzz: configuring $dir with $cc"
		if ! (cd "$dir" && "$build/src/configure" CC="$cc" CFLAGS="$flags" \
				--disable-werror --disable-shared) >"$dir/configure.log" 2>&1; then
			tail -n 20 "$dir/configure.log"
			exit 2
		fi
		echo "$flags" >"$dir/.fuzz-cflags"
	fi
}
# UBSan reports abort (no recovery) so that libFuzzer sees them as crashes.
configure_build fuzz '-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined'
configure_build cov '-g -O1 -fprofile-instr-generate -fcoverage-mapping'
fprogs="" cprogs=""
for t in $targets; do
	fprogs="$fprogs tests/fuzz/fuzz_$t"
	cprogs="$cprogs tests/fuzz/fuzz_${t}_check"
done
echo "fuzz: building$fprogs"
if ! (cd "$build/fuzz" && $make -j2 $fprogs) >"$build/fuzz/make.log" 2>&1; then
	grep -E 'error|Error' "$build/fuzz/make.log" | head -n 30
	exit 2
fi
echo "fuzz: building the coverage programs"
if ! (cd "$build/cov" && $make -j2 $cprogs) >"$build/cov/make.log" 2>&1; then
	grep -E 'error|Error' "$build/cov/make.log" | head -n 30
	exit 2
fi

# The line coverage of the files named in the target's fuzz-covers comment, from
# llvm-cov's report (rows: file, regions, missed, cover, functions, missed, executed,
# lines, missed lines, ...): the rows whose path ends in one of those files.
coverage() {
	local t="$1" prog="$build/cov/tests/fuzz/fuzz_${t}_check" covers
	covers=$(sed -n 's|.*fuzz-covers:\(.*\)\*/.*|\1|p; s|.*fuzz-covers:\(.*\)$|\1|p' \
		"$src/tests/fuzz/fuzz_$t.c" | head -n 1)
	rm -f "$build/prof/$t".*
	LLVM_PROFILE_FILE="$build/prof/$t.profraw" "$prog" "$work" "${seeds[@]}" >"$build/cov_$t.log" 2>&1
	"$profdata" merge -sparse "$build/prof/$t.profraw" -o "$build/prof/$t.profdata" 2>/dev/null &&
		"$llvmcov" report "$prog" -instr-profile="$build/prof/$t.profdata" >"$build/cov_$t.txt" 2>&1 ||
		{ echo "-"; return; }
	awk -v covers="$covers" '
		BEGIN { n = split(covers, want, " ") }
		{
			for (i = 1; i <= n; i++) {
				f = want[i]
				if (length($1) >= length(f) && substr($1, length($1) - length(f) + 1) == f &&
				    !(f in seen)) {
					seen[f] = 1; lines += $8; missed += $9
				}
			}
		}
		END { if (lines > 0) printf "%.1f%%\n", 100 * (lines - missed) / lines; else print "-" }
	' "$build/cov_$t.txt"
}

# The fuzzing.  A crash, leak, sanitizer report or timeout stops libFuzzer with a
# non-zero status and writes the input to $build/crashes/.
mkdir -p "$build/crashes" "$build/prof"
crashed=0
rows=()
failures=()
for t in $targets; do
	prog="$build/fuzz/tests/fuzz/fuzz_$t"
	work="$build/corpus/$t"
	mkdir -p "$work"
	seeds=()
	for d in "$src/tests/fuzz/corpus/$t" "$src/tests/fuzz/regress/$t"; do
		[ -d "$d" ] && seeds+=("$d")
	done
	log="$build/fuzz_$t.log"
	echo "fuzz: fuzz_$t for ${seconds}s (log: $log)"
	(cd "$build" && "$prog" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$build/crashes/$t-" \
		"$work" "${seeds[@]}") >"$log" 2>&1
	rc=$?
	eps=$(awk '/stat::average_exec_per_sec:/ { print $2 }' "$log")
	ncrash=0
	if [ $rc -ne 0 ]; then
		crashed=1
		ncrash=1
		input=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -n 1)
		grep -E 'ERROR: |SUMMARY: |runtime error|fuzz_[a-z]*: ' "$log" | head -n 5
		echo "fuzz: fuzz_$t CRASHED on ${input:-an input (see $log)}"
		failures+=("fuzz_$t: ${input:-see $log}; reproduce: $prog ${input:-}")
	fi
	# libFuzzer's corpus at the end (work corpus and seeds, less the redundant ones)
	size=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
	rows+=("$t ${eps:--} ${size:-$(ls "$work" | wc -l)} $(coverage "$t") $ncrash")
done

echo
printf '%-16s %10s %8s %14s %8s\n' target exec/s corpus line-coverage crashes
for r in "${rows[@]}"; do
	set -- $r
	printf '%-16s %10s %8s %14s %8s\n' "fuzz_$1" "$2" "$3" "$4" "$5"
done
echo "(coverage: the files named by each target's fuzz-covers comment; per file in $build/cov_NAME.txt)"
for f in "${failures[@]+"${failures[@]}"}"; do
	echo "fuzz: CRASH $f"
done
exit $crashed
