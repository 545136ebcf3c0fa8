/* simdrive/drive/backing.c - a read-only source of blocks: an ISO file (backing.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backing.h"

struct rec_backing {
	int      fd;
	uint32_t blocks;
};

int rec_backing_open(const char *file, struct rec_backing **out, char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	/* lseek rather than st_size so that block devices work too. */
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		close(fd);
		return -1;
	}
	if (size == 0 || size % REC_BACKING_BLOCK != 0) {
		snprintf(err, errlen, "%s: size %lld is not a non-zero multiple of %u bytes",
			 file, (long long)size, REC_BACKING_BLOCK);
		close(fd);
		return -1;
	}
	if ((uint64_t)size / REC_BACKING_BLOCK > UINT32_MAX) {
		snprintf(err, errlen, "%s: too large for 32-bit block addresses", file);
		close(fd);
		return -1;
	}
	struct rec_backing *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", file);
		close(fd);
		return -1;
	}
	b->fd = fd;
	b->blocks = (uint32_t)(size / REC_BACKING_BLOCK);
	*out = b;
	return 0;
}

void rec_backing_close(struct rec_backing *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b);
}

uint32_t rec_backing_blocks(const struct rec_backing *b)
{
	return b->blocks;
}

int rec_backing_read(const struct rec_backing *b, uint32_t lba, uint8_t *buf, size_t len)
{
	off_t off = (off_t)lba * REC_BACKING_BLOCK;

	while (len > 0) {
		ssize_t n = pread(b->fd, buf, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}
