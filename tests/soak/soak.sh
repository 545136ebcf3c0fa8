#!/bin/bash
# tests/soak/soak.sh - make soak: one simdrive, 16 LUNs of mixed media, 16 concurrent
# clients burning, reading, closing, blanking, formatting and reconnecting for a bounded
# time, with faults injected at random through the control socket; simdrive's resident
# memory and open descriptors sampled every second; every image verified at the end.
# Not part of make check.  doc/soak.md explains what is measured and how it is judged.
#
# Environment: SIMDRIVE WENGINE DISCLOG FAULTCLIENT ICLIENT TESTLIB TESTTMP (set by make soak),
#   SOAK_SECONDS (default 600), SOAK_SEED (default: from the clock), SOAK_FAULT_PCT
#   (percentage of operations that get a fault, default 35), SOAK_WORKERS (default 16).
# Exit status: 0 PASS, 1 FAIL.

LIB_TAP=no
TESTLIB=${TESTLIB:-$(dirname "$0")/../integration/lib.sh}
# shellcheck source=../integration/lib.sh
. "$TESTLIB"

: "${WENGINE:?}" "${DISCLOG:?}" "${FAULTCLIENT:?}" "${ICLIENT:?}"
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_SEED=${SOAK_SEED:-$(( $(date +%s) % 100000 ))}
SOAK_FAULT_PCT=${SOAK_FAULT_PCT:-35}
SOAK_WORKERS=${SOAK_WORKERS:-16}
[ "$SOAK_WORKERS" -ge 1 ] && [ "$SOAK_WORKERS" -le 16 ] || bail "SOAK_WORKERS must be 1..16"
[ "$SOAK_SECONDS" -ge 10 ] || bail "SOAK_SECONDS must be at least 10"

# The windows compared: the first minute and the last minute; a run shorter than
# five minutes compares its first and last sixth (10 s of a 60 s run).
WINDOW=$(( SOAK_SECONDS >= 300 ? 60 : SOAK_SECONDS / 6 ))
WARMUP=$WINDOW

echo "soak: $SOAK_SECONDS s, seed $SOAK_SEED, $SOAK_WORKERS clients, faults on $SOAK_FAULT_PCT % of operations, windows $WINDOW s; work in $WORK"

# The media, one per LUN: every kind at least twice, three DVD+R and BD-RE.
MEDIA=(cd-r cd-rw dvd+r dvd-rw dvd+rw bd-r bd-re cd-r cd-rw dvd+r dvd-rw dvd+rw bd-r bd-re dvd+r bd-re)

# Data files: deterministic, 2048-byte multiples from 32 KiB to 2 MiB.
mkdir -p "$WORK/data" "$WORK/img" "$WORK/ops"
mkdata "$WORK/data/src" 2 "soak-$SOAK_SEED"
SIZES=(16 64 128 256 512 1024)		# blocks
for s in "${SIZES[@]}"; do
	head -c $(( s * 2048 )) "$WORK/data/src" >"$WORK/data/d$s.iso"
done

drives=()
for ((l = 0; l < SOAK_WORKERS; l++)); do
	drives+=(--drive "lun=$l,media=${MEDIA[$l]},image=$WORK/img/lun$l.disclog")
done
CTL=$WORK/control.sock
sim_start soak --control "$CTL" "${drives[@]}"
URL=iscsi://$SIM_HOST/$SIM_TARGET
echo "simdrive pid $SIM_PID on $SIM_HOST"

# ---- sampling: VmRSS and open descriptors of simdrive, every second ----------------
# No fork per sample, not even a sleep: on a loaded machine the sampler must keep its
# second (and the clients run at nice 10, below it and simdrive).
exec {NAPFD}<> <(:)
sample_once() {
	local rss="" k v _ fds
	while read -r k v _; do
		[ "$k" = VmRSS: ] && { rss=$v; break; }
	done <"/proc/$SIM_PID/status" 2>/dev/null
	fds=(/proc/"$SIM_PID"/fd/*)
	[ -n "$rss" ] && [ -e "${fds[0]}" ] && echo "$1 $rss ${#fds[@]}"
}
IDLE_BEFORE=$(sample_once 0)
ls -l "/proc/$SIM_PID/fd" >"$WORK/fds-before" 2>&1
T0=$(date +%s.%N)
START=$(date +%s)
DEADLINE=$(( START + SOAK_SECONDS ))
(
	last=-1
	while [ "$EPOCHSECONDS" -lt "$DEADLINE" ] && kill -0 "$SIM_PID" 2>/dev/null; do
		t=$(( EPOCHSECONDS - START ))
		[ "$t" -ne "$last" ] && sample_once "$t"
		last=$t
		read -r -t 0.5 -u "$NAPFD" _	# a half-second nap without a fork
	done
) >"$WORK/samples" &
SAMPLER=$!

# ---- the clients ----------------------------------------------------------------------
# ctl REQUEST...: the control socket's replies, one per line.
ctl() { "$FAULTCLIENT" control "$CTL" "$@" 2>&1; }

# open_tracks INFO_JSON: the tracks of the last session a recovering program closes
# (MMC-6 §6.3: CLOSE TRACK): reserved ones and partly recorded ones (not blank, NWA
# valid).  The invisible track left blank is not one: closing it is a sequence error.
open_tracks() {
	local sessions
	sessions=$(echo "$1" | sed -n 's/.*"disc":{[^}]*"sessions":\([0-9]*\).*/\1/p')
	echo "$1" | sed -n 's/.*"tracks":\[\([^]]*\)\].*/\1/p' | sed 's/},{/}\n{/g' |
		awk -v s="$sessions" '
		{ n = $0; sub(/.*"number":/, "", n); sub(/,.*/, "", n)
		  ss = $0; sub(/.*"session":/, "", ss); sub(/,.*/, "", ss) }
		ss == s && (/"reserved":true/ || (/"blank":false/ && /"nwa_valid":true/)) { printf "%s ", n }'
}

# One client per LUN, so that an injected fault is its own: it adds the fault (lun=L)
# before the operation, reads how often it fired afterwards and clears it.  An operation
# that fails is "injected" when its fault fired, "unexpected" otherwise.
worker() {
	local l=$1 m=${MEDIA[$1]} u="$URL/$1" out="$WORK/ops/lun$1" err="$WORK/ops/lun$1.err"
	local last="$WORK/ops/lun$1.last"	# LBA SECTORS FILE of the last completed burn
	local kind family op fid fired fkind rc res start t1 t2 info status sess open free s file
	local first=1 second=1 bytes t
	RANDOM=$(( SOAK_SEED * 31 + l ))
	renice -n 10 -p "$BASHPID" >/dev/null
	case $m in
	cd-r|dvd+r|bd-r) family=once ;;
	cd-rw|dvd-rw) family=blank ;;
	*) family=over ;;	# dvd+rw, bd-re: overwritable, formatted
	esac
	: >"$out"
	rm -f "$last"
	while [ "$(date +%s)" -lt "$DEADLINE" ]; do
		# What the disc is: status and free blocks of the last track (this is an
		# operation too: a session of its own).
		info=$("$WENGINE" info "$u" --json 2>"$err")
		rc=$?
		status=$(echo "$info" | sed -n 's/.*"disc":{"status":"\([^"]*\)".*/\1/p')
		sess=$(echo "$info" | sed -n 's/.*"last_session_state":"\([^"]*\)".*/\1/p')
		open=$(open_tracks "$info")
		free=$(echo "$info" | sed -n 's/.*"tracks":\[.*"free":\([0-9]*\),"nwa".*/\1/p')
		if [ "$rc" -ne 0 ] || [ -z "$status" ]; then
			echo "info - unexpected 0 rc=$rc 0" >>"$out"
			{ echo "--- lun $l ($m) info rc=$rc"; cat "$err"; } >>"$WORK/unexpected.log"
			sleep 1
			continue
		fi
		echo "info - ok 0 rc=0 0" >>"$out"
		# Choose the operation from what the disc allows.
		local r=$((RANDOM % 100)) late=$(( $(date +%s) > DEADLINE - SOAK_SECONDS / 4 ))
		s=${SIZES[$((RANDOM % ${#SIZES[@]}))]}
		file=$WORK/data/d$s.iso
		op=burn
		case $family in
		once)
			if { [ "$status" != blank ] && [ "$status" != appendable ]; } ||
				[ "${free:-0}" -lt $((s + 16384)) ]; then
				op=read
			elif [ "$r" -lt 40 ]; then op=burn
			elif [ "$r" -lt 70 ]; then op=read
			elif [ "$r" -lt 85 ]; then op=reconnect
			elif [ "$late" -eq 1 ] && [ "$r" -lt 90 ]; then op=close
			else op=read
			fi ;;
		blank)
			if [ "$status" = finalized ] || [ "${free:-0}" -lt $((s + 16384)) ]; then
				[ "$r" -lt 50 ] && op=read || op=blank
			elif [ "$r" -lt 35 ]; then op=burn
			elif [ "$r" -lt 60 ]; then op=read
			elif [ "$r" -lt 72 ]; then op=reconnect
			elif [ "$r" -lt 82 ]; then op=close
			else op=blank
			fi ;;
		over)
			if [ "$r" -lt 40 ]; then op=burn
			elif [ "$r" -lt 65 ]; then op=read
			elif [ "$r" -lt 77 ]; then op=reconnect
			elif [ "$r" -lt 88 ]; then op=format
			else op=blank
			fi ;;
		esac
		[ "$op" = read ] && [ ! -s "$last" ] && op=reconnect
		# A burn cut short by a fault leaves an incomplete session (an open,
		# partly written track): IDiscFormat2Data refuses such a disc, so the track
		# and the session are closed first, as a program recovering would.
		[ "$family" != over ] && [ "$sess" = incomplete ] && op=recover
		# The first operation of every client is the largest burn, without a fault:
		# every LUN's image, buffers and the allocator's arenas are in use early,
		# which is what the first window measures.
		# The second reads it back: every image's reader is open from then on too.
		if [ "$first" -eq 1 ] && [ "$status" = blank ]; then
			op=burn s=${SIZES[-1]} file=$WORK/data/d${SIZES[-1]}.iso
		elif [ "$first" -eq 0 ] && [ "$second" -eq 1 ] && [ -s "$last" ]; then
			op=read
		fi
		# A fault for this operation, sometimes.
		fid="" fkind=-
		if [ "$first" -eq 0 ] && [ "$second" -eq 0 ] && [ $((RANDOM % 100)) -lt "$SOAK_FAULT_PCT" ]; then
			local n=$((1 + RANDOM % 40)) spec
			case $((RANDOM % 9)) in
			0) spec="write-error command=+$n" ;;
			1) spec="write-error deferred seed=$RANDOM probability=0.3" ;;
			2) spec="write-error seed=$RANDOM probability=0.3" ;;
			3) spec="medium-error seed=$RANDOM probability=0.3" ;;
			4) spec="drop-connection command=+$n" ;;
			5) spec="drop-connection after command=+$n" ;;
			6) spec="unit-attention command=+$n" ;;
			7) spec="long-write-in-progress command=+$n count=$((1 + RANDOM % 3))" ;;
			8) spec="eject command=+$n" ;;
			esac
			fkind=${spec%% *}
			case $spec in *deferred*) fkind=write-error-deferred ;; *after*) fkind=drop-after ;; esac
			fid=$(ctl "fault $spec lun=$l" | sed -n 's/^ok \([0-9]*\)$/\1/p')
			[ -n "$fid" ] || { echo "--- lun $l: fault '$spec' not added" >>"$WORK/unexpected.log"; fkind=-; }
		fi
		t1=$(date +%s%N)
		start=""
		case $op in
		burn|close)
			local flags=(--multisession) j
			[ "$op" = close ] && flags=(--close)
			[ "$family" = over ] && flags+=(--force-overwrite)
			flags+=(--verify "$( ((RANDOM % 2)) && echo quick || echo none)")
			j=$("$WENGINE" burn "$u" "$file" "${flags[@]}" --json 2>"$err")
			rc=$?
			start=$(echo "$j" | sed -n 's/.*"result":"ok".*"start_lba":\([0-9-]*\),"sectors":\([0-9]*\).*/\1 \2/p')
			[ "$rc" -eq 0 ] && [ -z "$start" ] && { rc=99; echo "no result line" >>"$err"; }
			;;
		read)
			read -r start s file <"$last"
			"$WENGINE" verify "$u" "$file" --lba "$start" -q 2>"$err"
			rc=$?
			start="" ;;
		reconnect)
			if ((RANDOM % 2)); then
				"$ICLIENT" login "$u" >/dev/null 2>"$err"
			else
				"$ICLIENT" nop "$u" >/dev/null 2>"$err"
			fi
			rc=$? ;;
		blank)
			if [ "$family" = blank ] && ((RANDOM % 4 == 0)); then
				"$WENGINE" erase "$u" --full -q 2>"$err"
			else
				"$WENGINE" erase "$u" -q 2>"$err"
			fi
			rc=$? ;;
		format)
			"$WENGINE" format "$u" -q 2>"$err"
			rc=$? ;;
		recover)
			rc=0
			: >"$err"
			for t in $open; do
				"$WENGINE" close "$u" track "$t" -q 2>>"$err" || { rc=$?; break; }
			done
			[ "$rc" -ne 0 ] || "$WENGINE" close "$u" session -q 2>>"$err" || rc=$?
			;;
		esac
		t2=$(date +%s%N)
		fired=0
		if [ -n "$fid" ]; then
			fired=$(ctl faults "clear $fid" | tr '|' '\n' | sed -n "s/^ *$fid fired=\([0-9]*\) .*/\1/p")
			fired=${fired:-0}
			# An eject leaves the tray open: close it again (the button).
			[ "$fkind" = eject ] && [ "$fired" -gt 0 ] && ctl "load $l" >/dev/null
		fi
		[ "$fired" -gt 0 ] || fkind=-
		if [ "$rc" -eq 0 ]; then
			res=ok
		elif [ "$fired" -gt 0 ]; then
			res=injected
		else
			res=unexpected
			{ echo "--- lun $l ($m, disc $status, session $sess, free $free) $op rc=$rc"; cat "$err"
			  echo "info before: $info"; } >>"$WORK/unexpected.log"
		fi
		# Bytes of user data moved by an operation that succeeded: a burn's blocks
		# (and as many again read back by --verify quick), a read's blocks.
		bytes=0
		if [ "$rc" -eq 0 ]; then
			case $op in
			burn|close) bytes=$(( ${start#* } * 2048 )) ;;
			read) bytes=$(( s * 2048 )) ;;
			esac
		fi
		[ "$first" -eq 0 ] && [ "$second" -eq 1 ] && echo $(( $(date +%s) - START )) >"$WORK/ops/lun$l.warm"
		[ "$first" -eq 0 ] && second=0
		first=0
		echo "$op $fkind $res $(( (t2 - t1) / 1000000 )) rc=$rc $bytes" >>"$out"
		# The last completed burn is what the end checks compare; anything that may
		# have changed its blocks since (a failed burn over it, a blank, a format)
		# forgets it.
		case $op in
		burn|close)
			if [ "$rc" -eq 0 ]; then echo "$start $file" >"$last"
			elif [ "$family" = over ]; then rm -f "$last"; fi ;;
		blank|format) rm -f "$last" ;;
		esac
	done
}

for ((l = 0; l < SOAK_WORKERS; l++)); do
	worker "$l" &
	WORKERS="${WORKERS:-} $!"
done
# shellcheck disable=SC2086
wait $WORKERS
wait "$SAMPLER"
DAEMON_ALIVE=yes
kill -0 "$SIM_PID" 2>/dev/null || DAEMON_ALIVE=no
# Idle again: every session logged out, so the descriptors other than the images' must
# be those of the start.  An image is open once for its writer from the start and once
# more for its reader from the first read of recorded blocks on (kept, and reopened
# after writes: recorder.c rec_reader), so at most twice.  Within 10 s: a dropped
# connection may take the daemon a moment to notice.
# fd_census FILE: "OTHERS IMAGES EXTRA" of an ls -l listing of /proc/PID/fd, EXTRA the
# opens of an image beyond two.
fd_census() {
	awk -v img="$WORK/img/" '$(NF - 1) == "->" {
		if (index($NF, img) == 1) { n_img++; if (seen[$NF]++ >= 2) dup++ } else other++ }
		END { printf "%d %d %d\n", other, n_img, dup }' "$1"
}
for ((i = 0; i < 20; i++)); do
	IDLE_AFTER=$(sample_once end)
	ls -l "/proc/$SIM_PID/fd" >"$WORK/fds-after" 2>&1
	[ "$(fd_census "$WORK/fds-after" | cut -d' ' -f1)" = "$(fd_census "$WORK/fds-before" | cut -d' ' -f1)" ] && break
	sleep 0.5
done
read -r idle_other_before idle_img_before _ < <(fd_census "$WORK/fds-before")
read -r idle_other_after idle_img_after idle_img_dup < <(fd_census "$WORK/fds-after")

# ---- the end: clean stop, images, content -------------------------------------------
STOP_RC=0
if [ "$DAEMON_ALIVE" = yes ]; then
	kill -TERM "$SIM_PID"
	wait "$SIM_PID" || STOP_RC=$?
else
	wait "$SIM_PID" 2>/dev/null; STOP_RC=$?
fi
SIM_PIDS=""
T_END=$(date +%s.%N)

images_ok=0 images_n=0 content_ok=0 content_n=0
declare -A content_of
for ((l = 0; l < SOAK_WORKERS; l++)); do
	img=$WORK/img/lun$l.disclog
	[ -f "$img" ] || { content_of[$l]="no image"; continue; }
	images_n=$((images_n + 1))
	if "$DISCLOG" verify "$img" >"$WORK/verify$l.log" 2>&1; then
		images_ok=$((images_ok + 1)); content_of[$l]="verify ok"
	else
		content_of[$l]="verify FAILED (exit $?)"
		echo "--- lun $l: disclog verify failed:" >>"$WORK/unexpected.log"
		cat "$WORK/verify$l.log" >>"$WORK/unexpected.log"
	fi
	last=$WORK/ops/lun$l.last
	if [ -s "$last" ]; then
		read -r start s file <"$last"
		content_n=$((content_n + 1))
		"$DISCLOG" extract "$img" --lba "$start" --count "$s" -o "$WORK/extract$l.bin" 2>>"$WORK/verify$l.log"
		if cmp -s "$WORK/extract$l.bin" "$file"; then
			content_ok=$((content_ok + 1))
			content_of[$l]+=", last burn ($s blocks at $start) equal"
		else
			content_of[$l]+=", last burn ($s blocks at $start) DIFFERS"
			echo "--- lun $l: the last burn ($s blocks at LBA $start of $file) differs in the image" >>"$WORK/unexpected.log"
		fi
		rm -f "$WORK/extract$l.bin"
	else
		content_of[$l]+=", no completed burn kept"
	fi
done

# ---- judge and report -------------------------------------------------------------
cat "$WORK"/ops/lun[0-9] "$WORK"/ops/lun[0-9][0-9] 2>/dev/null >"$WORK/ops.all"
# An ops line: OPERATION FAULT RESULT MS rc=N BYTES.
read -r n_ops n_ok n_inj n_unx n_bytes n_fired < <(awk '{ n++; c[$3]++; b += $6; if ($2 != "-") f++ }
	END { printf "%d %d %d %d %.0f %d\n", n, c["ok"], c["injected"], c["unexpected"], b, f }' "$WORK/ops.all")
n_added=$(grep -c ' fault [0-9]* added: ' "$SIM_LOG")
n_sessions=$(grep -c ': normal session TSIH ' "$SIM_LOG")

# Memory and descriptors: B = the largest sample of the warm-up, E = the largest sample
# of the last WINDOW s; growth = (E - B) / B.  The warm-up is the first WINDOW s, longer
# if a client had not finished its first operation by then (a loaded machine).
# Largest against largest: with 16 clients connecting and leaving, any one sample of
# the descriptors depends on how many are logged in at that second.
WARMUP=$(cat "$WORK"/ops/lun*.warm 2>/dev/null | sort -n | tail -n 1)
WARMUP=$(( ${WARMUP:-0} > WINDOW ? WARMUP : WINDOW ))
read -r rss_b rss_e fds_b fds_e nsamp < <(awk -v w="$WARMUP" -v win="$WINDOW" '
	{ t[NR] = $1; r[NR] = $2; f[NR] = $3 }
	END {
		for (i = 1; i <= NR; i++) {
			if (t[i] <= w) { if (r[i] > rb) rb = r[i]; if (f[i] > fb) fb = f[i] }
			if (t[i] > t[NR] - win) { if (r[i] > re) re = r[i]; if (f[i] > fe) fe = f[i] }
		}
		printf "%d %d %d %d %d\n", rb, re, fb, fe, NR }' "$WORK/samples")
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%+.1f", (b - a) * 100 / a; else printf "nan" }'; }
rss_pct=$(pct "$rss_b" "$rss_e")
fds_pct=$(pct "$fds_b" "$fds_e")
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

verdict=PASS
reasons=()
[ "$n_unx" -eq 0 ] || reasons+=("$n_unx unexpected failures")
[ "$DAEMON_ALIVE" = yes ] || reasons+=("simdrive died during the run")
[ "$STOP_RC" -eq 0 ] || reasons+=("simdrive exited with status $STOP_RC on SIGTERM")
awk -v p="$rss_pct" 'BEGIN { exit !(p != "nan" && p < 5) }' || reasons+=("RSS grew $rss_pct %")
awk -v p="$fds_pct" 'BEGIN { exit !(p != "nan" && p < 5) }' || reasons+=("descriptors grew $fds_pct %")
[ "${idle_other_before:-x}" = "${idle_other_after:-y}" ] ||
	reasons+=("idle descriptors other than the images: ${idle_other_before:-?} before the clients, ${idle_other_after:-?} after")
[ "${idle_img_dup:-0}" -eq 0 ] || reasons+=("$idle_img_dup descriptors of images open more than twice")
[ "$images_ok" -eq "$images_n" ] || reasons+=("$((images_n - images_ok)) images fail disclog verify")
[ "$content_ok" -eq "$content_n" ] || reasons+=("$((content_n - content_ok)) last burns differ")
[ "$nsamp" -ge $((SOAK_SECONDS * 9 / 10)) ] || reasons+=("only $nsamp samples in $SOAK_SECONDS s")
[ "${#reasons[@]}" -eq 0 ] || verdict=FAIL

secs=$(awk -v a="$T0" -v b="$T_END" 'BEGIN { printf "%.0f", b - a }')
echo
echo "per operation:"
awk '{ k = $1; n[k]++; c[k, $3]++; b[k] += $6 } END {
	printf "  %-10s %7s %7s %9s %11s %10s\n", "operation", "count", "ok", "injected", "unexpected", "MiB"
	split("info burn close recover read blank format reconnect", order, " ")
	for (i = 1; i <= 8; i++) { k = order[i]; if (n[k])
		printf "  %-10s %7d %7d %9d %11d %10.1f\n", k, n[k], c[k, "ok"], c[k, "injected"], c[k, "unexpected"], b[k] / 1048576 } }' "$WORK/ops.all"
echo "per injected fault that fired (operations: ok despite it / failed):"
awk '$2 != "-" { n[$2]++; c[$2, $3]++ } END {
	for (k in n) printf "  %-22s %5d ok %5d failed\n", k, c[k, "ok"], c[k, "injected"] + c[k, "unexpected"] }' "$WORK/ops.all" | sort
echo "per client (one LUN each):"
printf "  %-4s %-7s %6s %6s %6s %6s %6s %8s  %s\n" lun medium ops ok inj unexp burns MiB image
for ((l = 0; l < SOAK_WORKERS; l++)); do
	read -r a b c d e f < <(awk '{ n++; c[$3]++; by += $6; if (($1 == "burn" || $1 == "close") && $3 == "ok") bn++ }
		END { printf "%d %d %d %d %d %.1f\n", n, c["ok"], c["injected"], c["unexpected"], bn, by / 1048576 }' "$WORK/ops/lun$l")
	printf "  %-4s %-7s %6d %6d %6d %6d %6d %8s  %s\n" "$l" "${MEDIA[$l]}" "$a" "$b" "$c" "$d" "$e" "$f" "${content_of[$l]}"
done
echo "memory: VmRSS, the largest sample of the warm-up (first $WARMUP s) -> of the last $WINDOW s: $(mib "$rss_b") -> $(mib "$rss_e") MiB ($rss_pct %, limit +5 %)"
echo "descriptors: the same windows: $fds_b -> $fds_e ($fds_pct %, limit +5 %); idle before the clients ${idle_other_before:-?} + ${idle_img_before:-?} images, after ${idle_other_after:-?} + ${idle_img_after:-?} images"
echo "samples: $nsamp (every second); faults: $n_added added, $n_fired operations met one that fired; content: $content_ok/$content_n last burns equal what was written; seed $SOAK_SEED"
if [ -s "$WORK/unexpected.log" ]; then
	echo "unexpected (first 60 lines of $WORK/unexpected.log):"
	head -n 60 "$WORK/unexpected.log" | sed 's/^/  /'
fi
for r in "${reasons[@]}"; do echo "FAIL: $r"; done
echo "soak: $verdict, $SOAK_WORKERS clients, $n_sessions sessions, $n_ops operations ($n_ok ok, $n_inj failed as injected, $n_unx unexpected), $(mib $((n_bytes / 1024))) MiB, faults $n_added added/$n_fired fired, RSS $(mib "$rss_b")->$(mib "$rss_e") MiB ($rss_pct %), fds $fds_b->$fds_e ($fds_pct %), images verified $images_ok/$images_n, $secs s"
[ "$verdict" = PASS ]
