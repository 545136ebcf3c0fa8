/* simdrive/medium.c - a read-only disc backed by an ISO file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medium.h"

struct sim_medium {
	int              fd;
	enum sim_profile profile;
	const char      *name;
	uint32_t         blocks;
};

static const struct {
	const char      *name;
	enum sim_profile profile;
} sim_medium_kinds[] = {
	{ "dvd-rom", SIM_PROFILE_DVD_ROM },
	{ "cd-rom",  SIM_PROFILE_CD_ROM },
};

int sim_medium_open(const char *media, const char *file, struct sim_medium **out,
		    char *err, size_t errlen)
{
	*out = NULL;
	if (media && strcmp(media, "none") == 0) {
		if (file) {
			snprintf(err, errlen, "media none takes no file (got %s)", file);
			return -1;
		}
		return 0;
	}
	size_t k;
	for (k = 0; k < sizeof(sim_medium_kinds) / sizeof(sim_medium_kinds[0]); k++)
		if (media && strcmp(media, sim_medium_kinds[k].name) == 0)
			break;
	if (k == sizeof(sim_medium_kinds) / sizeof(sim_medium_kinds[0])) {
		snprintf(err, errlen, "unknown media '%s' (dvd-rom, cd-rom, none, or recordable: "
			 "cd-r, cd-r80, cd-rw, dvd-r, dvd-rw, dvd+r, dvd+r-dl, dvd+rw, bd-r, bd-re)",
			 media ? media : "(null)");
		return -1;
	}
	if (!file) {
		snprintf(err, errlen, "media %s needs a file", media);
		return -1;
	}

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
	if (size == 0 || size % SIM_BLOCK_SIZE != 0) {
		snprintf(err, errlen, "%s: size %lld is not a non-zero multiple of %u bytes",
			 file, (long long)size, SIM_BLOCK_SIZE);
		close(fd);
		return -1;
	}
	if ((uint64_t)size / SIM_BLOCK_SIZE > UINT32_MAX) {
		snprintf(err, errlen, "%s: too large for 32-bit block addresses", file);
		close(fd);
		return -1;
	}

	struct sim_medium *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "%s: out of memory", file);
		close(fd);
		return -1;
	}
	m->fd = fd;
	m->profile = sim_medium_kinds[k].profile;
	m->name = sim_medium_kinds[k].name;
	m->blocks = (uint32_t)(size / SIM_BLOCK_SIZE);
	*out = m;
	return 0;
}

void sim_medium_close(struct sim_medium *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m);
}

enum sim_profile sim_medium_profile(const struct sim_medium *m)
{
	return m->profile;
}

const char *sim_medium_name(const struct sim_medium *m)
{
	return m->name;
}

uint32_t sim_medium_blocks(const struct sim_medium *m)
{
	return m->blocks;
}

int sim_medium_is_cd(const struct sim_medium *m)
{
	return m->profile == SIM_PROFILE_CD_ROM;
}

int sim_medium_read(const struct sim_medium *m, uint32_t lba, uint8_t *buf, size_t len)
{
	off_t off = (off_t)lba * SIM_BLOCK_SIZE;

	while (len > 0) {
		ssize_t n = pread(m->fd, buf, len, off);
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
