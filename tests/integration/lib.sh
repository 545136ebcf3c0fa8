# tests/integration/lib.sh - sourced by the integration tests (bash).
#
# Starts the real simdrive daemon on 127.0.0.1 with an ephemeral port and waits for
# its ready line (no sleeps, no fixed ports); stops it cleanly on exit.
#
#   sim_start NAME [simdrive flags...]  start one daemon; sets SIM_PORT, SIM_PID,
#                                       SIM_HOST (127.0.0.1:port), SIM_LOG, SIM_TARGET
#   sim_stop                            SIGTERM, wait, and fail if it did not exit 0
#   skip "reason"                       exit 77 (automake: SKIP)
#   fail "reason"                       exit 1
#   mkdata FILE MIB SEED                deterministic data file (not all zero), MIB MiB
#
# Environment (set by make check): SIMDRIVE, TESTTMP, FIXTURES, ICLIENT, BADINPUT.

set -u
: "${SIMDRIVE:?SIMDRIVE must name the simdrive binary}"
: "${TESTTMP:=${TMPDIR:-/tmp}/burnlab-tests}"
SIM_TARGET_DEFAULT="iqn.2026-01.org.burnlab:simdrive"
TEST_NAME=$(basename "$0" .sh)
WORK="$TESTTMP/$TEST_NAME"
rm -rf "$WORK"
mkdir -p "$WORK"

SIM_PIDS=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${SIM_LOG:-}" ] && [ -f "$SIM_LOG" ] && tail -n 40 "$SIM_LOG"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

# sim_start NAME [flags...]: flags are passed to simdrive after --listen/--target.
sim_start() {
	local name=$1; shift
	local fifo="$WORK/$name.ready"
	SIM_LOG="$WORK/$name.log"
	SIM_TARGET=${SIM_TARGET:-$SIM_TARGET_DEFAULT}
	rm -f "$fifo"
	mkfifo "$fifo"
	"$SIMDRIVE" --listen 127.0.0.1:0 --target "$SIM_TARGET" "$@" >"$fifo" 2>"$SIM_LOG" &
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

sim_cleanup() {
	for p in $SIM_PIDS; do kill -KILL "$p" 2>/dev/null || true; done
}
trap sim_cleanup EXIT

# mkdata FILE MIB SEED: MIB MiB of a deterministic, non-repeating pattern.
mkdata() {
	head -c $(( $2 * 1048576 )) /dev/zero | \
		openssl enc -aes-128-ctr -nosalt -pass "pass:burnlab-$3" -pbkdf2 2>/dev/null >"$1.tmp" || \
		{ awk -v n=$(( $2 * 1024 )) -v s="$3" 'BEGIN { srand(s); for (i = 0; i < n; i++) { l = ""; for (j = 0; j < 16; j++) l = l sprintf("%063d\n", int(rand() * 1e9)); printf "%s", l } }' >"$1.tmp"; }
	mv "$1.tmp" "$1"
}
