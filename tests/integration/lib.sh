# tests/integration/lib.sh - sourced by the integration tests (bash).
#
# Starts the real simdrive daemon on 127.0.0.1 with an ephemeral port and waits for
# its ready line (no sleeps, no fixed ports); stops it cleanly on exit.  Reports in TAP
# (make check reads it with automake's tap-driver.sh), one line per check.
#
#   sim_start NAME [simdrive flags...]  start one daemon; sets SIM_PORT, SIM_PID,
#                                       SIM_HOST (127.0.0.1:port), SIM_LOG, SIM_TARGET
#   sim_stop                            SIGTERM, wait, and fail if it did not exit 0
#   check "what"                        begin the next check; it is "ok N - what" when
#                                       the next one begins or the script ends, unless
#                                       fail was called meanwhile
#   ok "what"                           one check that passed
#   not_ok "what" ["why"]               one check that failed; the script goes on
#   skip_check "what" "why"             one check that cannot run here (ok # SKIP)
#   fail "reason"                       the check under way (or a new one named by the
#                                       reason) is "not ok"; stop: exit 1
#   skip "reason"                       stop: before any check the whole test is skipped
#                                       ("1..0 # SKIP reason"), after some the rest is
#                                       one skipped check; exit 77
#   bail "reason"                       "Bail out!": the test cannot run at all; exit 99
#   relay_tap NAME FILE                 the results of a TAP stream program NAME wrote
#                                       to FILE, as checks of this script
#   need PROG                           skip unless PROG is installed
#   at_exit COMMAND                     run COMMAND at exit (before simdrive is killed)
#   mkdata FILE MIB SEED                deterministic data file (not all zero), MIB MiB
#   proc_kib PID FIELD                  a kB field of /proc/PID/status (VmRSS, VmHWM), in KiB
#   ram_dir NAME KIB                    sets RAM_DIR: a new directory under /dev/shm when
#                                       that has room for KIB KiB (removed at exit),
#                                       else $WORK
#
# Everything else the script and its programs print, on standard output or error,
# becomes a TAP comment ("# ..."): a program's own "ok"/"not ok" lines cannot pass for
# checks, and the log keeps the order.  The plan ("1..N") is printed at exit; a script
# that stops with another status than these is a "Bail out!".  Call check, ok, fail
# and friends with the script's standard output, not inside $(...) or a redirection.
# The benchmarks and the demo source this file too: LIB_TAP=no before sourcing keeps
# their output plain (no TAP lines, no plan).
#
# Environment (set by make check): SIMDRIVE, TESTTMP, FIXTURES, ICLIENT, BADINPUT.

set -u
LIB_TAP=${LIB_TAP:-yes}

# The script runs again as a child whose output goes through a filter: lines marked
# by tap_out (a leading \001) are TAP, every other line is commented out.  Waiting
# for the whole pipeline keeps the exit status the driver reads after the last line.
if [ "$LIB_TAP" = yes ] && [ -z "${LIB_TAP_CHILD:-}" ]; then
	LIB_TAP_CHILD=1 "$BASH" "$0" "$@" 2>&1 | sed -u -e 's/^\x01//;t' -e 's/^$/#/;t' -e 's/^/# /'
	exit "${PIPESTATUS[0]}"
fi
unset LIB_TAP_CHILD

TEST_NAME=$(basename "$0" .sh)
TAP_N=0		# results printed
TAP_OPEN=""	# the check under way
TAP_FAILED=0
TAP_END=""	# set once the stream is complete (skipped, bailed out)
TAP_EXIT=""	# the status fail or skip exits with
LIB_AT_EXIT=()
SIM_PIDS=""

tap_out() { [ "$LIB_TAP" != yes ] || printf '\001%s\n' "$*"; }
# tap_result ok|"not ok" DESC [DIRECTIVE]: a '#' in DESC would start a directive.
tap_result() {
	local desc=${2//#/\\#}
	TAP_N=$((TAP_N + 1))
	tap_out "$1 $TAP_N - ${desc//$'\n'/ }${3:+ # $3}"
}
# The check under way passed.
tap_close() {
	[ -n "$TAP_OPEN" ] || return 0
	local what=$TAP_OPEN
	TAP_OPEN=""
	tap_result ok "$what"
}

check() {
	tap_close
	TAP_OPEN=$*
	echo "== check $((TAP_N + 1)): $*"
}
ok() { tap_close; tap_result ok "$*"; }
not_ok() {
	tap_close
	tap_result "not ok" "$1"
	TAP_FAILED=$((TAP_FAILED + 1))
	[ $# -lt 2 ] || echo "$2"
}
skip_check() { tap_close; tap_result ok "$1" "SKIP $2"; }
fail() {
	local what=${TAP_OPEN:-$*}
	TAP_OPEN=""
	tap_result "not ok" "$what"
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "FAIL: $*"
	[ -n "${SIM_LOG:-}" ] && [ -f "$SIM_LOG" ] && tail -n 40 "$SIM_LOG"
	TAP_EXIT=1
	exit 1
}
skip() {
	echo "SKIP: $*"
	if [ "$TAP_N" -eq 0 ] && [ -z "$TAP_OPEN" ]; then
		tap_out "1..0 # SKIP $*"
		TAP_END=skipped
	else
		tap_close
		skip_check "the remaining checks of $TEST_NAME" "$*"
	fi
	TAP_EXIT=77
	exit 77
}
bail() {
	echo "ERROR: $*"
	tap_out "Bail out! $TEST_NAME: $*"
	TAP_END=bailed
	exit 99
}
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

# relay_tap NAME FILE: renumbered here; the other lines become comments.  A stream
# that ends early (fewer results than its plan, or no plan) is a failed check.
relay_tap() {
	local name=$1 line planned="" n=0 verdict desc
	local result='^(not )?ok +[0-9]* *-? *(.*)$' skipped='^(.*[^\ ]) *# *[Ss][Kk][Ii][Pp] *(.*)$'
	while IFS= read -r line; do
		if [[ $line =~ $result ]]; then
			n=$((n + 1))
			verdict=${BASH_REMATCH[1]} desc=${BASH_REMATCH[2]}
			if [ -n "$verdict" ]; then
				not_ok "$desc"
			elif [[ $desc =~ $skipped ]]; then
				skip_check "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			else
				ok "$desc"
			fi
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			planned=${BASH_REMATCH[1]}
		elif [[ $line =~ ^\ *Bail\ out! ]]; then
			not_ok "$name: $line"
		else
			echo "$line"
		fi
	done <"$2"
	[ -n "$planned" ] && [ "$n" -eq "$planned" ] ||
		not_ok "$name stopped after $n results (its plan: ${planned:-none})"
}
at_exit() { LIB_AT_EXIT+=("$*"); }

sim_cleanup() {
	for p in $SIM_PIDS; do kill -KILL "$p" 2>/dev/null || true; done
}

# At exit: the cleanups, then what is left of the TAP stream.  A check still under
# way passed if the script ends with status 0; an end that fail or skip did not
# report (an unset variable, a bare exit) is an error.
lib_exit() {
	local rc=$1 c
	for c in "${LIB_AT_EXIT[@]}"; do eval "$c"; done
	sim_cleanup
	[ "$LIB_TAP" = yes ] && [ -z "$TAP_END" ] || exit "$rc"
	if [ "$rc" -eq 0 ]; then
		tap_close
		[ "$TAP_N" -gt 0 ] || ok "$TEST_NAME"	# 1..0 would read as skipped
		[ "$TAP_FAILED" -eq 0 ] || rc=1
	elif [ "$rc" != "$TAP_EXIT" ]; then
		[ -z "$TAP_OPEN" ] || tap_result "not ok" "$TAP_OPEN"
		tap_out "Bail out! $TEST_NAME stopped with status $rc"
		exit "$rc"
	fi
	tap_out "1..$TAP_N"
	exit "$rc"
}
trap 'lib_exit $?' EXIT

[ -n "${SIMDRIVE:-}" ] || bail "SIMDRIVE must name the simdrive binary"
: "${TESTTMP:=${TMPDIR:-/tmp}/burnlab-tests}"
SIM_TARGET_DEFAULT="iqn.2026-01.org.burnlab:simdrive"
WORK="$TESTTMP/$TEST_NAME"
rm -rf "$WORK"
mkdir -p "$WORK"

# sim_start NAME [flags...]: flags are passed to simdrive after --listen/--target;
# it listens on SIM_LISTEN (default 127.0.0.1), an ephemeral port.
sim_start() {
	local name=$1; shift
	local fifo="$WORK/$name.ready"
	SIM_LOG="$WORK/$name.log"
	SIM_TARGET=${SIM_TARGET:-$SIM_TARGET_DEFAULT}
	rm -f "$fifo"
	mkfifo "$fifo"
	"$SIMDRIVE" --listen "${SIM_LISTEN:-127.0.0.1}:0" --target "$SIM_TARGET" "$@" >"$fifo" 2>"$SIM_LOG" &
	SIM_PID=$!
	SIM_PIDS="$SIM_PIDS $SIM_PID"
	# Keep the read end open for the daemon's lifetime so its stdout never sees EPIPE.
	exec 9<"$fifo"
	local line=""
	if ! IFS= read -r -t 30 line <&9; then
		fail "simdrive ($name) did not print its ready line; log: $SIM_LOG"
	fi
	# "simdrive: ready on 127.0.0.1:PORT target IQN"
	case "$line" in
	"simdrive: ready on "*) ;;
	*) fail "unexpected first line from simdrive: '$line'" ;;
	esac
	SIM_HOST=$(echo "$line" | sed -n 's/^simdrive: ready on \([^ ]*\) .*/\1/p')
	SIM_PORT=${SIM_HOST##*:}
	export SIM_HOST SIM_PORT SIM_PID SIM_TARGET
}

sim_stop() {
	local pid=${1:-$SIM_PID} rc=0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" || rc=$?
	SIM_PIDS=$(echo "$SIM_PIDS" | sed "s/ $pid\b//")
	[ "$rc" -eq 0 ] || fail "simdrive exited with status $rc on SIGTERM"
}

# stat_ticks FILE [children]: from a /proc/PID/stat or /proc/PID/task/TID/stat line,
# TICKS = the CPU clock ticks of that task (utime + stime; with "children", of the
# children it has waited for: cutime + cstime) and STAT_COMM = its comm; fails when
# FILE is gone.  Builtins only: samplers call it many times a second.
stat_ticks() {
	local line
	read -r line <"$1" 2>/dev/null || return 1
	STAT_COMM=${line#*(} STAT_COMM=${STAT_COMM%%)*}
	set -- "${2:-self}" ${line##*) }	# then $2 is field 3, the state
	if [ "$1" = children ]; then TICKS=$((${15} + ${16})); else TICKS=$((${13} + ${14})); fi
}

# mkdata FILE MIB SEED: MIB MiB of a deterministic, non-repeating pattern.
mkdata() {
	head -c $(( $2 * 1048576 )) /dev/zero | \
		openssl enc -aes-128-ctr -nosalt -pass "pass:burnlab-$3" -pbkdf2 2>/dev/null >"$1.tmp" || \
		{ awk -v n=$(( $2 * 1024 )) -v s="$3" 'BEGIN { srand(s); for (i = 0; i < n; i++) { l = ""; for (j = 0; j < 16; j++) l = l sprintf("%063d\n", int(rand() * 1e9)); printf "%s", l } }' >"$1.tmp"; }
	mv "$1.tmp" "$1"
}

proc_kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

# ram_dir NAME KIB: for a benchmark's file that the machine's disk would time
# instead of the program under test.
ram_dir() {
	local avail
	RAM_DIR=$WORK
	avail=$(df -k --output=avail /dev/shm 2>/dev/null | tail -n 1)
	[ -w /dev/shm ] && [ "${avail:-0}" -gt "$2" ] || return 0
	RAM_DIR=$(mktemp -d "/dev/shm/$1.XXXXXX") || { RAM_DIR=$WORK; return 0; }
	at_exit "rm -rf '$RAM_DIR'"
}

# verify_image WHAT IMAGE DATA: `disclog verify` passes on IMAGE and it holds exactly the
# bytes of the file DATA from LBA 0 (`disclog diff`); WHAT names it in the failure.
verify_image() {
	"${DISCLOG:?DISCLOG must name the disclog binary}" verify "$2" >"$WORK/v.out" 2>&1 ||
		{ cat "$WORK/v.out"; fail "disclog verify of $1's image"; }
	"$DISCLOG" diff "$2" "$3" >"$WORK/d.out" 2>&1 ||
		{ cat "$WORK/d.out"; fail "$1's image differs from its data"; }
}

# run_as WANT NAME CMD...: CMD's stdout and stderr in $WORK/NAME.out and .err; fails the
# check unless it exits WANT.  RUN_TIMEOUT (seconds), when set, bounds CMD.
run_as() {
	local want=$1 name=$2 rc=0
	shift 2
	${RUN_TIMEOUT:+timeout "$RUN_TIMEOUT"} "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		tail -n 20 "$WORK/$name.out" "$WORK/$name.err"
		fail "'$name' exited $rc, expected $want: $*"
	fi
}

# has NAME STRING...: each STRING (fixed) occurs in NAME's stdout or stderr (run_as).
has() {
	local name=$1 s
	shift
	for s in "$@"; do
		grep -qF -- "$s" "$WORK/$name.out" "$WORK/$name.err" || {
			tail -n 30 "$WORK/$name.out" "$WORK/$name.err"
			fail "output of '$name' lacks '$s'"
		}
	done
}
