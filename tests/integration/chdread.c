/* tests/integration/chdread.c - reads a CHD through libchd for tests/integration/chd-codecs.sh:
 *
 *   chdread CHD OUT
 *
 * Decodes every hunk into OUT (the logical bytes), checks the SHA-1 of them against the
 * raw SHA-1 in the header, and prints one line of how the hunks are stored, from the
 * hunk map: "hunks 512: lzma 300 zlib 12 none 190 self 10".
 * Exit status 0; 1 on a libchd error (its message on standard error); 3 when the SHA-1
 * differs; 2 on usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha1.h>

#include "chd.h"
#include "chdint.h"
#include "codec.h"
#include "wire.h"

static int die(const char *what, const struct chd_err *err)
{
	fprintf(stderr, "chdread: %s: %s\n", what, err ? err->msg : "failed");
	return 1;
}

/* How many hunks of each kind the map holds: slots 0..3, none, self, parent. */
static int census(const char *path, const struct chd_header *h, unsigned long kinds[7])
{
	FILE *f = fopen(path, "rb");
	uint8_t head[CHD_MAP_HEADER], *map = NULL;
	struct chd_map_entry *e = NULL;
	struct chd_err err;
	long size;
	int rc = 1;

	memset(kinds, 0, 7 * sizeof(kinds[0]));
	if (h->compressors[0] == CHD_CODEC_NONE) {	/* an uncompressed map: all as is */
		kinds[CHD_MAP_NONE] = h->hunk_count;
		if (f)
			fclose(f);
		return 0;
	}
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, (long)h->map_offset, SEEK_SET) != 0 || fread(head, 1, sizeof(head), f) != sizeof(head))
		goto out;
	uint32_t len = wire_be32(head) + CHD_MAP_HEADER;
	map = malloc(len);
	if (!map || fseek(f, (long)h->map_offset, SEEK_SET) != 0 || fread(map, 1, len, f) != len)
		goto out;
	if (chd_map_decode(map, len, h->map_offset, h->hunk_count, h->hunk_bytes, h->compressors,
			   (uint64_t)size, &e, path, &err) != CHD_OK) {
		fprintf(stderr, "chdread: map: %s\n", err.msg);
		goto out;
	}
	for (uint32_t i = 0; i < h->hunk_count; i++)
		if (e[i].type <= CHD_MAP_PARENT)
			kinds[e[i].type]++;
	rc = 0;
out:
	free(e);
	free(map);
	if (f)
		fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	struct chd_reader *r;
	struct chd_err err;
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];
	unsigned long kinds[7];
	char name[5];
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: chdread CHD OUT\n");
		return 2;
	}
	if (chd_open(argv[1], &r, &err) != CHD_OK)
		return die("open", &err);
	const struct chd_header *h = chd_reader_header(r);
	FILE *out = fopen(argv[2], "wb");
	uint8_t *buf = malloc(h->hunk_bytes);
	if (!out || !buf) {
		perror(argv[2]);
		goto done;
	}
	sha1_init(&sha);
	for (uint32_t hunk = 0; hunk < h->hunk_count; hunk++) {
		if (chd_read_hunk(r, hunk, buf, &err) != CHD_OK) {
			die("read", &err);
			goto done;
		}
		uint64_t at = (uint64_t)hunk * h->hunk_bytes;
		size_t n = h->logical_bytes - at < h->hunk_bytes ? (size_t)(h->logical_bytes - at) : h->hunk_bytes;
		sha1_update(&sha, n, buf);
		if (fwrite(buf, 1, n, out) != n) {
			perror(argv[2]);
			goto done;
		}
	}
	if (census(argv[1], h, kinds) != 0) {
		die("map", NULL);
		goto done;
	}
	printf("hunks %u:", h->hunk_count);
	for (int i = 0; i < 4; i++)
		if (h->compressors[i] != CHD_CODEC_NONE)
			printf(" %s %lu", chd_codec_name(h->compressors[i], name), kinds[i]);
	printf(" none %lu self %lu parent %lu\n", kinds[CHD_MAP_NONE], kinds[CHD_MAP_SELF],
	       kinds[CHD_MAP_PARENT]);
	sha1_digest(&sha, sizeof(digest), digest);
	rc = 0;
	if (memcmp(digest, h->raw_sha1, sizeof(digest)) != 0) {
		fprintf(stderr, "chdread: %s: the hunks' SHA-1 is not the header's raw SHA-1\n", argv[1]);
		rc = 3;
	}
done:
	if (out && fclose(out) != 0 && rc == 0) {
		perror(argv[2]);
		rc = 1;
	}
	free(buf);
	chd_close(r);
	return rc;
}
