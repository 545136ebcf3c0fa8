#!/bin/bash
# tests/integration/calls.sh - inside simdrive/scsi/ calls go one way (the rule at the top
# of simdrive/scsi/device-private.h): dispatch (device.c) -> the command sets (spc.c,
# mmc.c, neither calling the other) -> the logical unit (lun.c) -> the command in flight
# (cmd.c), with the sense codec (sense.c) below them all.  Read from the object files:
# each undefined symbol of one file that another file of the folder defines is a call
# from the first to the second.  One TAP line per file; a failing line names the symbol.
set -u
: "${SIMDRIVE:?SIMDRIVE must name the simdrive binary}"
BUILD=$(cd "$(dirname "$SIMDRIVE")/.." && pwd)
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm is not installed"; exit 77; }

# file: the files of the folder it may call.
declare -A MAY=(
	[device]="spc mmc lun cmd sense"
	[spc]="lun cmd sense"
	[mmc]="lun cmd sense"
	[lun]="cmd sense"
	[cmd]="sense"
	[sense]=""
)
obj() { echo "$BUILD/simdrive/scsi/libscsidev_la-$1.o"; }
declare -A DEF=()
for f in "${!MAY[@]}"; do
	[ -f "$(obj "$f")" ] || { echo "Bail out! no $(obj "$f") (build first)"; exit 99; }
	while read -r sym; do DEF[$sym]=$f; done < <(nm -g --defined-only "$(obj "$f")" | awk '{ print $3 }')
done

n=0 bad=0
for f in device spc mmc lun cmd sense; do
	n=$((n + 1))
	errs=""
	while read -r sym; do
		to=${DEF[$sym]:-}
		[ -n "$to" ] && [ "$to" != "$f" ] || continue
		case " ${MAY[$f]} " in *" $to "*) ;; *) errs+="  $f.c calls $sym of $to.c"$'\n' ;; esac
	done < <(nm -u "$(obj "$f")" | awk '{ print $2 }')
	if [ -z "$errs" ]; then
		echo "ok $n - $f.c calls only: ${MAY[$f]:-(nothing of the folder)}"
	else
		echo "not ok $n - $f.c calls against the one-way rule"
		printf '%s' "$errs"
		bad=$((bad + 1))
	fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
