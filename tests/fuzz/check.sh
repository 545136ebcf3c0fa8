#!/bin/bash
# tests/fuzz/check.sh - make check's part of the fuzzing (tests/fuzz/README.md): every
# fuzz target, built without libFuzzer (tests/fuzz/fuzz_NAME_check, standalone.c), runs
# each file of its seed corpus (tests/fuzz/corpus/NAME/) and of its crash regressions
# (tests/fuzz/regress/NAME/) once.  One check per target; under --enable-sanitizers a
# sanitizer report fails it too.  Without sanitizers, a second check per target runs the
# same inputs under valgrind's memcheck, which also sees what ASan cannot: reads of
# uninitialised bytes, and reads past a heap block by libraries built without ASan
# (libiscsi, zlib); any memcheck error fails it.
# Environment (make check): FUZZ_TARGETS (the names), FUZZ_BUILDDIR (where the
# programs are), FUZZ_SRCDIR (tests/fuzz in the source tree), TESTLIB.
. "$TESTLIB"

[ -n "${FUZZ_TARGETS:-}" ] || bail "FUZZ_TARGETS is not set"
for name in $FUZZ_TARGETS; do
	prog="$FUZZ_BUILDDIR/fuzz_${name}_check"
	dirs=()
	for d in "$FUZZ_SRCDIR/corpus/$name" "$FUZZ_SRCDIR/regress/$name"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	if [ ! -x "$prog" ]; then
		not_ok "fuzz_$name: inputs run" "$prog is not built"
		continue
	fi
	if [ ${#dirs[@]} -eq 0 ]; then
		not_ok "fuzz_$name: inputs run" "no corpus/$name nor regress/$name"
		continue
	fi
	log="$TESTTMP/fuzz-$name.log"
	mkdir -p "$TESTTMP"
	if "$prog" "${dirs[@]}" >"$log" 2>&1; then
		ok "fuzz_$name: $(tail -n 1 "$log" | sed 's/.*: //')"
	else
		tail -n 40 "$log"
		# the last "input FILE" line names the input that crashed
		not_ok "fuzz_$name: inputs run" "$(grep '^input ' "$log" | tail -n 1)"
	fi
	what="fuzz_$name under valgrind memcheck"
	if [ -n "${BURNLAB_SANITIZERS:-}" ]; then
		skip_check "$what" "built with sanitizers, which valgrind cannot run"
		continue
	elif ! command -v valgrind >/dev/null 2>&1; then
		skip_check "$what" "valgrind is not installed (Debian: valgrind)"
		continue
	fi
	vlog="$TESTTMP/fuzz-$name.valgrind.log"
	if valgrind -q --error-exitcode=99 --exit-on-first-error=yes --track-origins=yes \
			"$prog" "${dirs[@]}" >"$vlog" 2>&1; then
		ok "$what: $(grep -c '^input ' "$vlog") inputs, no errors"
	else
		grep -v '^input ' "$vlog" | head -n 40
		not_ok "$what" "$(grep '^input ' "$vlog" | tail -n 1)"
	fi
done
