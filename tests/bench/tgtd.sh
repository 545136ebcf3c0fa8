# tests/bench/tgtd.sh - sourced by the benchmarks (after tests/integration/lib.sh):
# runs the Debian tgt package's tgtd in the foreground on a free loopback port with its
# management socket under $WORK, and always stops it.
#
#   start_tgtd       sets TGT_PORT and TGT_PID; returns non-zero if tgtd would not start
#   bench_start_tgtd start_tgtd when this machine can run tgtd; HAVE_TGT=yes, or no with
#                    the reason printed (a benchmark then measures simdrive only)
#   best A B         the larger of two figures
#   stop_tgtd        deletes every target and the system, KILL after 5 s
#   tgtadm_ ARGS     tgtadm --lld iscsi ARGS, bounded in time
# Environment: TGTD, TGTADM (defaults /usr/sbin/tgtd, /usr/sbin/tgtadm); TGTD_ENV:
# NAME=VALUE words added to tgtd's environment (none by default).

TGTD=${TGTD:-/usr/sbin/tgtd}
TGTADM=${TGTADM:-/usr/sbin/tgtadm}
TGT_PID=""
export TGT_IPC_SOCKET="$WORK/tgt-ipc"

tgtadm_() { timeout 20 "$TGTADM" --lld iscsi "$@"; }

# tgtd ignores SIGTERM; it leaves when its targets are gone and the system is deleted
# (as the Debian init script does).
stop_tgtd() {
	[ -n "$TGT_PID" ] || return 0
	local tids
	tids=$(timeout 10 "$TGTADM" --lld iscsi --op show --mode target 2>/dev/null |
		sed -n 's/^Target \([0-9]*\):.*/\1/p')
	for tid in $tids; do
		timeout 10 "$TGTADM" --lld iscsi --op delete --mode target --tid "$tid" --force \
			>/dev/null 2>&1
	done
	timeout 10 "$TGTADM" --op delete --mode system >/dev/null 2>&1
	for _ in $(seq 1 50); do kill -0 "$TGT_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$TGT_PID" 2>/dev/null; then
		echo "== tgtd did not leave on 'tgtadm --op delete --mode system'; killing it"
		pkill -KILL -P "$TGT_PID" 2>/dev/null	# tgtd, the child of our timeout
		kill -KILL "$TGT_PID" 2>/dev/null
	fi
	wait "$TGT_PID" 2>/dev/null
	TGT_PID=""
}

at_exit stop_tgtd	# lib.sh's exit handler, which then stops simdrive

# A loopback port nobody listens on (tgtd cannot report an ephemeral port back).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$(( 20000 + RANDOM % 40000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

start_tgtd() {
	for _ in 1 2 3; do
		TGT_PORT=$(free_port) || return 1
		# shellcheck disable=SC2086 # TGTD_ENV: words
		timeout 3600 env ${TGTD_ENV:-} "$TGTD" -f --iscsi "portal=127.0.0.1:$TGT_PORT" -C 0 \
			>"$WORK/tgtd.log" 2>&1 &
		TGT_PID=$!
		for _ in $(seq 1 50); do
			if "$TGTADM" --op show --mode sys >/dev/null 2>&1 &&
			   (exec 3<>"/dev/tcp/127.0.0.1/$TGT_PORT") 2>/dev/null; then
				return 0
			fi
			kill -0 "$TGT_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_tgtd
	done
	return 1
}

bench_start_tgtd() {
	HAVE_TGT=no
	if [ "$(id -u)" -ne 0 ]; then
		echo "== tgtd needs root; measuring simdrive only"
	elif [ ! -x "$TGTD" ] || [ ! -x "$TGTADM" ]; then
		echo "== tgt is not installed; measuring simdrive only"
	elif ! start_tgtd; then
		echo "== tgtd did not start (log below); measuring simdrive only"
		cat "$WORK/tgtd.log"
	else
		HAVE_TGT=yes
	fi
}

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
