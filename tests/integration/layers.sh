#!/bin/bash
# tests/integration/layers.sh - every #include "..." of the tree runs in an allowed
# direction (doc/design.md, "Layers and include rules").  One TAP line per folder; a
# failing line names the file, the line and the header it may not include.
#
# A header is found by its name: names are unique on each side of the engine/simdrive
# line, so "recorder.h" in simdrive/scsi/mmc.c can only be simdrive/drive/recorder.h.
set -u
SRC=$(cd "${FIXTURES:?FIXTURES must name the fixtures folder}/.." && pwd)
cd "$SRC" || exit 99

# folder: the folders it may include from (its own is always allowed).
declare -A ALLOW=(
	[common]=""
	[disclog]="common chd"
	[chd]="disclog common"
	[simdrive/drive]="disclog common"
	[simdrive/scsi]="simdrive/drive disclog common"
	[simdrive/iscsi]="simdrive/scsi common"
	[simdrive]="simdrive/iscsi simdrive/scsi simdrive/drive disclog common"
	[engine]="mmcclient"
	[mmcclient]=""
	[harness]="engine mmcclient disclog"
)
# Single files allowed more than their folder (none today).
declare -A FILE_ALLOW=()
# Headers private to their folder (and to tests/).
PRIVATE="disclog/dlcodec.h chd/codec.h chd/chdint.h chd/bits.h chd/huffman.h simdrive/scsi/device-private.h engine/recorder-private.h
engine/stream-private.h engine/sense.h engine/ewire.h engine/ecma130.h engine/media.h engine/timeline-private.h
engine/format-base.h"
# libchd regenerates CD parity with disclog's sector codec, and the disclog program
# converts to and from CHD through libchd's public header only.
# The transport sees the device model through its contract only.  The engine library
# builds its CDBs with mmcclient's wire module (mmccdb.h, no transport); wengine, a
# client of the engine's public API as the harness is, also uses its sessions and JSON
# (mmcclient/README.md).  A file's own entry wins over its folder's.
declare -A ONLY=(
	[simdrive/iscsi:simdrive/scsi]="scsi.h"
	[harness:engine]="writeengine.h imapi2_hresult.h discformat2.h rawcdimage.h"
	[engine:mmcclient]="mmccdb.h"
	[engine/wengine.c:mmcclient]="mmcclient.h mmccdb.h"
	[chd:disclog]="cdsector.h"
	[disclog:chd]="chd.h"
)
# Generated or configure-made files, allowed wherever they are used.
GENERATED="config.h guest-init.inc"

declare -A WHERE=()
while read -r h; do
	base=${h##*/}
	dir=${h%/*}
	WHERE[$base]="${WHERE[$base]:-} $dir"
done < <(find common disclog chd simdrive engine mmcclient harness -name '*.h' | sort)

n=0 bad=0
for folder in common disclog chd simdrive/drive simdrive/scsi simdrive/iscsi simdrive engine mmcclient \
	harness; do
	n=$((n + 1))
	errs=""
	for f in $(find "$folder" -maxdepth 1 \( -name '*.c' -o -name '*.h' \) | sort); do
		allow=$(echo ${ALLOW[$folder]} ${FILE_ALLOW[$f]:-})
		while IFS=: read -r line inc; do
			inc=${inc#*\"}; inc=${inc%%\"*}
			case " $GENERATED " in *" $inc "*) continue ;; esac
			dirs=(${WHERE[$inc]:-})
			if [ ${#dirs[@]} -eq 0 ]; then
				errs+="  $f:$line: \"$inc\" is in no folder of the tree"$'\n'
				continue
			fi
			# The same name on both sides of the line: take the one this folder sees
			# (its own, else an allowed one), else the first one, a violation.
			dir=${dirs[0]}
			for d in "${dirs[@]}"; do
				case " $allow " in *" $d "*) dir=$d ;; esac
			done
			for d in "${dirs[@]}"; do [ "$d" = "$folder" ] && dir=$d; done
			[ "$dir" = "$folder" ] && continue
			case " $allow " in
			*" $dir "*) ;;
			*) errs+="  $f:$line: includes $dir/$inc: $f may include only from: ${allow:-(its own folder)}"$'\n'; continue ;;
			esac
			case " $(echo $PRIVATE) " in *" $dir/$inc "*)
				errs+="  $f:$line: $dir/$inc is private to $dir"$'\n'; continue ;;
			esac
			only=${ONLY[$f:$dir]:-${ONLY[$folder:$dir]:-}}
			if [ -n "$only" ]; then
				case " $only " in *" $inc "*) ;; *)
					errs+="  $f:$line: $folder sees $dir only through: $only (not $inc)"$'\n' ;;
				esac
			fi
		done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	done
	extra=""
	for k in "${!FILE_ALLOW[@]}"; do
		[ "${k%/*}" = "$folder" ] && extra+=" (${k##*/} also: ${FILE_ALLOW[$k]})"
	done
	if [ -z "$errs" ]; then
		echo "ok $n - $folder includes only: $folder ${ALLOW[$folder]}$extra"
	else
		echo "not ok $n - $folder includes across the allowed directions"
		printf '%s' "$errs" | sed 's/^/# /'
		bad=$((bad + 1))
	fi
done

# No compiler flag may hand a folder a layer above it: no global -I of simdrive/.
n=$((n + 1))
if grep -n '^AM_CPPFLAGS.*-I[^ ]*simdrive' Makefile.am >/dev/null; then
	echo "not ok $n - Makefile.am has a global -I of simdrive"
	bad=$((bad + 1))
else
	echo "ok $n - no global include path: each target names its own"
fi
echo "1..$n"
[ "$bad" -eq 0 ]
