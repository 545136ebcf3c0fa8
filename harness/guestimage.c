/* harness/guestimage.c - the test guest's kernel and initramfs (guestimage.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lzma.h>
#include <nettle/sha2.h>
#include <zlib.h>

#include "errbuf.h"
#include "guestimage.h"

/* The guest's /init, generated from harness/guest-init.sh at build time. */
static const char guest_init[] =
#include "guest-init.inc"
	;

/* Kernel modules the guest loads (with their dependencies): virtio-console for the
 * command channel, the SCSI CD path (virtio-scsi for the passthrough attach, sr, sg), 9p
 * for the shared directory, ISO 9660 and UDF to mount; then the network card, loaded
 * when the guest has one (the iscsi attach, a forwarded port): MODULES_NET is its
 * index; then, for the iscsi attach only, the kernel iSCSI initiator (its digests need
 * crc32c): MODULES_ISCSI is the first of those. */
static const char *const modules[] = {
	"virtio_pci", "virtio_console", "virtio_scsi", "sr_mod", "sg", "9pnet_virtio", "9p", "isofs",
	"udf", "virtio_net", "iscsi_tcp", "crc32c_generic",
};
#define MODULES_NET 9
#define MODULES_ISCSI 10

/* The programs put into the guest when the host has them (doc/real-programs.md). */
static const char *const programs[] = {
	"xorriso", "cdrskin", "wodim", "readom", "icedax", "growisofs", "dvd+rw-format",
	"dvd+rw-mediainfo", "genisoimage", "cdrdao",
	/* tgt's iSCSI target: exports the guest's /dev/sg0 to the host (bs_sg passthrough) */
	"tgtd", "tgtadm",
};

/* Only in the iscsi attach's image: open-iscsi's daemon and tool that log the guest in
 * (harness/guest-init.sh).  With their libraries they add 2.5 MB, which cost the
 * passthrough boot about 0.1 s under TCG (doc/real-programs.md §5). */
static const char *const iscsi_programs[] = { "iscsid", "iscsiadm" };

/* Data files some of them read at run time. */
static const char *const data_files[] = {
	"/usr/share/cdrdao/drivers",	/* cdrdao's table of drive drivers */
};

struct entry {
	char *dest;		/* path in the guest, absolute */
	char *src;		/* host file to copy, or NULL */
	char *link;		/* symlink target, or NULL */
	unsigned mode;		/* S_IFDIR / S_IFREG / S_IFLNK | permissions */
	const char *text;	/* inline content (the init script), or NULL */
};

struct list {
	struct entry *e;
	size_t n, cap;
};

static int add(struct list *l, const char *dest, const char *src, const char *link, unsigned mode,
	       const char *text)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->e[i].dest, dest))
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct entry *e = realloc(l->e, cap * sizeof(*e));
		if (!e)
			return -1;
		l->e = e;
		l->cap = cap;
	}
	struct entry *e = &l->e[l->n];
	e->dest = strdup(dest);
	e->src = src ? strdup(src) : NULL;
	e->link = link ? strdup(link) : NULL;
	e->mode = mode;
	e->text = text;
	if (!e->dest || (src && !e->src) || (link && !e->link))
		return -1;
	l->n++;
	return 0;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].dest);
		free(l->e[i].src);
		free(l->e[i].link);
	}
	free(l->e);
}

/* Every directory above dest, outermost first (the kernel's unpacker creates no parent
 * directories). */
static int add_parents(struct list *l, const char *dest)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dest);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (add(l, p, NULL, NULL, S_IFDIR | 0755, NULL) != 0)
			return -1;
		*s = '/';
	}
	return 0;
}

static int add_file(struct list *l, const char *dest, const char *src)
{
	struct stat st;
	if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	if (add_parents(l, dest) != 0)
		return -1;
	return add(l, dest, src, NULL, S_IFREG | (st.st_mode & 0755), NULL);
}

/* The program's path: the first executable NAME in $PATH, then in /usr/sbin and /sbin
 * (not in every user's PATH; iscsid and iscsiadm live there).  One lookup serves both the
 * scenario's skip check and the image, so they agree on what the guest holds. */
static bool which(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		snprintf(out, cap, "%.*s/%s", (int)n, p, name);
		if (n && access(out, X_OK) == 0)
			return true;
		p += n + (e ? 1 : 0);
	}
	static const char *const sbins[] = { "/usr/sbin", "/sbin" };
	for (size_t i = 0; i < sizeof(sbins) / sizeof(sbins[0]); i++) {
		snprintf(out, cap, "%s/%s", sbins[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

bool hrn_gimg_have_program(const char *name)
{
	char path[PATH_MAX];
	return which(name, path, sizeof(path));
}

/* The shared libraries (and the dynamic loader) a program needs, as ldd(1) lists them:
 * "name => /path (addr)" and "/path (addr)" lines. */
static int add_libraries(struct list *l, const char *prog, char *err, size_t errlen)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0)
			dup2(nul, 2);
		execlp("ldd", "ldd", prog, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	char line[PATH_MAX + 128];
	int rc = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "=> ");
		p = p ? p + 3 : line + strspn(line, " \t");
		if (*p != '/')
			continue;	/* linux-vdso.so.1, "not a dynamic executable" */
		char *e = strchr(p, ' ');
		if (e)
			*e = 0;
		p[strcspn(p, "\n")] = 0;
		if (add_file(l, p, p) != 0) {
			hrn_errf(err, errlen, "cannot add %s (needed by %s)", p, prog);
			rc = -1;
		}
	}
	if (f)
		fclose(f);
	int st;
	waitpid(pid, &st, 0);
	return rc;
}

/* A module and its dependencies, dependencies first (modules.dep lists a module's
 * dependencies, nearest first, after its own path). */
static int add_module(struct list *l, struct list *order, const char *mdir, const char *name, int depth)
{
	if (depth > 16)
		return -1;
	char dep[PATH_MAX];
	snprintf(dep, sizeof(dep), "%s/modules.dep", mdir);
	FILE *f = fopen(dep, "r");
	if (!f)
		return -1;
	char want[160];
	snprintf(want, sizeof(want), "/%s.ko:", name);
	char *line = NULL;
	size_t cap = 0;
	int rc = -1;
	while (getline(&line, &cap, f) > 0) {
		char *colon = strstr(line, want);
		if (!colon || (colon[strlen(want)] != ' ' && colon[strlen(want)] != '\n'))
			continue;
		colon += strlen(want) - 1;	/* at ':' */
		*colon = 0;
		char *deps = colon + 1;
		rc = 0;
		/* the dependencies, deepest last in the list: load them from the end */
		char *words[64];
		int nw = 0;
		for (char *w = strtok(deps, " \n"); w && nw < 64; w = strtok(NULL, " \n"))
			words[nw++] = w;
		for (int i = nw - 1; i >= 0 && rc == 0; i--) {
			const char *b = strrchr(words[i], '/');
			char dn[128];
			snprintf(dn, sizeof(dn), "%s", b ? b + 1 : words[i]);
			char *dot = strstr(dn, ".ko");
			if (dot)
				*dot = 0;
			rc = add_module(l, order, mdir, dn, depth + 1);
		}
		if (rc == 0) {
			char src[PATH_MAX], dest[PATH_MAX];
			snprintf(src, sizeof(src), "%s/%s", mdir, line);
			snprintf(dest, sizeof(dest), "/lib/modules/%s", line);
			if (add_file(l, dest, src) != 0 || add(order, line, NULL, NULL, 0, NULL) != 0)
				rc = -1;
		}
		break;
	}
	free(line);
	fclose(f);
	return rc;
}

/* ---- the kernel ------------------------------------------------------------------ */

int hrn_gimg_kernel(const char *kernel, struct hrn_gimg *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!kernel)
		kernel = getenv("BURNLAB_GUEST_KERNEL");
	if (kernel && *kernel) {
		snprintf(out->kernel, sizeof(out->kernel), "%s", kernel);
	} else {
		/* the newest /boot/vmlinuz-RELEASE (by modification time) */
		DIR *d = opendir("/boot");
		time_t best = 0;
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (strncmp(de->d_name, "vmlinuz-", 8))
				continue;
			char p[PATH_MAX];
			struct stat st;
			snprintf(p, sizeof(p), "/boot/%s", de->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime >= best) {
				best = st.st_mtime;
				snprintf(out->kernel, sizeof(out->kernel), "%s", p);
			}
		}
		if (d)
			closedir(d);
		if (!out->kernel[0]) {
			hrn_errf(err, errlen, "no guest kernel: /boot has no vmlinuz-* (install linux-image-amd64)");
			return -1;
		}
	}
	if (access(out->kernel, R_OK) != 0) {
		hrn_errf(err, errlen, "guest kernel %s: %s", out->kernel, strerror(errno));
		return -1;
	}
	const char *b = strrchr(out->kernel, '/');
	b = b ? b + 1 : out->kernel;
	if (strncmp(b, "vmlinuz-", 8)) {
		hrn_errf(err, errlen, "guest kernel %s: the name must be vmlinuz-RELEASE (to find /lib/modules/RELEASE)",
		       out->kernel);
		return -1;
	}
	snprintf(out->release, sizeof(out->release), "%s", b + 8);
	char mdir[PATH_MAX];
	snprintf(mdir, sizeof(mdir), "/lib/modules/%s/modules.dep", out->release);
	if (access(mdir, R_OK) != 0) {
		hrn_errf(err, errlen, "guest kernel %s: no %s (%s)", out->kernel, mdir, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the archive ----------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->dest, ((const struct entry *)b)->dest);
}

static int hash_file(struct sha256_ctx *h, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(h, n, buf);
	int rc = ferror(f) ? -1 : 0;
	fclose(f);
	return rc;
}

/* One newc header: magic 070701 and 13 fields of 8 hex digits, then the name (with its
 * NUL) padded to a multiple of 4; the data follows, padded the same way. */
static int cpio_header(FILE *f, unsigned ino, unsigned mode, size_t size, const char *name)
{
	size_t nl = strlen(name) + 1;
	if (fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino, mode, 0u, 0u,
		    S_ISDIR(mode) ? 2u : 1u, 0u, size, 0u, 0u, 0u, 0u, nl, 0u) != 110)
		return -1;
	if (fwrite(name, 1, nl, f) != nl)
		return -1;
	static const char zero[4];
	size_t pad = (4 - (110 + nl) % 4) % 4;
	return fwrite(zero, 1, pad, f) == pad ? 0 : -1;
}

static int cpio_pad(FILE *f, size_t size)
{
	static const char zero[4];
	size_t pad = (4 - size % 4) % 4;
	return fwrite(zero, 1, pad, f) == pad ? 0 : -1;
}

static int cpio_entry(FILE *f, unsigned ino, const struct entry *e)
{
	const char *name = e->dest + 1;	/* archive names are relative */
	if (S_ISDIR(e->mode))
		return cpio_header(f, ino, e->mode, 0, name);
	if (S_ISLNK(e->mode)) {
		size_t n = strlen(e->link);
		if (cpio_header(f, ino, e->mode, n, name) != 0 || fwrite(e->link, 1, n, f) != n)
			return -1;
		return cpio_pad(f, n);
	}
	if (e->text) {
		size_t n = strlen(e->text);
		if (cpio_header(f, ino, e->mode, n, name) != 0 || fwrite(e->text, 1, n, f) != n)
			return -1;
		return cpio_pad(f, n);
	}
	FILE *in = fopen(e->src, "rb");
	if (!in)
		return -1;
	struct stat st;
	if (fstat(fileno(in), &st) != 0) {
		fclose(in);
		return -1;
	}
	size_t size = (size_t)st.st_size, done = 0;
	int rc = cpio_header(f, ino, e->mode, size, name);
	char buf[65536];
	while (rc == 0 && done < size) {
		size_t n = fread(buf, 1, sizeof(buf) < size - done ? sizeof(buf) : size - done, in);
		if (n == 0 || fwrite(buf, 1, n, f) != n)
			rc = -1;
		done += n;
	}
	fclose(in);
	return rc == 0 ? cpio_pad(f, size) : -1;
}

static int mkdirs(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/'); ; s = strchr(s + 1, '/')) {
		if (s)
			*s = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		if (!s)
			return 0;
		*s = '/';
	}
}

static void cache_dir_of(const char *given, char *out, size_t cap)
{
	const char *env = getenv("BURNLAB_GUEST_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (given && *given)
		snprintf(out, cap, "%s", given);
	else if (env && *env)
		snprintf(out, cap, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, cap, "%s/burnlab/guest", xdg);
	else
		snprintf(out, cap, "%s/.cache/burnlab/guest", home && *home ? home : "/tmp");
}

/* ---- the uncompressed kernel --------------------------------------------------- */

static bool kernel_has_pvh(const char *release)
{
	char cfg[PATH_MAX];
	snprintf(cfg, sizeof(cfg), "/boot/config-%s", release);
	FILE *f = fopen(cfg, "r");
	char line[256];
	bool yes = false;
	while (f && fgets(line, sizeof(line), f))
		if (!strcmp(line, "CONFIG_PVH=y\n"))
			yes = true;
	if (f)
		fclose(f);
	return yes;
}

/* Decompress the payload at in[off..] (XZ or gzip) into f; 0 or -1. */
static int unpack_payload(const uint8_t *in, size_t len, bool xz, FILE *f)
{
	static uint8_t buf[1 << 16];
	if (xz) {
		lzma_stream st = LZMA_STREAM_INIT;
		if (lzma_stream_decoder(&st, UINT64_MAX, 0) != LZMA_OK)
			return -1;
		st.next_in = in;
		st.avail_in = len;
		lzma_ret r;
		do {
			st.next_out = buf;
			st.avail_out = sizeof(buf);
			r = lzma_code(&st, LZMA_FINISH);
			size_t n = sizeof(buf) - st.avail_out;
			if (fwrite(buf, 1, n, f) != n)
				r = LZMA_PROG_ERROR;
		} while (r == LZMA_OK);
		lzma_end(&st);
		return r == LZMA_STREAM_END ? 0 : -1;
	}
	z_stream z = { 0 };
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	int r;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		r = inflate(&z, Z_NO_FLUSH);
		size_t n = sizeof(buf) - z.avail_out;
		if (fwrite(buf, 1, n, f) != n)
			r = Z_ERRNO;
	} while (r == Z_OK);
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

int hrn_gimg_vmlinux(const char *cache_dir, struct hrn_gimg *out, char *err, size_t errlen)
{
	out->vmlinux[0] = 0;
	if (!kernel_has_pvh(out->release)) {
		hrn_errf(err, errlen, "%s: no CONFIG_PVH=y in /boot/config-%s", out->kernel, out->release);
		return -1;
	}
	FILE *f = fopen(out->kernel, "rb");
	if (!f) {
		hrn_errf(err, errlen, "%s: %s", out->kernel, strerror(errno));
		return -1;
	}
	struct stat st;
	uint8_t *img = NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 1024 || !(img = malloc((size_t)st.st_size)) ||
	    fread(img, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		hrn_errf(err, errlen, "%s: cannot read it", out->kernel);
		fclose(f);
		free(img);
		return -1;
	}
	fclose(f);
	size_t len = (size_t)st.st_size;
	struct sha256_ctx h;
	uint8_t dig[SHA256_DIGEST_SIZE];
	sha256_init(&h);
	sha256_update(&h, len, img);
	sha256_digest(&h, sizeof(dig), dig);
	char dir[PATH_MAX - 64];
	cache_dir_of(cache_dir, dir, sizeof(dir));
	snprintf(out->vmlinux, sizeof(out->vmlinux), "%s/vmlinux-", dir);
	for (size_t i = 0; i < 8; i++)
		sprintf(out->vmlinux + strlen(out->vmlinux), "%02x", dig[i]);
	int rc = 0;
	if (access(out->vmlinux, R_OK) != 0) {
		/* the payload: the XZ stream (magic FD 37 7A 58 5A 00), else the first gzip member */
		static const uint8_t xzm[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 }, gzm[3] = { 0x1f, 0x8b, 0x08 };
		size_t off = len;
		bool xz = true;
		for (size_t i = 0; i + 6 <= len && off == len; i++)
			if (!memcmp(img + i, xzm, 6))
				off = i;
		for (size_t i = 0; i + 3 <= len && off == len; i++)	/* setup code may hold 1F 8B 08 too */
			if (!memcmp(img + i, gzm, 3))
				off = i, xz = false;
		char tmp[PATH_MAX + 32];
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out->vmlinux, (int)getpid());
		FILE *o = off < len && mkdirs(dir) == 0 ? fopen(tmp, "w+b") : NULL;
		uint8_t elf[4] = { 0 };
		if (!o || unpack_payload(img + off, len - off, xz, o) != 0 || fflush(o) != 0 ||
		    pread(fileno(o), elf, 4, 0) != 4 || memcmp(elf, "\177ELF", 4) || fclose(o) != 0 ||
		    rename(tmp, out->vmlinux) != 0) {
			hrn_errf(err, errlen, "%s: no XZ or gzip payload that gives an ELF kernel", out->kernel);
			if (o)
				fclose(o);
			unlink(tmp);
			out->vmlinux[0] = 0;
			rc = -1;
		}
	}
	free(img);
	return rc;
}

/* Put one program and its libraries into l when the host has it; its name goes to
 * out->programs or out->missing.  Returns 0, or -1 with err. */
static int add_program(struct list *l, const char *name, struct hrn_gimg *out, char *err, size_t errlen)
{
	char path[PATH_MAX], dest[PATH_MAX];
	char *list = which(name, path, sizeof(path)) ? out->programs : out->missing;
	size_t n = strlen(list);
	snprintf(list + n, sizeof(out->programs) - n, "%s%s", n ? " " : "", name);
	if (list == out->missing)
		return 0;
	snprintf(dest, sizeof(dest), "/usr/bin/%s", name);
	if (add_file(l, dest, path) != 0) {
		hrn_errf(err, errlen, "cannot add %s (%s) to the guest initramfs", name, path);
		return -1;
	}
	return add_libraries(l, path, err, errlen);
}

int hrn_gimg_initramfs(const char *cache_dir, bool iscsi, struct hrn_gimg *out, char *err,
		       size_t errlen)
{
	struct list l = { 0 }, order = { 0 };
	int rc = -1;
	char path[PATH_MAX], mdir[PATH_MAX];
	out->programs[0] = out->missing[0] = 0;

	/* busybox (static) is the guest's shell and tools; /init links the applets */
	if (!which("busybox", path, sizeof(path))) {
		hrn_errf(err, errlen, "no busybox on the host (install busybox-static)");
		goto out;
	}
	if (add_file(&l, "/bin/busybox", path) != 0 ||
	    add(&l, "/bin/sh", NULL, "busybox", S_IFLNK | 0777, NULL) != 0 ||
	    add(&l, "/init", NULL, NULL, S_IFREG | 0755, guest_init) != 0)
		goto nomem;
	add_libraries(&l, path, err, errlen);	/* none for busybox-static */
	/* /var/run: tgtd makes its management socket's directory there (/var/run/tgtd) */
	static const char *const dirs[] = { "/dev", "/proc", "/sys", "/tmp", "/host", "/mnt", "/root", "/etc",
					    "/usr/bin", "/usr/sbin", "/var", "/var/run" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (add(&l, dirs[i], NULL, NULL, S_IFDIR | 0755, NULL) != 0)
			goto nomem;
	add(&l, "/etc/passwd", NULL, NULL, S_IFREG | 0644, "root:x:0:0:root:/root:/bin/sh\n");
	add(&l, "/etc/group", NULL, NULL, S_IFREG | 0644, "root:x:0:\ncdrom:x:24:\n");

	snprintf(mdir, sizeof(mdir), "/lib/modules/%s", out->release);
	size_t nnet = 0, niscsi = 0;
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (i == MODULES_NET)
			nnet = order.n;
		if (i == MODULES_ISCSI)
			niscsi = order.n;
		if (add_module(&l, &order, mdir, modules[i], 0) != 0) {
			hrn_errf(err, errlen, "kernel module %s not found in %s/modules.dep", modules[i], mdir);
			goto out;
		}
	}
	/* the load order, one path below /lib/modules a line; a line "net" before the
	 * modules a guest with a network card loads, a line "iscsi" before those only the
	 * iscsi attach loads */
	size_t olen = 16;
	for (size_t i = 0; i < order.n; i++)
		olen += strlen(order.e[i].dest) + 1;
	char *otext = malloc(olen);
	if (!otext)
		goto nomem;
	otext[0] = 0;
	for (size_t i = 0; i < order.n; i++) {
		if (i == nnet)
			strcat(otext, "net\n");
		if (i == niscsi)
			strcat(otext, "iscsi\n");
		strcat(otext, order.e[i].dest);
		strcat(otext, "\n");
	}

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (add_program(&l, programs[i], out, err, errlen) != 0) {
			free(otext);
			goto out;
		}
	for (size_t i = 0; iscsi && i < sizeof(iscsi_programs) / sizeof(iscsi_programs[0]); i++)
		if (add_program(&l, iscsi_programs[i], out, err, errlen) != 0) {
			free(otext);
			goto out;
		}
	for (size_t i = 0; i < sizeof(data_files) / sizeof(data_files[0]); i++)
		if (access(data_files[i], R_OK) == 0 && add_file(&l, data_files[i], data_files[i]) != 0) {
			free(otext);
			goto nomem;
		}
	char *ptext = malloc(strlen(out->programs) + 2);
	if (!ptext || add(&l, "/etc/burnlab-modules", NULL, NULL, S_IFREG | 0644, otext) != 0) {
		free(ptext);
		free(otext);
		goto nomem;
	}
	sprintf(ptext, "%s\n", out->programs);
	add(&l, "/etc/burnlab-programs", NULL, NULL, S_IFREG | 0644, ptext);
	qsort(l.e, l.n, sizeof(*l.e), cmp_entry);	/* parents sort before their children */

	/* the cache key: every entry's name, mode and content */
	struct sha256_ctx h;
	sha256_init(&h);
	sha256_update(&h, 26, (const uint8_t *)"burnlab guest initramfs 1\n");
	for (size_t i = 0; i < l.n && rc != -2; i++) {
		const struct entry *e = &l.e[i];
		char m[32];
		int n = snprintf(m, sizeof(m), "%o", e->mode);
		sha256_update(&h, strlen(e->dest) + 1, (const uint8_t *)e->dest);
		sha256_update(&h, (size_t)n + 1, (const uint8_t *)m);
		if (e->link)
			sha256_update(&h, strlen(e->link) + 1, (const uint8_t *)e->link);
		else if (e->text)
			sha256_update(&h, strlen(e->text) + 1, (const uint8_t *)e->text);
		else if (e->src && hash_file(&h, e->src) != 0) {
			hrn_errf(err, errlen, "cannot read %s: %s", e->src, strerror(errno));
			rc = -2;
		}
	}
	if (rc == -2) {
		rc = -1;
		goto done_texts;
	}
	uint8_t dig[SHA256_DIGEST_SIZE];
	sha256_digest(&h, sizeof(dig), dig);
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	for (size_t i = 0; i < sizeof(dig); i++)
		sprintf(hex + 2 * i, "%02x", dig[i]);

	char dir[PATH_MAX - 64];
	cache_dir_of(cache_dir, dir, sizeof(dir));
	if (mkdirs(dir) != 0) {
		hrn_errf(err, errlen, "cannot create the guest cache %s: %s", dir, strerror(errno));
		goto done_texts;
	}
	snprintf(out->initramfs, sizeof(out->initramfs), "%s/initramfs-%.16s.cpio", dir, hex);
	if (access(out->initramfs, R_OK) == 0) {
		out->cached = true;
		rc = 0;
		goto done_texts;
	}
	/* build into a temporary name and rename: parallel scenarios may build at once */
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out->initramfs, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		hrn_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto done_texts;
	}
	int wrc = 0;
	for (size_t i = 0; i < l.n && wrc == 0; i++)
		wrc = cpio_entry(f, (unsigned)i + 1, &l.e[i]);
	if (wrc == 0)
		wrc = cpio_header(f, 0, 0, 0, "TRAILER!!!");
	if (fclose(f) != 0 || wrc != 0 || rename(tmp, out->initramfs) != 0) {
		hrn_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto done_texts;
	}
	out->cached = false;
	rc = 0;
done_texts:
	free(otext);
	free(ptext);
	goto out;
nomem:
	hrn_errf(err, errlen, "out of memory building the guest initramfs");
out:
	list_free(&l);
	list_free(&order);
	return rc;
}
