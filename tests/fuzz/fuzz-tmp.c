/* tests/fuzz/fuzz-tmp.c - a private directory for targets whose code under test reads
 * or writes paths, and the input as a file in it (see fuzz.h). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[64], path[128];

void fuzz_tmp_clean(void)
{
	DIR *d = dir[0] ? opendir(dir) : NULL;
	struct dirent *e;
	char p[400];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
}

static void cleanup(void)
{
	fuzz_tmp_clean();
	rmdir(dir);
}

const char *fuzz_tmp_dir(void)
{
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/fuzzXXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	return dir;
}

const char *fuzz_input_file(const char *name, const uint8_t *data, size_t size)
{
	snprintf(path, sizeof(path), "%s/%s", fuzz_tmp_dir(), name);
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return path;
}
