#!/bin/bash
# CHAP (RFC 7143 §12.1.3) and header digests against simdrive, through iclient (libiscsi):
# one-way CHAP logs in; a wrong secret and no credentials are refused with login status
# 0x0201 (authentication failure); mutual CHAP logs in and a wrong expected target
# secret is caught; CRC32C header digests work end to end with reads, alone and with
# CHAP; simdrive refuses to start with one secret for both directions or a secret
# under 12 bytes (unless --allow-short-secret).
. "$TESTLIB"
: "${ICLIENT:?ICLIENT must name the iclient binary}"
: "${BADINPUT:?BADINPUT must name the badinput binary}"

USER=alice SECRET=alice-secret-0123
TUSER=simdrive TSECRET=target-secret-4567
mkdata "$WORK/disc.iso" 8 12

# expect_login WHAT URL: must log in, TUR + INQUIRY must work.
expect_login() {
	echo "$1: iclient login $2"
	if "$ICLIENT" --timeout 60 login "$2"; then ok "$1"; else not_ok "$1"; fi
}
# expect_refused WHAT PATTERN URL: login must fail and libiscsi's error match PATTERN.
expect_refused() {
	local out
	echo "$1: iclient login --expect-fail $3"
	out=$("$ICLIENT" --timeout 60 login --expect-fail "$3" 2>&1)
	local rc=$?
	echo "$out"
	if [ $rc -eq 0 ] && echo "$out" | grep -q -- "$2"; then ok "$1"; else not_ok "$1" "want: $2"; fi
}

# --- one daemon with one-way and mutual CHAP configured ---------------------------
sim_start chap --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" \
	--chap "$USER:$SECRET" --mutual-chap "$TUSER:$TSECRET" --log-level debug
BASE="$SIM_HOST/$SIM_TARGET/0"

expect_login "one-way CHAP" "iscsi://$USER%$SECRET@$BASE"
expect_refused "wrong secret refused (0x0201)" "Authentication failure(513)" \
	"iscsi://$USER%wrong-secret-0000@$BASE"
expect_refused "unknown user refused (0x0201)" "Authentication failure(513)" \
	"iscsi://mallory%$SECRET@$BASE"
expect_refused "no credentials refused (0x0201)" "Authentication failure(513)" \
	"iscsi://$BASE"
expect_login "mutual CHAP" "iscsi://$USER%$SECRET@$BASE?target_user=$TUSER&target_password=$TSECRET"
expect_refused "mutual CHAP, initiator expects another target secret" "CHAP" \
	"iscsi://$USER%$SECRET@$BASE?target_user=$TUSER&target_password=not-the-target-secret"
expect_login "one-way CHAP + header digest CRC32C" "iscsi://$USER%$SECRET@$BASE?header_digest=crc32c"
echo "CHAP + header digest, reads: iclient read"
if "$ICLIENT" --timeout 120 read "iscsi://$USER%$SECRET@$BASE?header_digest=crc32c" \
	--file "$WORK/disc.iso" --sessions 2 --mib 16; then
	ok "CHAP + CRC32C header digest, 2 x 16 MiB read correctly"
else
	not_ok "CHAP + CRC32C header digest, 2 x 16 MiB read correctly"
fi
echo "simdrive log lines about authentication:"
grep -i -E "chap|auth|0x?0201" "$SIM_LOG" | head -n 20 || true
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during the CHAP tests"
sim_stop

# --- secrets kept apart (RFC 7143 §12.1.3) and at least 96 bits ----------------------
# refused_start WHAT PATTERN ARGS...: simdrive must exit 2 at start-up, saying PATTERN.
refused_start() {
	local what=$1 pat=$2 out rc
	shift 2
	out=$("$SIMDRIVE" --listen 127.0.0.1:0 "$@" 2>&1 </dev/null)
	rc=$?
	echo "$what: simdrive $*: exit $rc: $out"
	if [ $rc -eq 2 ] && echo "$out" | grep -q -- "$pat"; then ok "$what"; else not_ok "$what" "want exit 2 and: $pat"; fi
}
refused_start "the same secret for --chap and --mutual-chap is refused" "RFC 7143 §12.1.3" \
	--chap "$USER:$SECRET" --mutual-chap "$TUSER:$SECRET"
refused_start "the same secret is refused even with --allow-short-secret" "must not authenticate the target" \
	--chap "$USER:abc" --mutual-chap "$TUSER:abc" --allow-short-secret
refused_start "a --chap secret under 12 bytes is refused" "has 11 bytes, fewer than 12" \
	--chap "$USER:elevenbytes"
refused_start "a --mutual-chap secret under 12 bytes is refused" "mutual-chap secret of '$TUSER' has 4 bytes" \
	--chap "$USER:$SECRET" --mutual-chap "$TUSER:tiny"
sim_start short --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --chap "$USER:abc" --allow-short-secret
expect_login "--allow-short-secret: a 3-byte secret logs in" "iscsi://$USER%abc@$SIM_HOST/$SIM_TARGET/0"
sim_stop
sim_start exact --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --chap "$USER:twelve-bytes"
expect_login "a 12-byte secret is accepted without --allow-short-secret" "iscsi://$USER%twelve-bytes@$SIM_HOST/$SIM_TARGET/0"
sim_stop

# --- header digests without CHAP ----------------------------------------------------
sim_start digest --drive lun=0,media=dvd-rom,file="$WORK/disc.iso"
echo "header digest CRC32C, reads: iclient read"
if "$ICLIENT" --timeout 120 read "iscsi://$SIM_HOST/$SIM_TARGET/0?header_digest=crc32c" \
	--file "$WORK/disc.iso" --sessions 2 --mib 32; then
	ok "CRC32C header digest, 2 x 32 MiB read correctly"
else
	not_ok "CRC32C header digest, 2 x 32 MiB read correctly"
fi
# libiscsi falls back to no digest silently if the target answers None; the raw client
# checks that CRC32C was chosen and that every target PDU carries a correct digest.
echo "badinput header-digest-*"
if "$BADINPUT" 127.0.0.1 "$SIM_PORT" "$SIM_TARGET" 'header-digest-*'; then
	ok "CRC32C negotiated and checked on the wire; corrupted digest closes"
else
	not_ok "CRC32C negotiated and checked on the wire; corrupted digest closes"
fi
kill -0 "$SIM_PID" 2>/dev/null || fail "simdrive died during the digest tests"
sim_stop
