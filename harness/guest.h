/* harness/guest.h - a Linux guest under QEMU whose kernel sees a drive as /dev/sr0 and
 * /dev/sg0, and runs commands in it (doc/real-programs.md section 2).
 *
 * Two attach modes, both reaching the drive on the host's loopback only:
 *  - passthrough: QEMU's iSCSI block driver opens the LUN and a scsi-generic device on
 *    virtio-scsi hands the guest kernel's commands to it unchanged;
 *  - iscsi: the guest kernel's own initiator (iscsistart) logs in through QEMU's user
 *    network (restrict=on) with one guestfwd to the drive's port.
 * Either mode may also forward one TCP port of the guest to a free port on the host's
 * 127.0.0.1 (QEMU user networking, restrict=on, one hostfwd): a server the guest runs
 * (tgtd exporting its /dev/sg0) is then reachable from the host and from nowhere else.
 * The guest shares a host directory (9p) as /host: inputs go in there, commands run
 * there, their output comes back there.  The console is kept in a file.
 */
#ifndef HRN_GUEST_H
#define HRN_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hrn_attach { HRN_ATTACH_PASSTHROUGH, HRN_ATTACH_ISCSI };

struct hrn_guest_opts {
	enum hrn_attach attach;
	const char *accel;		/* "tcg" (default) or "kvm" (falls back to tcg) */
	const char *qemu;		/* NULL: $BURNLAB_QEMU, else qemu-system-x86_64 */
	const char *kernel;		/* NULL: see hrn_gimg_kernel */
	const char *cache_dir;		/* NULL: see hrn_gimg_initramfs */
	const char *shared_dir;		/* the host directory the guest sees as /host */
	const char *console;		/* file for the guest's console */
	const char *host;		/* the drive's portal, 127.0.0.1 */
	int port;
	const char *target;		/* its IQN */
	int lun;
	int memory_mb;			/* 0: 512 */
	int64_t boot_timeout_us;	/* 0: 120 s */
	int forward_port;		/* > 0: a TCP port of the guest (10.0.2.15) that the
					 * host reaches on 127.0.0.1 (hrn_guest_forwarded_port) */
};

struct hrn_guest;

/* Whether a guest can be started at all: NULL, or why not (no QEMU, no kernel, no
 * busybox), written into buf.  A caller skips rather than fails on this. */
const char *hrn_guest_unavailable(const struct hrn_guest_opts *o, char *buf, size_t len);

/* Boot a guest (building the initramfs first when the cache has none) and wait for its
 * ready line.  Returns 0 and *out, or -1 with the reason in err (the console tail
 * included). */
int hrn_guest_start(const struct hrn_guest_opts *o, struct hrn_guest **out, char *err, size_t errlen);

/* Run a shell command in the guest's /host.  *status is its exit status (137 when it
 * was killed at the timeout); out (may be NULL) receives the path of the file holding
 * its standard output and error on the host.  Returns 0, or -1 when the guest did not
 * answer (then it is dead: err says why). */
int hrn_guest_exec(struct hrn_guest *g, const char *cmd, int64_t timeout_us, int *status,
		   char *out, size_t outlen, char *err, size_t errlen);

/* Power the guest off and wait for QEMU (killed after 20 s).  Returns 0, or -1 with err
 * when it had to be killed or QEMU reported an error; always frees g. */
int hrn_guest_stop(struct hrn_guest *g, char *err, size_t errlen);

/* Seconds from QEMU's start to the ready line; whether the initramfs came from the
 * cache; the accelerator used. */
double hrn_guest_boot_seconds(const struct hrn_guest *g);
bool hrn_guest_image_cached(const struct hrn_guest *g);
const char *hrn_guest_accel(const struct hrn_guest *g);
/* The host port (on 127.0.0.1) forwarded to the guest's forward_port; 0 when none. */
int hrn_guest_forwarded_port(const struct hrn_guest *g);
/* The burning programs the guest holds, blank separated. */
const char *hrn_guest_programs(const struct hrn_guest *g);

/* `harness guest [options] URL COMMAND...` (argv[0] is "guest"): boot a guest against any
 * target and run the commands, printing their output.  Exit status: the last command's,
 * 2 usage, 3 the guest failed, 77 no guest possible here.  `harness guest --check`:
 * 0 when a guest can run here, else 77 and the reason. */
int hrn_guest_main(int argc, char **argv);

#endif
