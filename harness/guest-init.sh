#!/bin/busybox sh
# /init of the burnlab test guest (doc/real-programs.md section 2).
# harness/guestimage.c puts this script, busybox, the kernel modules and the burning
# programs into the initramfs; harness/guest.c boots it and talks to it on a
# virtio-serial port (org.burnlab.agent), one line at a time:
#   guest: "ready UPTIME"            the drive is /dev/sr0 + /dev/sg0, commands may come
#          "fail WHY"                it cannot serve (the host shows WHY and the console)
#   host:  "run N SECONDS"           run /host/.cmd-N with sh in /host, output to /host/.out-N
#   guest: "done N STATUS"           its exit status (137 when killed at SECONDS)
#          "stuck N"                 still running 10 s after SECONDS (in the kernel);
#                                    the console then says what the guest was doing
#   host:  "off"                     power off
# /host is the scenario's guest directory on the host (9p); the kernel command line
# carries burnlab.attach (passthrough or iscsi), for iscsi burnlab.target, and
# burnlab.net=1 when the guest has a network card for a forwarded port (QEMU's user
# network: the guest is 10.0.2.15, and a server it runs there is reachable from the
# host's 127.0.0.1 through the hostfwd, from nowhere else).
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp MKISOFS=genisoimage
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
ln -s /proc/self/fd /dev/fd
ln -s genisoimage /usr/bin/mkisofs 2>/dev/null

attach=passthrough
target=
net=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	burnlab.attach=*) attach=${w#*=} ;;
	burnlab.target=*) target=${w#*=} ;;
	burnlab.net=*) net=${w#*=} ;;
	esac
done
[ "$attach" = iscsi ] && net=1

# The modules in dependency order; those after the line "net" only with a network card,
# those after the line "iscsi" only for that attach.
section=base
while read -r m; do
	case "$m" in
	net | iscsi) section=$m; continue ;;
	esac
	[ "$section" = net ] && [ "$net" != 1 ] && continue
	[ "$section" = iscsi ] && [ "$attach" != iscsi ] && continue
	insmod "/lib/modules/$m" || echo "burnlab-guest: insmod $m failed"
done < /etc/burnlab-modules

# The command channel is the virtio-serial port named org.burnlab.agent.
i=0
port=
while [ -z "$port" ]; do
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = org.burnlab.agent ] && [ -c "/dev/${p##*/}" ] && port=/dev/${p##*/}
	done
	i=$((i + 1))
	[ -z "$port" ] && [ $i -gt 500 ] && { echo "burnlab-guest: no command port"; poweroff -f; }
	[ -z "$port" ] && usleep 20000
done
exec 3<>"$port"
say() { echo "$*" >&3; }
die() { say "fail $*"; sync; poweroff -f; }

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /host || die "cannot mount the shared directory"

if [ "$net" = 1 ]; then
	ip link set lo up
	ip link set eth0 up || die "no network card"
	ip addr add 10.0.2.15/24 dev eth0
fi
if [ "$attach" = iscsi ]; then
	# The kernel's iSCSI initiator logs in to the drive; QEMU's user network forwards
	# 10.0.2.100:3260 to the drive's loopback port and nothing else (restrict=on).
	# open-iscsi's iscsid and iscsiadm, not iscsistart: iscsistart sleeps a fixed second
	# before its login (usr/iscsistart.c).
	mkdir -p /etc/iscsi/nodes /etc/iscsi/send_targets /etc/iscsi/ifaces /run/lock/iscsi
	echo "InitiatorName=iqn.2026-01.org.burnlab:guest" > /etc/iscsi/initiatorname.iscsi
	: > /etc/iscsi/iscsid.conf
	iscsid -f > /tmp/iscsid.log 2>&1 &
	node="-m node -T $target -p 10.0.2.100:3260"
	iscsiadm $node -o new > /tmp/iscsiadm.log 2>&1 || die "iscsiadm: $(tail -n 1 /tmp/iscsiadm.log)"
	# iscsiadm gives up at once when iscsid is not listening yet: wait for its socket.
	i=0
	while ! grep -q ISCSIADM_ABSTRACT_NAMESPACE /proc/net/unix; do
		i=$((i + 1))
		[ $i -gt 500 ] && die "iscsid did not start: $(tail -n 1 /tmp/iscsid.log)"
		usleep 10000
	done
	iscsiadm $node --login >> /tmp/iscsiadm.log 2>&1 || die "iscsiadm: $(tail -n 1 /tmp/iscsiadm.log)"
fi

# The drive appears once the SCSI scan found it (sr_mod and sg bind asynchronously).
i=0
while [ ! -b /dev/sr0 ] || [ ! -c /dev/sg0 ]; do
	i=$((i + 1))
	[ $i -gt 1500 ] && die "no /dev/sr0 and /dev/sg0 after 30 s: $(ls /sys/class/scsi_device 2>&1)"
	usleep 20000
done

say "ready $(cut -d' ' -f1 /proc/uptime)"
while read -r verb n secs <&3; do
	case "$verb" in
	run)
		# A command stuck in the kernel (D state) survives SIGKILL: 10 s after its
		# time limit a watchdog says "stuck N" (the host then gives up on the guest)
		# and writes what the processes and the kernel are doing to the console, not
		# to /host (the 9p share may be what is stuck).
		(
			sleep $((secs + 10))
			say "stuck $n"
			{
				echo "== burnlab-guest: command $n stuck"
				ps -o pid,stat,args
				for p in /proc/[0-9]*; do
					grep -q '^State:.*D' "$p/status" 2>/dev/null || continue
					echo "== $p $(cat "$p/cmdline" | tr '\0' ' ')"
					cat "$p/stack" 2>/dev/null
				done
				dmesg | tail -n 60
			} > /dev/console 2>&1
		) &
		wd=$!
		cd /host
		timeout -s KILL "$secs" sh "/host/.cmd-$n" > "/host/.out-$n" 2>&1 < /dev/null
		st=$?
		cd /
		kill $wd 2>/dev/null
		sync
		say "done $n $st"
		;;
	off)
		break
		;;
	esac
done
cd /
sync
umount /host
poweroff -f
