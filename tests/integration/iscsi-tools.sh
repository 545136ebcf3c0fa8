#!/bin/bash
# libiscsi-bin's own clients against simdrive: iscsi-ls discovers the target (a
# discovery session with SendTargets, then a normal session per target to list LUNs)
# and iscsi-inq shows an MMC logical unit (peripheral device type 05h).
. "${TESTLIB:?TESTLIB must name tests/integration/lib.sh}" || exit 99
need iscsi-ls
need iscsi-inq

mkdata "$WORK/disc.iso" 4 1
sim_start main --drive lun=0,media=dvd-rom,file="$WORK/disc.iso" --drive lun=1,media=cd-rom,file="$WORK/disc.iso"

check "iscsi-ls discovers the target and lists both LUNs as MMC"
echo "iscsi-ls -s iscsi://$SIM_HOST"
iscsi-ls -s "iscsi://$SIM_HOST" >"$WORK/ls.out" 2>&1 || { cat "$WORK/ls.out"; fail "iscsi-ls failed"; }
cat "$WORK/ls.out"
grep -q "Target:$SIM_TARGET Portal:$SIM_HOST,1" "$WORK/ls.out" || fail "iscsi-ls did not list $SIM_TARGET at $SIM_HOST,1"
grep -q "Lun:0 *Type:MMC" "$WORK/ls.out" || fail "iscsi-ls did not show LUN 0 as MMC"
grep -q "Lun:1 *Type:MMC" "$WORK/ls.out" || fail "iscsi-ls did not show LUN 1 as MMC"

check "iscsi-inq: peripheral device type MMC, removable, vendor BURNLAB"
echo "iscsi-inq iscsi://$SIM_HOST/$SIM_TARGET/0"
iscsi-inq "iscsi://$SIM_HOST/$SIM_TARGET/0" >"$WORK/inq.out" 2>&1 || { cat "$WORK/inq.out"; fail "iscsi-inq failed"; }
cat "$WORK/inq.out"
grep -q "Peripheral Device Type:.*MMC" "$WORK/inq.out" || fail "iscsi-inq: peripheral device type is not MMC"
grep -q "Removable:1" "$WORK/inq.out" || fail "iscsi-inq: RMB is not set"
grep -q "Vendor:BURNLAB" "$WORK/inq.out" || fail "iscsi-inq: vendor is not BURNLAB"

check "iscsi-inq: unit serial number VPD page (80h)"
echo "iscsi-inq -e 1 -c 128"
iscsi-inq -e 1 -c 128 "iscsi://$SIM_HOST/$SIM_TARGET/0" >"$WORK/vpd80.out" 2>&1 || { cat "$WORK/vpd80.out"; fail "iscsi-inq VPD 80h failed"; }
cat "$WORK/vpd80.out"
grep -q "Unit Serial Number:\[SIM0\]" "$WORK/vpd80.out" || fail "iscsi-inq: no unit serial number"

check "iscsi-inq: device identification VPD page (83h) with the SCSI name of LUN 0"
echo "iscsi-inq -e 1 -c 131"
iscsi-inq -e 1 -c 131 "iscsi://$SIM_HOST/$SIM_TARGET/0" >"$WORK/vpd83.out" 2>&1 || { cat "$WORK/vpd83.out"; fail "iscsi-inq VPD 83h failed"; }
cat "$WORK/vpd83.out"
grep -q "Designator:\[$SIM_TARGET,L,0x0000000000000000\]" "$WORK/vpd83.out" || fail "iscsi-inq: no SCSI name string designator for LUN 0"
sim_stop
