/* tests/unit/test_chd.c - CUnit for libchd (chd/): bit streams, CRC-16, the Huffman
 * codes, the hunk map, the CD wrapper, writer -> reader round trips, CHT2 text, and
 * files that lie (every refusal checked for its status and, where it has one, the file
 * offset it names).  tests/integration/chd-chdman.sh holds the same code against
 * MAME's chdman. */
#include <fcntl.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "cdsector.h"
#include "chd.h"
#include "chdint.h"
#include "codec.h"
#include "huffman.h"
#include "unit.h"
#include "wire.h"

/* A deterministic generator (tests repeat bit for bit). */
static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

static char tmpdir[256];

static void remove_tmpdir(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_chd: could not remove %s\n", tmpdir);
}

static const char *tpath(const char *name)
{
	static char buf[4][512];
	static int slot;
	slot = (slot + 1) % 4;
	if (!tmpdir[0]) {
		CU_ASSERT_FATAL(unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_chd") != NULL);
		atexit(remove_tmpdir);
	}
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, name);
	return buf[slot];
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	return (uint64_t)st.st_size;
}

static void patch(const char *path, uint64_t off, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, p, n, (off_t)off) == (ssize_t)n);
	close(fd);
}

static void peek_file(const char *path, uint64_t off, void *p, size_t n)
{
	int fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, p, n, (off_t)off) == (ssize_t)n);
	close(fd);
}

/* ---- bit streams and CRC-16 ---------------------------------------------------- */

static void test_bits_read(void)
{
	const uint8_t b[3] = { 0xa5, 0x3c, 0xff };
	struct chd_bitreader r;

	chd_bits_init(&r, b, sizeof(b));
	CU_ASSERT_EQUAL(chd_bits_peek(&r, 4), 0xa);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 4), 0xa);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 8), 0x53);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 1), 1);
	CU_ASSERT_EQUAL(chd_bits_used(&r), 2);
	CU_ASSERT_FALSE(r.overflow);
	/* 11 bits left: 100 1111 1111, then zeros past the end. */
	CU_ASSERT_EQUAL(chd_bits_read(&r, 16), 0x9fe0);
	CU_ASSERT_TRUE(r.overflow);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 32), 0);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 0), 0);

	/* Exactly to the end is no overflow; 32-bit reads at any alignment. */
	chd_bits_init(&r, b, sizeof(b));
	CU_ASSERT_EQUAL(chd_bits_read(&r, 24), 0xa53cff);
	CU_ASSERT_FALSE(r.overflow);
	const uint8_t c[6] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	chd_bits_init(&r, c, sizeof(c));
	chd_bits_skip(&r, 3);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 32), (uint32_t)(0x123456789aULL >> 5));
	/* An empty buffer reads zeros. */
	chd_bits_init(&r, NULL, 0);
	CU_ASSERT_EQUAL(chd_bits_read(&r, 7), 0);
	CU_ASSERT_TRUE(r.overflow);
}

static void test_bits_write(void)
{
	uint8_t b[4] = { 0, 0, 0, 0x77 };	/* b[3] guards the capacity of 3 */
	struct chd_bitwriter w;

	chd_bitw_init(&w, b, 3);
	chd_bitw_put(&w, 0xa, 4);
	chd_bitw_put(&w, 0x53, 8);
	chd_bitw_put(&w, 1, 1);
	CU_ASSERT_EQUAL(chd_bitw_bytes(&w), 2);
	CU_ASSERT_EQUAL(b[0], 0xa5);
	CU_ASSERT_EQUAL(b[1], 0x38);
	chd_bitw_put(&w, 0x7ff, 11);
	CU_ASSERT_FALSE(w.overflow);
	CU_ASSERT_EQUAL(b[1], 0x3f);
	CU_ASSERT_EQUAL(b[2], 0xff);
	chd_bitw_put(&w, 0xffffffff, 32);
	CU_ASSERT_TRUE(w.overflow);
	CU_ASSERT_EQUAL(b[3], 0x77);

	/* What a writer writes, a reader reads back, any widths. */
	uint8_t buf[600];
	uint32_t vals[200];
	unsigned widths[200];
	chd_bitw_init(&w, buf, sizeof(buf));
	for (int i = 0; i < 200; i++) {
		widths[i] = rnd() % 33;
		vals[i] = widths[i] ? (rnd() << 8 ^ rnd()) & (uint32_t)((1ULL << widths[i]) - 1) : 0;
		chd_bitw_put(&w, vals[i], widths[i]);
	}
	CU_ASSERT_FALSE(w.overflow);
	struct chd_bitreader r;
	chd_bits_init(&r, buf, chd_bitw_bytes(&w));
	for (int i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(chd_bits_read(&r, widths[i]), vals[i]);
	CU_ASSERT_FALSE(r.overflow);
}

static void test_crc16(void)
{
	CU_ASSERT_EQUAL(chd_crc16("123456789", 9), 0x29b1);
	CU_ASSERT_EQUAL(chd_crc16("", 0), 0xffff);
	uint16_t c = chd_crc16_update(0xffff, "1234", 4);
	CU_ASSERT_EQUAL(chd_crc16_update(c, "56789", 5), 0x29b1);
}

/* ---- Huffman --------------------------------------------------------------------- */

/* Build from DATA, store the tree (RLE or Huffman-coded) and the symbols, read them back. */
static void huff_roundtrip(unsigned numcodes, unsigned maxbits, const uint8_t *data, size_t n, bool rle)
{
	struct chd_huff h, g;
	size_t cap = 1024 + n * 4;
	uint8_t *buf = malloc(cap);
	struct chd_bitwriter w;
	struct chd_bitreader r;

	CU_ASSERT_FATAL(chd_huff_init(&h, numcodes, maxbits) == CHD_OK);
	CU_ASSERT_FATAL(chd_huff_init(&g, numcodes, maxbits) == CHD_OK);
	for (size_t i = 0; i < n; i++)
		chd_huff_histo_add(&h, data[i]);
	CU_ASSERT_FATAL(chd_huff_build(&h) == CHD_OK);
	for (unsigned s = 0; s < numcodes; s++) {
		CU_ASSERT(h.len[s] <= maxbits);
		CU_ASSERT((h.len[s] != 0) == (h.histo[s] != 0));
	}
	chd_bitw_init(&w, buf, cap);
	CU_ASSERT_EQUAL((rle ? chd_huff_export_rle(&h, &w) : chd_huff_export_huffman(&h, &w)), CHD_OK);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(chd_huff_encode(&h, &w, data[i]), CHD_OK);
	CU_ASSERT_FATAL(!w.overflow);
	chd_bits_init(&r, buf, chd_bitw_bytes(&w));
	CU_ASSERT_FATAL((rle ? chd_huff_import_rle(&g, &r) : chd_huff_import_huffman(&g, &r)) == CHD_OK);
	CU_ASSERT_EQUAL(memcmp(g.len, h.len, numcodes), 0);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += chd_huff_decode(&g, &r) != data[i];
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_FALSE(r.overflow);
	CU_ASSERT_EQUAL(chd_bits_used(&r), chd_bitw_bytes(&w));
	chd_huff_fini(&h);
	chd_huff_fini(&g);
	free(buf);
}

static void test_huff_random(void)
{
	static uint8_t data[20000];

	for (int iter = 0; iter < 120; iter++) {
		bool map = iter % 3 == 0;
		unsigned nc = map ? 16 : 256, mb = map ? 8 : 16;
		size_t n = 1 + rnd() % sizeof(data);
		unsigned spread = 1 + rnd() % nc;
		for (size_t i = 0; i < n; i++) {
			switch (iter % 4) {
			case 0: data[i] = (uint8_t)(rnd() % spread); break;
			case 1: data[i] = (uint8_t)(rnd() % nc); break;
			case 2: {	/* geometric: long codes */
				unsigned v = 0;
				while (v + 1 < nc && (rnd() & 1))
					v++;
				data[i] = (uint8_t)v;
				break;
			}
			default: data[i] = (uint8_t)(rnd() % 7 ? rnd() % 3 : rnd() % nc); break;
			}
		}
		huff_roundtrip(nc, mb, data, n, iter & 1);
		if (!map)
			huff_roundtrip(nc, mb, data, n, !(iter & 1));
	}
}

static void test_huff_degenerate(void)
{
	static uint8_t data[70000];
	struct chd_huff h;

	/* One symbol only: a single 1-bit code. */
	memset(data, 200, 5000);
	huff_roundtrip(256, 16, data, 5000, false);
	huff_roundtrip(256, 16, data, 5000, true);
	memset(data, 3, 100);
	huff_roundtrip(16, 8, data, 100, true);
	CU_ASSERT_FATAL(chd_huff_init(&h, 16, 8) == CHD_OK);
	chd_huff_histo_add(&h, 9);
	CU_ASSERT_EQUAL(chd_huff_build(&h), CHD_OK);
	CU_ASSERT_EQUAL(h.len[9], 1);
	/* No symbol at all: a tree of no codes, which decodes nothing. */
	chd_huff_histo_reset(&h);
	CU_ASSERT_EQUAL(chd_huff_build(&h), CHD_OK);
	for (unsigned s = 0; s < 16; s++)
		CU_ASSERT_EQUAL(h.len[s], 0);
	uint8_t buf[64];
	struct chd_bitwriter w;
	struct chd_bitreader r;
	chd_bitw_init(&w, buf, sizeof(buf));
	CU_ASSERT_EQUAL(chd_huff_export_rle(&h, &w), CHD_OK);
	CU_ASSERT_EQUAL(chd_huff_encode(&h, &w, 3), CHD_EINVAL);
	chd_bits_init(&r, buf, chd_bitw_bytes(&w));
	CU_ASSERT_EQUAL(chd_huff_import_rle(&h, &r), CHD_OK);
	CU_ASSERT_EQUAL(chd_huff_decode(&h, &r), -1);
	chd_huff_fini(&h);

	/* Every symbol equally often: all 8 bits. */
	for (size_t i = 0; i < 256 * 20; i++)
		data[i] = (uint8_t)i;
	huff_roundtrip(256, 16, data, 256 * 20, false);
	/* Fibonacci counts would give codes of 25+ bits: the build must cap them at 16
	 * (and at 8 for the map's 16 codes). */
	size_t n = 0;
	uint32_t a = 1, b = 1;
	for (unsigned s = 0; s < 24 && n < sizeof(data); s++) {
		for (uint32_t k = 0; k < a && n < sizeof(data); k++)
			data[n++] = (uint8_t)s;
		uint32_t t = a + b;
		a = b;
		b = t;
	}
	huff_roundtrip(256, 16, data, n, false);
	huff_roundtrip(256, 16, data, n, true);
	CU_ASSERT_FATAL(chd_huff_init(&h, 256, 16) == CHD_OK);
	for (size_t i = 0; i < n; i++)
		chd_huff_histo_add(&h, data[i]);
	CU_ASSERT_EQUAL(chd_huff_build(&h), CHD_OK);
	unsigned longest = 0;
	for (unsigned s = 0; s < 256; s++)
		longest = h.len[s] > longest ? h.len[s] : longest;
	CU_ASSERT_EQUAL(longest, 16);
	chd_huff_fini(&h);
	for (size_t i = 0; i < 4000; i++)
		data[i] = (uint8_t)(i < 2000 ? 0 : i < 3000 ? 1 : i < 3500 ? 2 : i < 3750 ? 3 : 4 + i % 12);
	huff_roundtrip(16, 8, data, 4000, true);
	/* All 16 map codes at the 8-bit limit with a skewed histogram. */
	n = 0;
	for (unsigned s = 0; s < 16; s++)
		for (uint32_t k = 0; k < (1u << s) && n < sizeof(data); k++)
			data[n++] = (uint8_t)s;
	huff_roundtrip(16, 8, data, n, true);
}

static void test_huff_bad_trees(void)
{
	struct chd_huff h;
	uint8_t len[256];

	CU_ASSERT_EQUAL(chd_huff_init(&h, 0, 8), CHD_EINVAL);
	CU_ASSERT_EQUAL(chd_huff_init(&h, 16, 17), CHD_EINVAL);
	CU_ASSERT_EQUAL(chd_huff_init(&h, 257, 8), CHD_EINVAL);
	CU_ASSERT_FATAL(chd_huff_init(&h, 16, 8) == CHD_OK);
	memset(len, 0, sizeof(len));
	len[0] = 9;	/* longer than maxbits */
	CU_ASSERT_EQUAL(chd_huff_set_lengths(&h, len), CHD_EFORMAT);
	memset(len, 0, sizeof(len));
	len[0] = len[1] = len[2] = 1;	/* three 1-bit codes */
	CU_ASSERT_EQUAL(chd_huff_set_lengths(&h, len), CHD_EFORMAT);
	memset(len, 0, sizeof(len));
	len[4] = 3;	/* a lone 3-bit code cannot be canonical */
	CU_ASSERT_EQUAL(chd_huff_set_lengths(&h, len), CHD_EFORMAT);
	memset(len, 0, sizeof(len));
	len[0] = 1;
	len[1] = 2;
	len[2] = 2;
	CU_ASSERT_EQUAL(chd_huff_set_lengths(&h, len), CHD_OK);
	/* MAME's canonical order: the 1-bit code is "1", the 2-bit ones "00", "01". */
	CU_ASSERT_EQUAL(h.code[0], 1);
	CU_ASSERT_EQUAL(h.code[1], 0);
	CU_ASSERT_EQUAL(h.code[2], 1);
	memset(len, 0, sizeof(len));
	len[5] = 1;	/* incomplete at the top: "1" decodes to nothing */
	CU_ASSERT_EQUAL(chd_huff_set_lengths(&h, len), CHD_OK);
	const uint8_t one[1] = { 0x80 }, zero[1] = { 0x00 };
	struct chd_bitreader r;
	chd_bits_init(&r, one, 1);
	CU_ASSERT_EQUAL(chd_huff_decode(&h, &r), -1);
	chd_bits_init(&r, zero, 1);
	CU_ASSERT_EQUAL(chd_huff_decode(&h, &r), 5);

	/* RLE: "1 v n" repeating past the 16 codes. */
	uint8_t buf[16];
	struct chd_bitwriter w;
	chd_bitw_init(&w, buf, sizeof(buf));
	chd_bitw_put(&w, 1, 4);
	chd_bitw_put(&w, 4, 4);
	chd_bitw_put(&w, 15, 4);	/* 18 codes */
	chd_bits_init(&r, buf, chd_bitw_bytes(&w));
	CU_ASSERT_EQUAL(chd_huff_import_rle(&h, &r), CHD_EFORMAT);
	/* A stream that ends before 16 lengths. */
	chd_bits_init(&r, buf, 1);
	CU_ASSERT_EQUAL(chd_huff_import_rle(&h, &r), CHD_EFORMAT);
	chd_huff_fini(&h);

	/* Garbage: any answer but a crash or a read outside the buffer (ASan). */
	CU_ASSERT_FATAL(chd_huff_init(&h, 256, 16) == CHD_OK);
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t junk[64];
		size_t n = rnd() % sizeof(junk);
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rnd();
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, junk, n);
		chd_bits_init(&r, copy, n);
		if (chd_huff_import_huffman(&h, &r) == CHD_OK)
			for (int k = 0; k < 100; k++)
				chd_huff_decode(&h, &r);
		chd_bits_init(&r, copy, n);
		if (chd_huff_import_rle(&h, &r) == CHD_OK)
			for (int k = 0; k < 100; k++)
				chd_huff_decode(&h, &r);
		free(copy);
	}
	chd_huff_fini(&h);
}

/* ---- the hunk map --------------------------------------------------------------- */

static const uint32_t all_slots[4] = { CHD_CODEC_ZLIB, CHD_CODEC_CD_ZLIB, CHD_CODEC_ZLIB, CHD_CODEC_ZLIB };

/* N entries of every kind laid out as the writer lays them out; their data from 124. */
static struct chd_map_entry *make_entries(uint32_t n, uint32_t hb, uint64_t *end)
{
	struct chd_map_entry *e = calloc(n, sizeof(*e));
	uint64_t pos = CHD_V5_HEADER_BYTES;
	uint32_t i = 0;

	while (i < n) {
		unsigned kind = i == 0 ? 0 : rnd() % 7;
		uint32_t run = 1 + (rnd() % 8 == 0 ? rnd() % 600 : rnd() % 5);
		for (uint32_t k = 0; k < run && i < n; k++, i++) {
			switch (kind) {
			case 0: case 1:	/* compressed, a slot per run */
				e[i] = (struct chd_map_entry){ .type = (uint8_t)(rnd() % 4), .length = 1 + rnd() % (hb - 1) };
				break;
			case 2:
				e[i] = (struct chd_map_entry){ .type = CHD_MAP_NONE, .length = hb };
				break;
			case 3:	/* an arbitrary earlier hunk */
				e[i] = (struct chd_map_entry){ .type = CHD_MAP_SELF, .offset = rnd() % i };
				break;
			case 4:	/* the same hunk again: SELF_0 */
				e[i] = (struct chd_map_entry){ .type = CHD_MAP_SELF, .offset = i > 1 ? 1 : 0 };
				break;
			default:	/* following hunks: SELF_1 */
				e[i] = (struct chd_map_entry){ .type = CHD_MAP_SELF, .offset = k < i ? k : 0 };
				break;
			}
			if (e[i].type != CHD_MAP_SELF) {
				e[i].offset = pos;
				e[i].crc = (uint16_t)rnd();
				pos += e[i].length;
			}
		}
	}
	*end = pos;
	return e;
}

static void map_roundtrip(uint32_t n, uint32_t hb)
{
	uint64_t end;
	struct chd_map_entry *e = make_entries(n, hb, &end), *d = NULL;
	uint8_t *map;
	size_t len;
	struct chd_err err;

	CU_ASSERT_FATAL(chd_map_encode(e, n, hb, &map, &len) == CHD_OK);
	CU_ASSERT_EQUAL(wire_be32(map) + CHD_MAP_HEADER, len);
	CU_ASSERT_EQUAL_FATAL(chd_map_decode(map, len, end, n, hb, all_slots, end, &d, "m", &err), CHD_OK);
	size_t bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		/* A reference comes back pointing at the hunk with the data. */
		uint64_t want = e[i].offset;
		if (e[i].type == CHD_MAP_SELF)
			while (e[want].type == CHD_MAP_SELF)
				want = e[want].offset;
		bad += d[i].type != e[i].type || d[i].offset != want ||
		       (e[i].type != CHD_MAP_SELF && (d[i].length != e[i].length || d[i].crc != e[i].crc));
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* One hunk past the end of the data: refused, naming that hunk's offset. */
	if (end > CHD_V5_HEADER_BYTES) {
		free(d);
		CU_ASSERT_EQUAL(chd_map_decode(map, len, end, n, hb, all_slots, end - 1, &d, "m", &err),
				CHD_EFORMAT);
		CU_ASSERT_PTR_NULL(d);
		CU_ASSERT(err.offset >= CHD_V5_HEADER_BYTES && (uint64_t)err.offset < end);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "past the end"));
	}
	free(d);
	free(map);
	free(e);
}

static void test_map_roundtrip(void)
{
	map_roundtrip(1, 4096);
	map_roundtrip(2, 4096);
	map_roundtrip(7, 19584);
	for (int iter = 0; iter < 30; iter++)
		map_roundtrip(1 + rnd() % 3000, 512 + rnd() % 20000);

	/* Runs: exactly the RLE bounds (3, 18, 19, 274, 275) of codec 0, the initial type. */
	const uint32_t runs[] = { 1, 2, 3, 18, 19, 274, 275, 548, 1000 };
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		uint32_t n = runs[k] + 2;
		struct chd_map_entry *e = calloc(n, sizeof(*e)), *d;
		uint64_t pos = 124;
		for (uint32_t i = 0; i < n; i++) {
			e[i] = (struct chd_map_entry){ .type = i < runs[k] ? 0 : CHD_MAP_NONE, .offset = pos,
						       .length = i < runs[k] ? 100 : 4096, .crc = (uint16_t)i };
			pos += e[i].length;
		}
		uint8_t *map;
		size_t len;
		struct chd_err err;
		CU_ASSERT_FATAL(chd_map_encode(e, n, 4096, &map, &len) == CHD_OK);
		CU_ASSERT_EQUAL_FATAL(chd_map_decode(map, len, pos, n, 4096, all_slots, pos, &d, "m", &err), CHD_OK);
		for (uint32_t i = 0; i < n; i++)
			CU_ASSERT(d[i].type == e[i].type && d[i].offset == e[i].offset && d[i].crc == e[i].crc);
		free(d);
		free(map);
		free(e);
	}
	/* No hunk at all. */
	uint8_t *map;
	size_t len;
	struct chd_map_entry *d;
	struct chd_err err;
	CU_ASSERT_FATAL(chd_map_encode(NULL, 0, 4096, &map, &len) == CHD_OK);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 124, 0, 4096, all_slots, 124, &d, "m", &err), CHD_OK);
	free(d);
	free(map);
}

/* A map stream written type by type (no RLE), fields as given: for maps the encoder
 * never writes. */
struct hand_entry {
	uint8_t type;
	uint32_t a, b;	/* length and CRC, or the referenced hunk */
};

static size_t hand_map(uint8_t *out, size_t cap, const struct hand_entry *he, uint32_t n, uint64_t first,
		       uint16_t crc, unsigned lengthbits, unsigned selfbits)
{
	struct chd_huff h;
	struct chd_bitwriter w;
	uint8_t len[16];

	/* Every type a 4-bit code. */
	memset(len, 4, sizeof(len));
	CU_ASSERT_FATAL(chd_huff_init(&h, 16, 8) == CHD_OK);
	CU_ASSERT_FATAL(chd_huff_set_lengths(&h, len) == CHD_OK);
	chd_bitw_init(&w, out + CHD_MAP_HEADER, cap - CHD_MAP_HEADER);
	chd_huff_export_rle(&h, &w);
	for (uint32_t i = 0; i < n; i++)
		chd_huff_encode(&h, &w, he[i].type);
	for (uint32_t i = 0; i < n; i++) {
		if (he[i].type <= 3) {
			chd_bitw_put(&w, he[i].a, lengthbits);
			chd_bitw_put(&w, he[i].b, 16);
		} else if (he[i].type == CHD_MAP_NONE) {
			chd_bitw_put(&w, he[i].b, 16);
		} else if (he[i].type == CHD_MAP_SELF) {
			chd_bitw_put(&w, he[i].a, selfbits);
		}
	}
	chd_huff_fini(&h);
	CU_ASSERT_FATAL(!w.overflow);
	size_t payload = chd_bitw_bytes(&w);
	chd_map_put_header(out, payload, first, crc, lengthbits, selfbits);
	return CHD_MAP_HEADER + payload;
}

static uint16_t hand_crc(const struct hand_entry *he, uint32_t n, uint64_t first, uint32_t hb)
{
	uint16_t crc = 0xffff;
	uint64_t pos = first;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t raw[12] = { 0 };
		uint32_t length = he[i].type <= 3 ? he[i].a : he[i].type == CHD_MAP_NONE ? hb : 0;
		uint64_t off = he[i].type == CHD_MAP_SELF ? he[i].a : pos;
		raw[0] = he[i].type;
		wire_put_be24(raw + 1, length);
		wire_put_be16(raw + 4, (uint16_t)(off >> 32));
		wire_put_be32(raw + 6, (uint32_t)off);
		wire_put_be16(raw + 10, he[i].type == CHD_MAP_SELF ? 0 : (uint16_t)he[i].b);
		crc = chd_crc16_update(crc, raw, sizeof(raw));
		if (he[i].type <= CHD_MAP_NONE)
			pos += length;
	}
	return crc;
}

static void test_map_rejects(void)
{
	uint8_t map[256];
	struct chd_map_entry *d;
	struct chd_err err;
	const uint32_t one_slot[4] = { CHD_CODEC_ZLIB, 0, 0, 0 };
	size_t len;

	/* The hand-written map is right as it is. */
	struct hand_entry ok[3] = { { 0, 100, 0x1234 }, { CHD_MAP_NONE, 0, 0x5678 }, { CHD_MAP_SELF, 0, 0 } };
	len = hand_map(map, sizeof(map), ok, 3, 124, hand_crc(ok, 3, 124, 4096), 12, 2);
	CU_ASSERT_EQUAL_FATAL(chd_map_decode(map, len, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_OK);
	CU_ASSERT_EQUAL(d[1].offset, 224);
	CU_ASSERT_EQUAL(d[2].offset, 0);
	free(d);

	/* Its CRC-16 wrong. */
	len = hand_map(map, sizeof(map), ok, 3, 124, (uint16_t)(hand_crc(ok, 3, 124, 4096) ^ 1), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CRC-16"));
	CU_ASSERT_EQUAL(err.offset, 9000);

	/* The NONE hunk (at 224, 4096 bytes) past a file of 4000 bytes: its offset named. */
	len = hand_map(map, sizeof(map), ok, 3, 124, hand_crc(ok, 3, 124, 4096), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 3000, 3, 4096, one_slot, 4000, &d, "m", &err), CHD_EFORMAT);
	CU_ASSERT_EQUAL(err.offset, 224);

	/* Hunks whose data would lie inside the header: the map's offset named. */
	len = hand_map(map, sizeof(map), ok, 3, 100, hand_crc(ok, 3, 100, 4096), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "inside the header"));
	CU_ASSERT_EQUAL(err.offset, 9000);

	/* A codec slot the header leaves empty. */
	struct hand_entry slot2[1] = { { 2, 100, 0 } };
	len = hand_map(map, sizeof(map), slot2, 1, 124, hand_crc(slot2, 1, 124, 4096), 12, 0);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 1, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "slot 2"));

	/* A reference to itself, and to a later hunk. */
	struct hand_entry self[2] = { { 0, 100, 0 }, { CHD_MAP_SELF, 1, 0 } };
	len = hand_map(map, sizeof(map), self, 2, 124, hand_crc(self, 2, 124, 4096), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 2, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	self[1].a = 3;
	len = hand_map(map, sizeof(map), self, 2, 124, hand_crc(self, 2, 124, 4096), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 2, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);

	/* Parent types: unsupported, "needs a parent". */
	for (uint8_t t = CHD_MAP_PARENT; t <= CHD_MAP_PARENT_1; t++) {
		if (t == CHD_MAP_RLE_SMALL || t == CHD_MAP_RLE_LARGE || t == CHD_MAP_SELF_0 || t == CHD_MAP_SELF_1)
			continue;
		struct hand_entry par[2] = { { 0, 100, 0 }, { t, 0, 0 } };
		len = hand_map(map, sizeof(map), par, 2, 124, 0, 12, 0);
		CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 2, 4096, one_slot, 9000, &d, "m", &err),
				CHD_EUNSUPPORTED);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs a parent"));
	}
	/* Types no CHD has. */
	for (uint8_t t = 14; t <= 15; t++) {
		struct hand_entry unk[1] = { { t, 0, 0 } };
		len = hand_map(map, sizeof(map), unk, 1, 124, 0, 12, 0);
		CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 1, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown"));
	}
	/* A header claiming far more hunks than the stream holds: refused before any
	 * memory for them. */
	len = hand_map(map, sizeof(map), ok, 3, 124, hand_crc(ok, 3, 124, 4096), 12, 2);
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, CHD_MAX_HUNKS, 4096, one_slot, 9000, &d, "m", &err),
			CHD_EFORMAT);
	/* Field widths no map has; a payload longer than the bytes given. */
	map[12] = 25;
	CU_ASSERT_EQUAL(chd_map_decode(map, len, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	map[12] = 12;
	CU_ASSERT_EQUAL(chd_map_decode(map, len - 1, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);
	CU_ASSERT_EQUAL(chd_map_decode(map, 10, 9000, 3, 4096, one_slot, 9000, &d, "m", &err), CHD_EFORMAT);

	/* The encoder refuses what it cannot express. */
	struct chd_map_entry bad[2] = { { .type = 0, .offset = 124, .length = 10 },
					{ .type = CHD_MAP_SELF, .offset = 1 } };
	uint8_t *out;
	CU_ASSERT_EQUAL(chd_map_encode(bad, 2, 4096, &out, &len), CHD_EINVAL);
	bad[1] = (struct chd_map_entry){ .type = 0, .offset = 200, .length = 10 };	/* a gap */
	CU_ASSERT_EQUAL(chd_map_encode(bad, 2, 4096, &out, &len), CHD_EINVAL);
	bad[1] = (struct chd_map_entry){ .type = CHD_MAP_PARENT, .offset = 0 };
	CU_ASSERT_EQUAL(chd_map_encode(bad, 2, 4096, &out, &len), CHD_EINVAL);

	/* Garbage maps: an answer, never a crash. */
	for (int iter = 0; iter < 2000; iter++) {
		uint8_t junk[80];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		wire_put_be32(junk, 64);
		junk[12] &= 15;
		junk[13] &= 15;
		junk[14] = 0;
		if (chd_map_decode(junk, sizeof(junk), 0, 1 + rnd() % 64, 4096, all_slots, 1 << 20, &d, "m", &err) ==
		    CHD_OK)
			free(d);
	}
}

/* ---- the CD wrapper -------------------------------------------------------------- */

/* Frame F of a test disc at LBA: Mode 1, Mode 2 Form 1, or audio, with a Q channel. */
static void make_frame(uint8_t *frame, int32_t lba, unsigned kind)
{
	uint8_t user[CDS_USER_SIZE], chan[8][CDS_CHAN_SIZE];

	for (size_t i = 0; i < sizeof(user); i++)
		user[i] = (uint8_t)(i % 7 == 0 ? rnd() : (unsigned)lba + i / 64);
	int rc = 0;
	if (kind == 0)
		rc = cds_make_mode1(frame, lba, user);
	else if (kind == 1)
		rc = cds_make_mode2_form1(frame, lba, user, NULL);
	else
		for (size_t i = 0; i < CDS_RAW_SIZE; i++)
			frame[i] = (uint8_t)rnd();
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_FATAL(cds_sub_synth(chan, kind == 2 ? 0 : 4, 1, 1, lba, lba) == 0);
	cds_sub_interleave(frame + CDS_RAW_SIZE, (const uint8_t(*)[CDS_CHAN_SIZE])chan);
}

static void test_cd_wrapper(void)
{
	enum { HB = CHD_CD_FRAME * CHD_CD_FRAMES_PER_HUNK };
	static uint8_t hunk[HB], comp[HB], back[HB];
	void *c = chd_codec_cdzl.new_ctx(HB, true), *d = chd_codec_cdzl.new_ctx(HB, false);
	uint32_t len;
	struct chd_err err;

	CU_ASSERT_FATAL(c && d);
	/* 8 Mode 1 sectors: every frame stripped (bitmap ff), back byte for byte. */
	for (int f = 0; f < 8; f++)
		make_frame(hunk + f * CHD_CD_FRAME, 1000 + f, 0);
	CU_ASSERT_EQUAL_FATAL(chd_cd_compress(c, hunk, HB, comp, HB - 1, &len), CHD_OK);
	CU_ASSERT_EQUAL(comp[0], 0xff);
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, len, back, HB, &err), CHD_OK);
	CU_ASSERT_EQUAL(memcmp(back, hunk, HB), 0);
	/* Mixed: Mode 2 Form 1 (parity over a zero header) stripped, audio not, and a Mode
	 * 1 sector with one parity byte wrong kept as it is. */
	make_frame(hunk + 1 * CHD_CD_FRAME, 2001, 1);
	make_frame(hunk + 2 * CHD_CD_FRAME, 2002, 2);
	hunk[5 * CHD_CD_FRAME + 2300] ^= 0x40;
	CU_ASSERT_EQUAL_FATAL(chd_cd_compress(c, hunk, HB, comp, HB - 1, &len), CHD_OK);
	CU_ASSERT_EQUAL(comp[0], 0xff & ~(1u << 2) & ~(1u << 5));
	memset(back, 0, sizeof(back));
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, len, back, HB, &err), CHD_OK);
	CU_ASSERT_EQUAL(memcmp(back, hunk, HB), 0);
	/* No room: not an error, just no result. */
	CU_ASSERT_EQUAL(chd_cd_compress(c, hunk, HB, comp, 100, &len), CHD_ENOTFOUND);
	/* Damaged: a base length past the data, a cut stream. */
	CU_ASSERT_EQUAL_FATAL(chd_cd_compress(c, hunk, HB, comp, HB - 1, &len), CHD_OK);
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, 2, back, HB, &err), CHD_EFORMAT);
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, len - 5, back, HB, &err), CHD_EFORMAT);
	uint8_t save = comp[1];
	comp[1] = 0xff;
	comp[2] = 0xff;
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, len, back, HB, &err), CHD_EFORMAT);
	comp[1] = save;
	/* A hunk size of no whole frames. */
	CU_ASSERT_EQUAL(chd_cd_decompress(d, comp, len, back, HB - 1, &err), CHD_EFORMAT);
	chd_codec_cdzl.free_ctx(c);
	chd_codec_cdzl.free_ctx(d);

	/* split and join are inverses. */
	static uint8_t sec[8 * CHD_CD_SECTOR], sub[8 * CHD_CD_SUB];
	chd_cd_split(hunk, 8, sec, sub);
	CU_ASSERT_EQUAL(memcmp(sec + CHD_CD_SECTOR, hunk + CHD_CD_FRAME, CHD_CD_SECTOR), 0);
	CU_ASSERT_EQUAL(memcmp(sub, hunk + CHD_CD_SECTOR, CHD_CD_SUB), 0);
	chd_cd_join(back, 8, sec, sub);
	CU_ASSERT_EQUAL(memcmp(back, hunk, HB), 0);
}

static void test_codec_table(void)
{
	char buf[5];

	CU_ASSERT_PTR_EQUAL(chd_codec_find(CHD_CODEC_ZLIB), &chd_codec_zlib);
	CU_ASSERT_PTR_EQUAL(chd_codec_find(CHD_CODEC_CD_ZLIB), &chd_codec_cdzl);
	CU_ASSERT_PTR_NULL(chd_codec_find(CHD_TAG('z', 's', 't', 'd')));
	CU_ASSERT_STRING_EQUAL(chd_codec_name(CHD_CODEC_CD_ZLIB, buf), "cdzl");
	CU_ASSERT_STRING_EQUAL(chd_codec_name(CHD_TAG('z', 's', 't', 'd'), buf), "zstd");
	CU_ASSERT_STRING_EQUAL(chd_codec_name(CHD_TAG('a', 0, 1, 'b'), buf), "a??b");
	CU_ASSERT_STRING_EQUAL(chd_codec_name(0, buf), "none");
}

/* ---- writer -> reader ------------------------------------------------------------ */

static uint8_t *make_data(size_t n, uint32_t hb)
{
	uint8_t *d = malloc(n);
	for (size_t h = 0; h * hb < n; h++) {
		size_t at = h * hb, m = n - at < hb ? n - at : hb;
		switch (h % 6) {
		case 0: for (size_t i = 0; i < m; i++) d[at + i] = (uint8_t)rnd(); break;	/* stored */
		case 1: memset(d + at, 0, m); break;					/* zeros */
		case 2: for (size_t i = 0; i < m; i++) d[at + i] = (uint8_t)(i / 100); break;	/* compresses */
		case 3: memcpy(d + at, d, m < hb ? m : hb); break;			/* = hunk 0 */
		case 4: memset(d + at, 0, m); break;					/* = hunk 1 */
		default: for (size_t i = 0; i < m; i++) d[at + i] = (uint8_t)(rnd() % 3); break;
		}
	}
	return d;
}

static void write_chd(const char *path, const uint8_t *data, uint64_t n, uint32_t hb, uint32_t ub,
		      const uint32_t codecs[4])
{
	struct chd_writer *w;
	struct chd_err err;
	uint8_t *buf = malloc(hb);

	CU_ASSERT_EQUAL_FATAL(chd_create(path, true, hb, ub, n, codecs, &w, &err), CHD_OK);
	for (uint64_t at = 0; at < n; at += hb) {
		uint64_t m = n - at < hb ? n - at : hb;
		memset(buf, 0, hb);
		memcpy(buf, data + at, m);
		CU_ASSERT_EQUAL_FATAL(chd_write_hunk(w, buf, &err), CHD_OK);
	}
	const char text[] = "hello metadata";
	CU_ASSERT_EQUAL(chd_add_meta(w, CHD_TAG('T', 'E', 'S', 'T'), CHD_META_FLAG_CHECKSUM, text, sizeof(text), &err),
			CHD_OK);
	CU_ASSERT_EQUAL(chd_add_meta(w, CHD_TAG('O', 'T', 'H', 'R'), 0, "x", 1, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_add_meta(w, CHD_TAG('T', 'E', 'S', 'T'), CHD_META_FLAG_CHECKSUM, "second", 6, &err),
			CHD_OK);
	CU_ASSERT_EQUAL_FATAL(chd_finish(w, &err), CHD_OK);
	free(buf);
}

static void check_chd(const char *path, const uint8_t *data, uint64_t n, uint32_t hb)
{
	struct chd_reader *r;
	struct chd_err err;
	uint8_t *buf = malloc(hb), sha[20];
	struct sha1_ctx sc;

	CU_ASSERT_EQUAL_FATAL(chd_open(path, &r, &err), CHD_OK);
	const struct chd_header *h = chd_reader_header(r);
	CU_ASSERT_EQUAL(h->version, 5);
	CU_ASSERT_EQUAL(h->logical_bytes, n);
	CU_ASSERT_EQUAL(h->hunk_bytes, hb);
	CU_ASSERT_EQUAL(h->hunk_count, (n + hb - 1) / hb);
	size_t bad = 0;
	for (uint32_t i = 0; i < h->hunk_count; i++) {
		uint64_t at = (uint64_t)i * hb, m = n - at < hb ? n - at : hb;
		CU_ASSERT_EQUAL_FATAL(chd_read_hunk(r, i, buf, &err), CHD_OK);
		bad += memcmp(buf, data + at, m) != 0;
		for (uint64_t k = m; k < hb; k++)
			bad += buf[k] != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(chd_read_hunk(r, h->hunk_count, buf, &err), CHD_EINVAL);
	sha1_init(&sc);
	sha1_update(&sc, n, data);
	sha1_digest(&sc, 20, sha);
	CU_ASSERT_EQUAL(memcmp(sha, h->raw_sha1, 20), 0);
	/* Overall: raw SHA-1, then the two TEST entries' tag + SHA-1 sorted (OTHR has no
	 * checksum flag). */
	uint8_t rec[2][24];
	const char *txt[2] = { "hello metadata", "second" };
	size_t tl[2] = { 15, 6 };
	for (int i = 0; i < 2; i++) {
		wire_put_be32(rec[i], CHD_TAG('T', 'E', 'S', 'T'));
		sha1_init(&sc);
		sha1_update(&sc, tl[i], (const uint8_t *)txt[i]);
		sha1_digest(&sc, 20, rec[i] + 4);
	}
	int first = memcmp(rec[0], rec[1], 24) < 0 ? 0 : 1;
	sha1_init(&sc);
	sha1_update(&sc, 20, h->raw_sha1);
	sha1_update(&sc, 24, rec[first]);
	sha1_update(&sc, 24, rec[1 - first]);
	sha1_digest(&sc, 20, sha);
	CU_ASSERT_EQUAL(memcmp(sha, h->sha1, 20), 0);

	char mbuf[64];
	uint32_t len;
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_TAG('T', 'E', 'S', 'T'), 0, mbuf, sizeof(mbuf), &len, &err), CHD_OK);
	CU_ASSERT_EQUAL(len, 15);
	CU_ASSERT_STRING_EQUAL(mbuf, "hello metadata");
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_TAG('T', 'E', 'S', 'T'), 1, mbuf, 3, &len, &err), CHD_OK);
	CU_ASSERT_EQUAL(len, 6);
	CU_ASSERT_EQUAL(memcmp(mbuf, "sec", 3), 0);
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_TAG('O', 'T', 'H', 'R'), 0, mbuf, sizeof(mbuf), &len, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_TAG('T', 'E', 'S', 'T'), 2, mbuf, sizeof(mbuf), &len, &err),
			CHD_ENOTFOUND);
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_META_CD_TRACK2, 0, mbuf, sizeof(mbuf), &len, &err), CHD_ENOTFOUND);
	chd_close(r);
	free(buf);
}

static void test_roundtrip_raw(void)
{
	const uint32_t zlib[4] = { CHD_CODEC_ZLIB, 0, 0, 0 };
	const uint32_t none[4] = { 0, 0, 0, 0 };
	const uint32_t both[4] = { CHD_CODEC_CD_ZLIB, CHD_CODEC_ZLIB, 0, 0 };
	const uint64_t sizes[] = { 4096 * 20, 4096 * 7 + 1000, 1, 2048 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint8_t *d = make_data(sizes[k], 4096);
		write_chd(tpath("raw.chd"), d, sizes[k], 4096, 2048, zlib);
		check_chd(tpath("raw.chd"), d, sizes[k], 4096);
		write_chd(tpath("none.chd"), d, sizes[k], 4096, 512, none);
		check_chd(tpath("none.chd"), d, sizes[k], 4096);
		/* cdzl cannot take 4096-byte hunks: zlib in slot 1 does the work. */
		write_chd(tpath("both.chd"), d, sizes[k], 4096, 4096, both);
		check_chd(tpath("both.chd"), d, sizes[k], 4096);
		free(d);
	}
	/* Deduplication: 30 equal hunks cost one. */
	uint8_t *d = malloc(4096 * 30);
	for (size_t i = 0; i < 4096; i++)
		d[i] = (uint8_t)rnd();
	for (int h = 1; h < 30; h++)
		memcpy(d + h * 4096, d, 4096);
	write_chd(tpath("dup.chd"), d, 4096 * 30, 4096, 4096, zlib);
	check_chd(tpath("dup.chd"), d, 4096 * 30, 4096);
	CU_ASSERT(file_size(tpath("dup.chd")) < 4096 + 1024);
	free(d);
	/* An empty CHD. */
	write_chd(tpath("empty.chd"), NULL, 0, 4096, 4096, zlib);
	check_chd(tpath("empty.chd"), NULL, 0, 4096);
}

static void test_roundtrip_cd(void)
{
	enum { FRAMES = 8 * 12 + 4, HB = CHD_CD_FRAME * 8 };
	const uint32_t cdzl[4] = { CHD_CODEC_CD_ZLIB, 0, 0, 0 };
	uint8_t *d = calloc(1, (size_t)FRAMES * CHD_CD_FRAME);
	struct chd_cd_track t = { .number = 1, .type = "MODE1_RAW", .subtype = "RW_RAW", .frames = FRAMES,
				  .pgtype = "MODE1", .pgsub = "RW_RAW" };
	char text[128];
	struct chd_writer *w;
	struct chd_err err;

	for (int f = 0; f < FRAMES; f++)
		make_frame(d + (size_t)f * CHD_CD_FRAME, f, f < 40 ? 0 : f < 60 ? 1 : f < 70 ? 2 : 0);
	int len = chd_cd_track_format(&t, text, sizeof(text));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(chd_create(tpath("cd.chd"), true, HB, CHD_CD_FRAME, (uint64_t)FRAMES * CHD_CD_FRAME,
					 cdzl, &w, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_add_meta(w, CHD_META_CD_TRACK2, CHD_META_FLAG_CHECKSUM, text, (uint32_t)len + 1, &err),
			CHD_OK);
	for (int h = 0; h < (FRAMES + 7) / 8; h++) {
		uint8_t hunk[HB] = { 0 };
		memcpy(hunk, d + (size_t)h * HB, h * 8 + 8 <= FRAMES ? HB : (size_t)(FRAMES - h * 8) * CHD_CD_FRAME);
		CU_ASSERT_EQUAL_FATAL(chd_write_hunk(w, hunk, &err), CHD_OK);
	}
	CU_ASSERT_EQUAL_FATAL(chd_finish(w, &err), CHD_OK);
	/* Regenerated parity makes the data sectors small. */
	CU_ASSERT(file_size(tpath("cd.chd")) < (uint64_t)FRAMES * CHD_CD_FRAME / 2);

	struct chd_reader *r;
	CU_ASSERT_EQUAL_FATAL(chd_open(tpath("cd.chd"), &r, &err), CHD_OK);
	uint8_t *hunk = malloc(HB);
	size_t bad = 0;
	for (uint32_t h = 0; h < chd_reader_header(r)->hunk_count; h++) {
		CU_ASSERT_EQUAL_FATAL(chd_read_hunk(r, h, hunk, &err), CHD_OK);
		size_t m = h * 8 + 8 <= FRAMES ? HB : (size_t)(FRAMES - h * 8) * CHD_CD_FRAME;
		bad += memcmp(hunk, d + (size_t)h * HB, m) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	char got[128];
	uint32_t glen;
	struct chd_cd_track t2;
	CU_ASSERT_EQUAL(chd_read_meta(r, CHD_META_CD_TRACK2, 0, got, sizeof(got), &glen, &err), CHD_OK);
	CU_ASSERT_EQUAL(glen, (uint32_t)len + 1);
	CU_ASSERT_EQUAL(chd_cd_track_parse(got, glen, &t2, &err), CHD_OK);
	CU_ASSERT_EQUAL(t2.frames, FRAMES);
	CU_ASSERT_STRING_EQUAL(t2.subtype, "RW_RAW");
	chd_close(r);
	free(hunk);
	free(d);
}

/* ---- files that lie ---------------------------------------------------------------- */

static void expect_open(const char *path, int status, const char *msg_part, int64_t offset)
{
	struct chd_reader *r = NULL;
	struct chd_err err;
	int rc = chd_open(path, &r, &err);

	CU_ASSERT_EQUAL(rc, status);
	CU_ASSERT_PTR_NULL(r);
	if (msg_part && !strstr(err.msg, msg_part)) {
		fprintf(stderr, "\n  expected \"%s\" in: %s\n", msg_part, err.msg);
		CU_FAIL("message");
	}
	if (offset >= 0)
		CU_ASSERT_EQUAL(err.offset, offset);
	if (rc == CHD_OK)
		chd_close(r);
}

static void test_reader_rejects(void)
{
	const uint32_t zlib[4] = { CHD_CODEC_ZLIB, 0, 0, 0 };
	char p[512], good[512];
	uint8_t *d = make_data(4096 * 12, 4096), b[8];
	struct chd_reader *r;
	struct chd_err err;

	snprintf(p, sizeof(p), "%s", tpath("lie.chd"));
	snprintf(good, sizeof(good), "%s", tpath("good.chd"));
	write_chd(good, d, 4096 * 12, 4096, 4096, zlib);
	CU_ASSERT_EQUAL_FATAL(chd_open(good, &r, &err), CHD_OK);
	struct chd_header h = *chd_reader_header(r);
	chd_close(r);
	uint64_t size = file_size(good);
	char cmd[1200];
#define FRESH() do { snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", good, p); \
		     CU_ASSERT_FATAL(system(cmd) == 0); } while (0)

	expect_open(tpath("missing.chd"), CHD_EIO, "No such file", -1);
	FRESH();
	patch(p, 0, "MComprHX", 8);
	expect_open(p, CHD_EFORMAT, "not a CHD", 0);
	FRESH();
	wire_put_be32(b, 4);
	patch(p, CHD_HDR_VERSION, b, 4);
	expect_open(p, CHD_EUNSUPPORTED, "version 4", CHD_HDR_VERSION);
	FRESH();
	wire_put_be32(b, 100);
	patch(p, CHD_HDR_LENGTH, b, 4);
	expect_open(p, CHD_EFORMAT, "header", CHD_HDR_LENGTH);
	FRESH();
	patch(p, CHD_HDR_PARENT_SHA1 + 7, "\1", 1);
	expect_open(p, CHD_EUNSUPPORTED, "parent", CHD_HDR_PARENT_SHA1);
	FRESH();
	wire_put_be32(b, CHD_TAG('z', 's', 't', 'd'));
	patch(p, CHD_HDR_COMPRESSORS + 4, b, 4);
	expect_open(p, CHD_EUNSUPPORTED, "codec 'zstd' is not supported", CHD_HDR_COMPRESSORS + 4);
	FRESH();
	wire_put_be32(b, 1u << 30);	/* 1 GiB hunks */
	patch(p, CHD_HDR_HUNK_BYTES, b, 4);
	expect_open(p, CHD_EFORMAT, "hunk size", CHD_HDR_HUNK_BYTES);
	FRESH();
	wire_put_be32(b, 0);
	patch(p, CHD_HDR_HUNK_BYTES, b, 4);
	expect_open(p, CHD_EFORMAT, "hunk size", CHD_HDR_HUNK_BYTES);
	FRESH();
	wire_put_be32(b, 3000);	/* no divisor of the 4096-byte hunk */
	patch(p, CHD_HDR_UNIT_BYTES, b, 4);
	expect_open(p, CHD_EFORMAT, "not a multiple of the unit size", CHD_HDR_UNIT_BYTES);
	FRESH();
	wire_put_be64(b, UINT64_C(1) << 50);	/* a petabyte in 4 KiB hunks */
	patch(p, CHD_HDR_LOGICAL, b, 8);
	expect_open(p, CHD_EUNSUPPORTED, "hunks", CHD_HDR_LOGICAL);
	FRESH();
	wire_put_be64(b, (uint64_t)4096 * 4000000);	/* within the cap, beyond the map */
	patch(p, CHD_HDR_LOGICAL, b, 8);
	expect_open(p, CHD_EFORMAT, "too short", (int64_t)h.map_offset);
	FRESH();
	wire_put_be64(b, size + 100);	/* named by the header field that points there */
	patch(p, CHD_HDR_MAP, b, 8);
	expect_open(p, CHD_EFORMAT, "past the end", CHD_HDR_MAP);
	/* The lying map: its first hunk claimed 60 bytes before the end of the file, so
	 * the hunks run past it; the offending hunk's offset is named. */
	FRESH();
	uint8_t first[6] = { 0 };
	wire_put_be32(first + 2, (uint32_t)(size - 60));
	patch(p, h.map_offset + 4, first, 6);
	expect_open(p, CHD_EFORMAT, "past the end of the file", -1);
	CU_ASSERT_EQUAL(chd_open(p, &r, &err), CHD_EFORMAT);
	CU_ASSERT(err.offset >= (int64_t)size - 60 && err.offset < (int64_t)size);
	/* One flipped bit of the map's payload. */
	FRESH();
	uint8_t byte;
	peek_file(p, h.map_offset + 20, &byte, 1);
	byte ^= 0x10;
	patch(p, h.map_offset + 20, &byte, 1);
	CU_ASSERT_NOT_EQUAL(chd_open(p, &r, &err), CHD_OK);
	/* Cut short: the map is gone. */
	FRESH();
	CU_ASSERT_FATAL(truncate(p, (off_t)h.map_offset + 10) == 0);
	expect_open(p, CHD_EFORMAT, NULL, (int64_t)h.map_offset);
	CU_ASSERT_FATAL(truncate(p, 50) == 0);
	expect_open(p, CHD_EFORMAT, "header", -1);

	/* Metadata: the first entry's next pointing at itself; an entry past the end. */
	FRESH();
	uint8_t next[8];
	wire_put_be64(next, h.meta_offset);
	patch(p, h.meta_offset + 8, next, 8);
	expect_open(p, CHD_EFORMAT, "loops", -1);
	FRESH();
	wire_put_be64(next, size - 8);
	patch(p, h.meta_offset + 8, next, 8);
	expect_open(p, CHD_EFORMAT, "metadata", (int64_t)size - 8);
	FRESH();
	uint8_t mlen[3] = { 0xff, 0xff, 0xff };
	patch(p, h.meta_offset + 5, mlen, 3);
	expect_open(p, CHD_EFORMAT, "metadata", (int64_t)h.meta_offset);

	/* A damaged hunk: found when read, with its offset; the others still read. */
	FRESH();
	CU_ASSERT_EQUAL_FATAL(chd_open(p, &r, &err), CHD_OK);
	chd_close(r);
	byte = 0;
	peek_file(p, CHD_V5_HEADER_BYTES + 100, &byte, 1);
	byte ^= 0xff;
	patch(p, CHD_V5_HEADER_BYTES + 100, &byte, 1);	/* inside hunk 0 (random: stored) */
	CU_ASSERT_EQUAL_FATAL(chd_open(p, &r, &err), CHD_OK);
	uint8_t *buf = malloc(4096);
	CU_ASSERT_EQUAL(chd_read_hunk(r, 0, buf, &err), CHD_EFORMAT);
	CU_ASSERT_EQUAL(err.offset, CHD_V5_HEADER_BYTES);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CRC-16"));
	CU_ASSERT_EQUAL(chd_read_hunk(r, 3, buf, &err), CHD_EFORMAT);	/* a reference to hunk 0 */
	CU_ASSERT_EQUAL(chd_read_hunk(r, 2, buf, &err), CHD_OK);
	chd_close(r);
	free(buf);
	free(d);
#undef FRESH
}

static void test_writer_errors(void)
{
	const uint32_t zlib[4] = { CHD_CODEC_ZLIB, 0, 0, 0 };
	uint32_t codecs[4] = { CHD_CODEC_LZMA, 0, 0, 0 };
	struct chd_writer *w;
	struct chd_err err;
	uint8_t hunk[4096] = { 1 };

	write_chd(tpath("exists.chd"), hunk, 4096, 4096, 4096, zlib);
	CU_ASSERT_EQUAL(chd_create(tpath("exists.chd"), false, 4096, 4096, 4096, zlib, &w, &err), CHD_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "exists"));
	CU_ASSERT_EQUAL(chd_create(tpath("w.chd"), false, 4096, 1000, 4096, zlib, &w, &err), CHD_EINVAL);
	CU_ASSERT_EQUAL(chd_create(tpath("w.chd"), false, 0, 1, 4096, zlib, &w, &err), CHD_EINVAL);
	CU_ASSERT_EQUAL(chd_create(tpath("w.chd"), false, 1u << 24, 4096, 4096, zlib, &w, &err), CHD_EINVAL);
	codecs[0] = CHD_TAG('z', 's', 't', 'd');
	CU_ASSERT_EQUAL(chd_create(tpath("w.chd"), false, 4096, 4096, 4096, codecs, &w, &err), CHD_EUNSUPPORTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "zstd"));
	codecs[0] = 0;
	codecs[1] = CHD_CODEC_ZLIB;
	CU_ASSERT_EQUAL(chd_create(tpath("w.chd"), false, 4096, 4096, 4096, codecs, &w, &err), CHD_EINVAL);

	/* Too many hunks; too few at the end: nothing is left behind. */
	CU_ASSERT_EQUAL_FATAL(chd_create(tpath("w.chd"), false, 4096, 4096, 8192, zlib, &w, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_write_hunk(w, hunk, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_finish(w, &err), CHD_EINVAL);
	CU_ASSERT_EQUAL(access(tpath("w.chd"), F_OK), -1);
	CU_ASSERT_EQUAL_FATAL(chd_create(tpath("w.chd"), false, 4096, 4096, 4096, zlib, &w, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_write_hunk(w, hunk, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_write_hunk(w, hunk, &err), CHD_EINVAL);
	CU_ASSERT_EQUAL(chd_add_meta(w, CHD_META_CD_TRACK2, 0, "", 0, &err), CHD_EINVAL);
	chd_abort(w);
	CU_ASSERT_EQUAL(access(tpath("w.chd"), F_OK), -1);
	/* Only the files the tests made: no temporary file stayed. */
	DIR *dir = opendir(tmpdir);
	struct dirent *de;
	int tmps = 0;
	while (dir && (de = readdir(dir)))
		tmps += strstr(de->d_name, ".tmp") != NULL;
	if (dir)
		closedir(dir);
	CU_ASSERT_EQUAL(tmps, 0);
}

/* ---- CHT2 text --------------------------------------------------------------------- */

static void test_cdmeta(void)
{
	struct chd_cd_track t;
	struct chd_err err;
	char buf[200];
	const char *chdman = "TRACK:1 TYPE:MODE1_RAW SUBTYPE:NONE FRAMES:300 PREGAP:0 PGTYPE:MODE1 PGSUB:NONE POSTGAP:0";

	/* As chdman stores it: with its NUL. */
	CU_ASSERT_EQUAL_FATAL(chd_cd_track_parse(chdman, strlen(chdman) + 1, &t, &err), CHD_OK);
	CU_ASSERT_EQUAL(t.number, 1);
	CU_ASSERT_STRING_EQUAL(t.type, "MODE1_RAW");
	CU_ASSERT_STRING_EQUAL(t.subtype, "NONE");
	CU_ASSERT_EQUAL(t.frames, 300);
	CU_ASSERT_STRING_EQUAL(t.pgtype, "MODE1");
	CU_ASSERT_EQUAL(chd_cd_track_format(&t, buf, sizeof(buf)), (int)strlen(chdman));
	CU_ASSERT_STRING_EQUAL(buf, chdman);
	CU_ASSERT_EQUAL(chd_cd_track_format(&t, buf, 20), -1);

	const char *audio = "TRACK:12 TYPE:AUDIO SUBTYPE:RW_RAW FRAMES:22500 PREGAP:150 PGTYPE:VAUDIO PGSUB:RW_RAW POSTGAP:2";
	CU_ASSERT_EQUAL_FATAL(chd_cd_track_parse(audio, strlen(audio), &t, &err), CHD_OK);
	CU_ASSERT_EQUAL(t.number, 12);
	CU_ASSERT_EQUAL(t.pregap, 150);
	CU_ASSERT_STRING_EQUAL(t.pgtype, "VAUDIO");
	CU_ASSERT_EQUAL(t.postgap, 2);
	CU_ASSERT_EQUAL(chd_cd_track_format(&t, buf, sizeof(buf)), (int)strlen(audio));
	CU_ASSERT_STRING_EQUAL(buf, audio);

	/* The older CHTR form. */
	const char *old = "TRACK:2 TYPE:MODE2_RAW SUBTYPE:RW FRAMES:1000";
	CU_ASSERT_EQUAL_FATAL(chd_cd_track_parse(old, strlen(old), &t, &err), CHD_OK);
	CU_ASSERT_EQUAL(t.frames, 1000);
	CU_ASSERT_EQUAL(t.pregap, 0);

	const char *bad[] = {
		"",
		"TRACK:1",
		"TRACK:0 TYPE:MODE1 SUBTYPE:NONE FRAMES:1",
		"TRACK:100 TYPE:MODE1 SUBTYPE:NONE FRAMES:1",
		"TRACK:-1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1",
		"TRACK:1 TYPE:MODE3 SUBTYPE:NONE FRAMES:1",
		"TRACK:1 TYPE:MODE1 SUBTYPE:XX FRAMES:1",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:99999999999",
		"TRACK:1  TYPE:MODE1 SUBTYPE:NONE FRAMES:1",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1 PREGAP:0",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1 PREGAP:0 PGTYPE:VMODE9 PGSUB:NONE POSTGAP:0",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1 PREGAP:0 PGTYPE:MODE1 PGSUB:NONE POSTGAP:0 EXTRA",
		"TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1x",
		"TRACK:1 TYPE:MODE1_RAW_AND_MUCH_TOO_LONG SUBTYPE:NONE FRAMES:1",
		"track:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		CU_ASSERT_EQUAL(chd_cd_track_parse(bad[i], strlen(bad[i]), &t, &err), CHD_EFORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "expected"));
	}
	/* A NUL inside is the end of the text: what follows must be NULs too. */
	const char withnul[] = "TRACK:1 TYPE:MODE1 SUBTYPE:NONE FRAMES:1\0junk";
	CU_ASSERT_EQUAL(chd_cd_track_parse(withnul, sizeof(withnul) - 1, &t, &err), CHD_EFORMAT);
}

static int chd_register(void)
{
	static const struct unit_test tests[] = {
		{ "bits_read", test_bits_read },
		{ "bits_write", test_bits_write },
		{ "crc16", test_crc16 },
		{ "huff_random", test_huff_random },
		{ "huff_degenerate", test_huff_degenerate },
		{ "huff_bad_trees", test_huff_bad_trees },
		{ "map_roundtrip", test_map_roundtrip },
		{ "map_rejects", test_map_rejects },
		{ "cd_wrapper", test_cd_wrapper },
		{ "codec_table", test_codec_table },
		{ "roundtrip_raw", test_roundtrip_raw },
		{ "roundtrip_cd", test_roundtrip_cd },
		{ "reader_rejects", test_reader_rejects },
		{ "writer_errors", test_writer_errors },
		{ "cdmeta", test_cdmeta },
	};
	return UNIT_ADD_SUITE("chd", tests);
}

UNIT_SUITE(chd_register)
