/* tests/fuzz/fuzz_personality.c - simdrive's drive personality parser
 * (simdrive/drive/personality.h, doc/simdrive-personalities.md), fed whole files.
 *
 * The input is the file, written as NAME.drive into a private temp dir and loaded over
 * the default drive.  Oracles: a refused file leaves the caller's personality as it
 * was and its message names the file and a line; an accepted one holds only what the
 * format allows (printable INQUIRY strings that fit, known media listed once, speeds
 * descending within the family's limit, buffers of 64K..64M, a write type for every
 * writable medium that needs page 05h).  Then the medium and family queries for every
 * medium of the recorder model.
 */
/* fuzz-covers: simdrive/drive/personality.c */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "personality.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_personality: %s\n", what);
	abort();
}

static void printable(const char *s, size_t cap, const char *what)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		fail(what);
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			fail(what);
}

static void check(const struct sim_personality *p)
{
	static const uint16_t max_x10[SIM_PERS_FAMILIES] = { [REC_CD] = 560, [REC_DVD] = 240, [REC_BD] = 160 };

	printable(p->name, sizeof(p->name), "name not terminated or not printable");
	printable(p->vendor, sizeof(p->vendor), "vendor not terminated or not printable");
	printable(p->product, sizeof(p->product), "product not terminated or not printable");
	printable(p->revision, sizeof(p->revision), "revision not terminated or not printable");
	if (p->nmedia > SIM_PERS_MAX_MEDIA)
		fail("too many media");
	for (size_t i = 0; i < p->nmedia; i++) {
		if (!rec_media_lookup(p->media[i]))
			fail("an unknown medium was accepted");
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->media[i], p->media[j]) == 0)
				fail("a medium listed twice was accepted");
	}
	for (int f = 0; f < SIM_PERS_FAMILIES; f++) {
		if (p->buffer_bytes[f] < (64u << 10) || p->buffer_bytes[f] > (64u << 20))
			fail("buffer size out of range");
		for (int i = 0; i < SIM_PERS_MAX_SPEEDS && p->speeds[f].x10[i]; i++)
			if (p->speeds[f].x10[i] > max_x10[f] ||
			    (i > 0 && p->speeds[f].x10[i] >= p->speeds[f].x10[i - 1]))
				fail("speed table not descending or above the family's fastest");
		if (p->speeds[f].rotation != SIM_ROT_CLV && p->speeds[f].rotation != SIM_ROT_CAV)
			fail("bad rotation");
	}
	for (size_t i = 0; i < rec_media_count; i++) {
		const struct rec_media *m = &rec_media_table[i];
		bool has = sim_personality_has_medium(p, m->name);
		if (has && !sim_personality_takes_family(p, m->family))
			fail("a medium is taken but not its family");
		if (has && m->writable && m->needs_page05 && !(m->write_types & p->write_types))
			fail("a writable medium without any of its write types was accepted");
	}
	sim_personality_has_medium(p, "no-such-medium");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_personality def, p;
	char err[512];

	const char *path = fuzz_input_file("fuzz.drive", data, size);
	sim_personality_default(&def);
	memcpy(&p, &def, sizeof(p));
	err[0] = 0;
	if (sim_personality_load(path, &p, err, sizeof(err)) == 0) {
		check(&p);
	} else {
		size_t pl = strlen(path);
		if (memcmp(&p, &def, sizeof(p)) != 0)
			fail("a refused file changed the personality");
		if (strncmp(err, path, pl) != 0 || err[pl] != ':' || err[pl + 1] < '1' || err[pl + 1] > '9')
			fail("the message does not name the file and a line");
	}
	for (int fam = 0; fam < SIM_PERS_FAMILIES; fam++)
		sim_family_kbps_1x((enum rec_family)fam);
	return 0;
}
