#!/bin/bash
# The manual pages as make install puts them: every program of bin_PROGRAMS has one;
# mandoc -T lint (and groff -ww, when installed) finds no warning in any of them; and
# every long option that a program's --help prints, or the --help of one of its
# subcommands, is in its page, so that a new option cannot go undocumented.
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need make
command -v mandoc >/dev/null 2>&1 || command -v groff >/dev/null 2>&1 ||
	skip "neither mandoc nor groff is installed"

BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
DEST="$WORK/dest"

check "make install-man installs the pages"
# Only the pages: a full install relinks programs, which install.sh may be doing now.
# Run from make check, the flags of the make above (-w, a jobserver) must not pass on.
MAKEFLAGS= make -C "$BUILD" -s install-man DESTDIR="$DEST" >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; fail "make install-man failed"; }
mapfile -t pages < <(find "$DEST" -path '*/man1/*.1' | sort)
[ "${#pages[@]}" -gt 0 ] || fail "no page in $DEST"
printf '%s\n' "${pages[@]}"
# The programs make install puts in bin/, from the Makefile itself.
programs=$(printf 'lib-print:\n\t@echo $(bin_PROGRAMS)\n' |
	MAKEFLAGS= make -s --no-print-directory -C "$BUILD" -f Makefile -f - lib-print) ||
	fail "cannot read bin_PROGRAMS"
[ -n "$programs" ] || fail "bin_PROGRAMS is empty"
echo "programs: $programs"

# Each page and each program is a check of its own, and all of them are made.
for page in "${pages[@]}"; do
	name=$(basename "$page")
	if command -v mandoc >/dev/null 2>&1; then
		rc=0
		mandoc -T lint -W warning "$page" >"$WORK/$name.mandoc" 2>&1 || rc=$?
		if [ "$rc" -eq 0 ] && [ ! -s "$WORK/$name.mandoc" ]; then
			ok "mandoc -T lint finds no warning in $name"
		else
			not_ok "mandoc -T lint finds no warning in $name" \
				"$(cat "$WORK/$name.mandoc")"$'\n'"mandoc exited $rc"
		fi
	fi
	if command -v groff >/dev/null 2>&1; then
		rc=0
		groff -ww -z -man "$page" >"$WORK/$name.groff" 2>&1 || rc=$?
		if [ "$rc" -eq 0 ] && [ ! -s "$WORK/$name.groff" ]; then
			ok "groff -ww finds no warning in $name"
		else
			not_ok "groff -ww finds no warning in $name" \
				"$(cat "$WORK/$name.groff")"$'\n'"groff exited $rc"
		fi
	fi
done

# help_of PROG: its --help, then the --help of each subcommand its --help lists (as
# "  SUB ARGS" or "Usage: PROG SUB ...") and that answers --help with status 0.
help_of() {
	local prog=$1 name sub
	name=$(basename "$prog")
	timeout 20 "$prog" --help 2>&1 </dev/null
	timeout 20 "$prog" --help 2>&1 </dev/null |
		sed -nE "s/^(  |([Uu]sage:)? +$name )([a-z][a-z-]*)( .*)?\$/\\3/p" | sort -u |
		while read -r sub; do
			timeout 20 "$prog" "$sub" --help >"$WORK/sub.txt" 2>&1 </dev/null &&
				cat "$WORK/sub.txt"
		done
}

# options_missing PROG PAGE: the long options of PROG's help that PAGE does not name.
options_missing() {
	local name opt
	name=$(basename "$1")
	help_of "$1" >"$WORK/$name.help"
	[ -s "$WORK/$name.help" ] || { echo "(no --help output)"; return; }
	# The page's text with the roff escapes of hyphens and fonts taken out.
	sed -e 's/\\-/-/g; s/\\f[BIRP]//g; s/\\(en/-/g' "$2" >"$WORK/$name.text"
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$WORK/$name.help" | sort -u); do
		grep -qE -- "$opt([^a-z0-9-]|\$)" "$WORK/$name.text" || echo "$opt"
	done
}

for p in $programs; do
	name=$(basename "$p")
	what="$name has a manual page that names every long option of its --help"
	page=$(printf '%s\n' "${pages[@]}" | grep "/$name\.1\$")
	if [ -z "$page" ]; then
		not_ok "$what" "no $name.1 installed"
		continue
	fi
	missing=$(options_missing "$BUILD/$p" "$page")
	echo "$name: $(grep -oE -- '--[a-z][a-z0-9-]*' "$WORK/$name.help" | sort -u | wc -l) long options"
	if [ -z "$missing" ]; then ok "$what"; else not_ok "$what" "$name.1 lacks: $(echo $missing)"; fi
done
