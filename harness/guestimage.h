/* harness/guestimage.h - the test guest's boot files: kernel, modules and an initramfs
 * built from programs installed on the host (doc/real-programs.md section 2).
 *
 * The initramfs is a newc cpio archive (the kernel's initramfs format,
 * Documentation/driver-api/early-userspace/buffer-format.rst): busybox, the guest's /init
 * (harness/guest-init.sh), the kernel modules the guest needs with their dependencies
 * (from the host's modules.dep), and each burning program with its shared libraries.
 * It is cached by content: the name of the cached file is the SHA-256 of everything that
 * goes into it, so a changed program, library, module or init script makes a new one and
 * an unchanged host reuses the old one.
 */
#ifndef HRN_GUESTIMAGE_H
#define HRN_GUESTIMAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hrn_gimg {
	char kernel[PATH_MAX];		/* the bzImage */
	char vmlinux[PATH_MAX];		/* its uncompressed ELF image (PVH boot), or "" */
	char release[128];		/* its release, e.g. 6.1.0-57-amd64 */
	char initramfs[PATH_MAX];	/* the cached cpio archive */
	bool cached;			/* found in the cache, not built now */
	char programs[1024];		/* the burning programs it holds, blank separated */
	char missing[1024];		/* those of the list not installed on the host */
};

/* The kernel to boot: kernel (NULL: $BURNLAB_GUEST_KERNEL, else the newest
 * /boot/vmlinuz-*).  Its modules must be in /lib/modules/RELEASE.  Returns 0, or -1
 * with the reason in err (nothing to boot: the caller skips). */
int hrn_gimg_kernel(const char *kernel, struct hrn_gimg *out, char *err, size_t errlen);

/* Find or build the initramfs for out->release in cache_dir (NULL: $BURNLAB_GUEST_CACHE,
 * else $XDG_CACHE_HOME/burnlab/guest, else $HOME/.cache/burnlab/guest); iscsi: the
 * iscsi attach's, which also holds the initiator's programs.  Fills out->initramfs,
 * cached, programs and missing.  Returns 0, or -1 with err. */
int hrn_gimg_initramfs(const char *cache_dir, bool iscsi, struct hrn_gimg *out, char *err,
		       size_t errlen);

/* The kernel's uncompressed ELF image in the cache (out->vmlinux): QEMU boots it
 * directly through its PVH entry point, which skips the firmware's Linux loader and the
 * kernel's own decompression (seconds under TCG).  Only for a kernel built with
 * CONFIG_PVH (its /boot/config-RELEASE says so) whose payload is XZ (liblzma) or gzip
 * (zlib).  Returns 0, or -1 with the reason in err: the caller boots the bzImage. */
int hrn_gimg_vmlinux(const char *cache_dir, struct hrn_gimg *out, char *err, size_t errlen);

/* Whether a program (by name) is in PATH on the host. */
bool hrn_gimg_have_program(const char *name);

#endif
