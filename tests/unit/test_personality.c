/* tests/unit/test_personality.c - drive personalities (simdrive/drive/personality.h): the
 * file parser (every key, defaults kept, every error with its file and line), the
 * shipped fixtures/drives/NAME.drive files, and what a personality changes in the
 * device: INQUIRY, the media a LUN takes, GET CONFIGURATION profiles and write
 * features, and MODE SELECT of page 05h with a write type the drive lacks. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devtest.h"
#include "log.h"
#include "personality.h"
#include "scsi.h"
#include "unit.h"
#include "wire.h"

static char pers_dir[256];
static unsigned pers_nfiles;

static void pers_cleanup(void)
{
	char path[300];
	for (unsigned i = 0; i < pers_nfiles; i++) {
		snprintf(path, sizeof(path), "%s/p%u.drive", pers_dir, i);
		unlink(path);
	}
	rmdir(pers_dir);
}

/* A scratch personality file with this text; the path stays valid until exit. */
static const char *pers_file(const char *text)
{
	static char path[300];
	if (!pers_dir[0]) {
		if (!unit_mkdtemp(pers_dir, sizeof(pers_dir), "simpers")) {
			perror("mkdtemp");
			abort();
		}
		atexit(pers_cleanup);
	}
	snprintf(path, sizeof(path), "%s/p%u.drive", pers_dir, pers_nfiles++);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* The shipped personality NAME (fixtures/drives/NAME.drive via $FIXTURES). */
static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("FIXTURES");
	snprintf(path, sizeof(path), "%s/drives/%s.drive", dir && *dir ? dir : "fixtures", name);
	return path;
}

/* The shipped files: $FIXTURES, or ./fixtures when run from the top of the source tree. */
static const char *need_fixtures(void)
{
	struct stat st;
	if (stat("fixtures/drives", &st) == 0 && S_ISDIR(st.st_mode))
		return NULL;
	return unit_need_env("FIXTURES", "path/to/fixtures");
}
UNIT_NEED(need_fixtures)

/* ---- the parser ---------------------------------------------------------------- */

static void test_default(void)
{
	struct sim_personality p;
	sim_personality_default(&p);
	CU_ASSERT_STRING_EQUAL(p.name, "default");
	CU_ASSERT_STRING_EQUAL(p.vendor, "BURNLAB");
	CU_ASSERT_STRING_EQUAL(p.product, "SIMDRIVE");
	CU_ASSERT_STRING_EQUAL(p.revision, "0001");
	CU_ASSERT_EQUAL(p.nmedia, 0);
	CU_ASSERT_EQUAL(p.write_types, SIM_WT_PACKET | SIM_WT_TAO | SIM_WT_SAO | SIM_WT_RAW);
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_CD], 2u << 20);
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_DVD], 4u << 20);
	CU_ASSERT_EQUAL(p.speeds[REC_CD].x10[0], 520);
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].x10[7], 24);
	CU_ASSERT_EQUAL(p.speeds[REC_BD].x10[6], 20);
	CU_ASSERT_EQUAL(p.quirks, 0);
	for (size_t i = 0; i < rec_media_count; i++)
		CU_ASSERT(sim_personality_has_medium(&p, rec_media_table[i].name));
	CU_ASSERT_EQUAL(sim_family_kbps_1x(REC_DVD), 1385);
}

static void test_every_key(void)
{
	struct sim_personality p;
	char err[512] = "";
	sim_personality_default(&p);
	const char *path = pers_file(
		"# a drive with every key\n"
		"\n"
		"name = every-key_1.0\n"
		"vendor=ACME CO\n"
		"  product   =  DVD RW  X-1  # trailing comment\n"
		"revision = 9.99\r\n"
		"media = cd-r cd-rw\tdvd+r bd-r cd-rom\n"
		"write-types = sao tao\n"
		"buffer-cd = 512K\n"
		"buffer-dvd = 3MiB\n"
		"buffer-bd = 1048576\n"
		"speeds-cd = 48x 32 24 16 8 4 2 1.5 1.2 1 0.5 0.1\n"
		"speeds-dvd = 8 2.4\n"
		"speeds-bd = 6\n"
		"rotation-cd = cav\n"
		"rotation-dvd = clv\n"
		"rotation-bd = cav\n"
		"quirks = busy-when-full ignore-speed\n");
	int rc = sim_personality_load(path, &p, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(p.name, "every-key_1.0");
	CU_ASSERT_STRING_EQUAL(p.vendor, "ACME CO");
	CU_ASSERT_STRING_EQUAL(p.product, "DVD RW  X-1");
	CU_ASSERT_STRING_EQUAL(p.revision, "9.99");
	CU_ASSERT_EQUAL(p.nmedia, 5);
	CU_ASSERT_STRING_EQUAL(p.media[2], "dvd+r");
	CU_ASSERT(sim_personality_has_medium(&p, "cd-rw"));
	CU_ASSERT(!sim_personality_has_medium(&p, "cd-r80"));
	CU_ASSERT(!sim_personality_has_medium(&p, "dvd-r"));
	CU_ASSERT(sim_personality_has_medium(&p, "dvd-rom"));	/* implied by dvd+r */
	CU_ASSERT(sim_personality_has_medium(&p, "bd-rom"));
	CU_ASSERT(sim_personality_takes_family(&p, REC_BD));
	CU_ASSERT_EQUAL(p.write_types, SIM_WT_TAO | SIM_WT_SAO);
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_CD], 512u << 10);
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_DVD], 3u << 20);
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_BD], 1u << 20);
	static const uint16_t cd[SIM_PERS_MAX_SPEEDS] = { 480, 320, 240, 160, 80, 40, 20, 15, 12, 10, 5, 1 };
	CU_ASSERT(memcmp(p.speeds[REC_CD].x10, cd, sizeof(cd)) == 0);
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].x10[0], 80);
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].x10[1], 24);
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].x10[2], 0);	/* the default's 16x.. are gone */
	CU_ASSERT_EQUAL(p.speeds[REC_BD].x10[0], 60);
	CU_ASSERT_EQUAL(p.speeds[REC_BD].x10[1], 0);
	CU_ASSERT_EQUAL(p.speeds[REC_CD].rotation, SIM_ROT_CAV);
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].rotation, SIM_ROT_CLV);
	CU_ASSERT_EQUAL(p.speeds[REC_BD].rotation, SIM_ROT_CAV);
	CU_ASSERT_EQUAL(p.quirks, SIM_QUIRK_IGNORE_SPEED | SIM_QUIRK_BUSY_WHEN_FULL);
}

/* Keys not given keep the values the personality had; the name is the file's. */
static void test_defaults_kept(void)
{
	struct sim_personality p, d;
	char err[512] = "";
	sim_personality_default(&p);
	sim_personality_default(&d);
	const char *path = pers_file("vendor = OTHER\nquirks = none\n");
	CU_ASSERT_EQUAL_FATAL(sim_personality_load(path, &p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p.vendor, "OTHER");
	CU_ASSERT_STRING_EQUAL(p.product, d.product);
	CU_ASSERT_STRING_EQUAL(p.revision, d.revision);
	CU_ASSERT_EQUAL(p.nmedia, 0);
	CU_ASSERT_EQUAL(p.write_types, d.write_types);
	CU_ASSERT(memcmp(p.buffer_bytes, d.buffer_bytes, sizeof(d.buffer_bytes)) == 0);
	CU_ASSERT(memcmp(p.speeds, d.speeds, sizeof(d.speeds)) == 0);
	CU_ASSERT_EQUAL(p.quirks, 0);
	const char *base = strrchr(path, '/') + 1;
	CU_ASSERT_EQUAL(strncmp(p.name, base, strlen(p.name)), 0);
	CU_ASSERT_PTR_NULL(strstr(p.name, ".drive"));

	/* Empty and comment-only files are the default drive with the file's name. */
	sim_personality_default(&p);
	CU_ASSERT_EQUAL(sim_personality_load(pers_file(""), &p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p.vendor, "BURNLAB");
	CU_ASSERT_EQUAL(sim_personality_load(pers_file("# nothing\n\n   \n"), &p, err,
					     sizeof(err)), 0);
	/* A last line without a newline counts. */
	CU_ASSERT_EQUAL(sim_personality_load(pers_file("revision = 7"), &p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p.revision, "7");
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *words;	/* what the message must say */
	} bad[] = {
		{ "vendor = A\ncolor = red\n", 2, "unknown key 'color'" },
		{ "vendor = A\nvendor = B\n", 2, "duplicate key 'vendor' (first given on line 1)" },
		{ "# c\nvendor A\n", 2, "expected 'key = value'" },
		{ "= x\n", 1, "expected a key" },
		{ "vendor =\n", 1, "'vendor' has no value" },
		{ "vendor = NINECHARS\n", 1, "at most 8" },
		{ "product = SEVENTEEN CHARS 1\n", 1, "at most 16" },
		{ "revision = 1.234\n", 1, "at most 4" },
		{ "vendor = A\tB\n", 1, "printable ASCII" },
		{ "name = a/b\n", 1, "name 'a/b'" },
		{ "media = cd-r floppy\n", 1, "unknown medium 'floppy'" },
		{ "media = cd-r cd-r\n", 1, "listed twice" },
		{ "write-types = tao dao\n", 1, "unknown write type 'dao'" },
		{ "write-types = tao tao\n", 1, "'tao' is listed twice" },
		{ "quirks = none fast\n", 1, "unknown quirk 'fast'" },
		{ "quirks = none ignore-speed\n", 1, "'none' goes alone" },
		{ "buffer-cd = lots\n", 1, "buffer size 'lots'" },
		{ "buffer-cd = 2G\n", 1, "buffer size '2G'" },
		{ "buffer-cd = 2M5\n", 1, "buffer size '2M5'" },
		{ "buffer-cd = 16K\n", 1, "out of range" },
		{ "buffer-dvd = 65M\n", 1, "out of range" },
		{ "speeds-cd = 48 fast\n", 1, "speed 'fast'" },
		{ "speeds-cd = 2.45\n", 1, "speed '2.45'" },
		{ "speeds-cd = 4.\n", 1, "speed '4.'" },
		{ "speeds-cd = 0\n", 1, "more than 0" },
		{ "speeds-dvd = 7040\n", 1, "above 24.0x" },
		{ "speeds-bd = 20\n", 1, "above 16.0x" },
		{ "speeds-cd = 4 8\n", 1, "not descending: '8' after 4.0" },
		{ "speeds-cd = 8 8\n", 1, "not descending" },
		{ "speeds-cd = 52 48 40 32 24 20 16 12 10 8 6 4 2\n", 1, "too many speeds (at most 12)" },
		{ "rotation-bd = zclv\n", 1, "expected clv or cav" },
		{ "media = cd-r\nspeeds-dvd = 16\n", 2, "speeds-dvd is given but media lists no dvd" },
		{ "buffer-bd = 4M\nmedia = dvd+r\n", 1, "buffer-bd is given but media lists no bd" },
		{ "media = cd-r dvd+r\nwrite-types = packet\n", 2,
		  "takes cd-r but write-types has none of its write types" },
		{ "write-types = tao\nmedia = dvd-r\n", 1, "takes dvd-r" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sim_personality p, before;
		char err[512] = "", want[400];
		sim_personality_default(&p);
		before = p;
		const char *path = pers_file(bad[i].text);
		CU_ASSERT_EQUAL(sim_personality_load(path, &p, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:%u: ", path, bad[i].line);
		bool ok = strncmp(err, want, strlen(want)) == 0 && strstr(err, bad[i].words);
		if (!ok)
			fprintf(stderr, "\ncase %zu: want '%s...%s', got '%s'\n", i, want,
				bad[i].words, err);
		CU_ASSERT(ok);
		CU_ASSERT(memcmp(&p, &before, sizeof(p)) == 0);	/* untouched on error */
	}

	/* A line too long, a NUL byte, a file that is not there. */
	struct sim_personality p;
	char err[512] = "", text[1200];
	sim_personality_default(&p);
	memset(text, 'x', sizeof(text));
	memcpy(text, "# c\nname = ", 11);
	text[sizeof(text) - 1] = 0;
	CU_ASSERT_EQUAL(sim_personality_load(pers_file(text), &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: line longer than 1024"));

	const char *path = pers_file("");
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("vendor = A\0B\n", 1, 13, f);
	fclose(f);
	CU_ASSERT_EQUAL(sim_personality_load(path, &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: expected text, found a NUL byte"));

	CU_ASSERT_EQUAL(sim_personality_load("/nonexistent/x.drive", &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.drive: cannot open"));
}

/* Every shipped personality loads, is named after its file, claims no real vendor's
 * identity and has the tables the speed model needs for the media it takes. */
static void test_fixtures_load(void)
{
	const char *dir = getenv("FIXTURES");
	char path[512];
	snprintf(path, sizeof(path), "%s/drives", dir && *dir ? dir : "fixtures");
	DIR *d = opendir(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 7 || strcmp(e->d_name + len - 6, ".drive") != 0)
			continue;
		char file[800], err[512] = "";
		struct sim_personality p;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		sim_personality_default(&p);
		int rc = sim_personality_load(file, &p, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(strncmp(p.name, e->d_name, len - 6), 0);
		CU_ASSERT_EQUAL(strlen(p.name), len - 6);
		CU_ASSERT_STRING_NOT_EQUAL(p.vendor, "BURNLAB");
		CU_ASSERT(p.nmedia > 0);
		for (int f = 0; f < SIM_PERS_FAMILIES; f++)
			if (sim_personality_takes_family(&p, (enum rec_family)f))
				CU_ASSERT(p.speeds[f].x10[0] > 0 && p.buffer_bytes[f] > 0);
		n++;
	}
	closedir(d);
	CU_ASSERT(n >= 4);
}

/* What the shipped drives are meant to be (doc/simdrive-personalities.md). */
static void test_fixtures_content(void)
{
	struct sim_personality p;
	char err[512] = "";

	sim_personality_default(&p);
	CU_ASSERT_EQUAL_FATAL(sim_personality_load(fixture("cd-writer"), &p, err, sizeof(err)), 0);
	CU_ASSERT(sim_personality_has_medium(&p, "cd-r") && sim_personality_has_medium(&p, "cd-rom"));
	CU_ASSERT(!sim_personality_takes_family(&p, REC_DVD));
	CU_ASSERT(p.write_types & SIM_WT_RAW);
	CU_ASSERT_EQUAL(p.speeds[REC_CD].rotation, SIM_ROT_CAV);

	sim_personality_default(&p);
	CU_ASSERT_EQUAL_FATAL(sim_personality_load(fixture("dvd-no-raw"), &p, err, sizeof(err)), 0);
	CU_ASSERT(sim_personality_has_medium(&p, "cd-r") && sim_personality_has_medium(&p, "dvd-r"));
	CU_ASSERT(!(p.write_types & SIM_WT_RAW) && (p.write_types & SIM_WT_SAO));
	CU_ASSERT_EQUAL(p.speeds[REC_DVD].x10[0], 240);

	sim_personality_default(&p);
	CU_ASSERT_EQUAL_FATAL(sim_personality_load(fixture("dvd-only"), &p, err, sizeof(err)), 0);
	CU_ASSERT(!sim_personality_takes_family(&p, REC_CD));
	CU_ASSERT(!sim_personality_has_medium(&p, "cd-rom"));
	CU_ASSERT(sim_personality_has_medium(&p, "dvd+rw"));

	sim_personality_default(&p);
	CU_ASSERT_EQUAL_FATAL(sim_personality_load(fixture("bd-writer"), &p, err, sizeof(err)), 0);
	CU_ASSERT(sim_personality_has_medium(&p, "bd-r") && sim_personality_has_medium(&p, "bd-re"));
	CU_ASSERT_EQUAL(p.buffer_bytes[REC_BD], 4u << 20);
	CU_ASSERT_EQUAL(p.speeds[REC_BD].x10[0], 160);
	CU_ASSERT(p.quirks & SIM_QUIRK_IGNORE_SPEED);
}

/* ---- the personality in the device --------------------------------------------- */

/* One LUN: media (with an ISO file for a ROM medium, else blank) in the drive. */
static struct sim_dev *pers_dev_file(const char *media, const char *file,
				     const char *personality, char *err, size_t errlen)
{
	static struct sim_lun_cfg lun;
	lun = (struct sim_lun_cfg){ .lun = 0, .media = media, .file = file,
				    .personality = personality };
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1",
		.serial = "SN", .luns = &lun, .nluns = 1,
	};
	sim_log_level = SIM_LOG_ERROR;
	return sim_dev_new(&cfg, err, errlen);
}

static struct sim_dev *pers_dev(const char *media, const char *personality, char *err,
				size_t errlen)
{
	return pers_dev_file(media, NULL, personality, err, errlen);
}

static uint64_t pers_nexus(struct sim_dev *dev)
{
	static const uint8_t tur[6] = { 0x00 };
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	devtest_run(dev, n, 0, &cmd, tur, 6, 0);	/* consumes 29/00 */
	sim_cmd_release(&cmd);
	return n;
}

static bool pers_sense_is(const struct sim_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
	return cmd->status == SIM_STATUS_CHECK_CONDITION && cmd->sense_len >= 14 &&
	       (cmd->sense[2] & 0x0f) == key && cmd->sense[12] == asc && cmd->sense[13] == ascq;
}

static void test_inquiry(void)
{
	char err[512] = "";
	struct sim_dev *dev = pers_dev("cd-r", fixture("cd-writer"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t n = pers_nexus(dev);
	struct sim_cmd cmd;
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
	devtest_run(dev, n, 0, &cmd, inq, 6, 96);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 96);
	CU_ASSERT(memcmp(cmd.data_in + 8, "KESTREL CDRW KR-4824    1.20", 28) == 0);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* Without a personality file: the device's identification, as before. */
	dev = pers_dev("cd-r", NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	devtest_run(dev, n, 0, &cmd, inq, 6, 96);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 96);
	CU_ASSERT(memcmp(cmd.data_in + 8, "BURNLAB SIMDRIVE        0.1 ", 28) == 0);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_media_refused(void)
{
	char err[512] = "";
	CU_ASSERT_PTR_NULL(pers_dev("cd-r", fixture("dvd-only"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "drive dvd-only (HERON DVD+-RW HX-16D) does not "
				       "take cd-r media"));
	CU_ASSERT_PTR_NULL(pers_dev("dvd+r", fixture("cd-writer"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not take dvd+r media"));
	/* ROM views (ISO-backed): a CD writer reads CD-ROM but not DVD-ROM. */
	char iso[300];
	snprintf(iso, sizeof(iso), "%s", pers_file(""));
	FILE *f = fopen(iso, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static const uint8_t blk[2048];
	fwrite(blk, 1, sizeof(blk), f);
	fclose(f);
	CU_ASSERT_PTR_NULL(pers_dev_file("dvd-rom", iso, fixture("cd-writer"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not take dvd-rom media"));
	struct sim_dev *dev = pers_dev_file("cd-rom", iso, fixture("cd-writer"), err, sizeof(err));
	if (!dev)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_PTR_NOT_NULL(dev);
	sim_dev_free(dev);
	dev = pers_dev("none", fixture("dvd-only"), err, sizeof(err));	/* empty tray */
	CU_ASSERT_PTR_NOT_NULL(dev);
	sim_dev_free(dev);
	/* A malformed file: the device is not made; the message names file and line. */
	const char *path = pers_file("vendor = X\nspeeds-cd = 8 16\n");
	CU_ASSERT_PTR_NULL(pers_dev("cd-r", path, err, sizeof(err)));
	char want[400];
	snprintf(want, sizeof(want), "lun 0: %s:2: speeds not descending", path);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

/* GET CONFIGURATION RT 00b from 0: find a feature; returns its descriptor or NULL. */
static const uint8_t *pers_feature(const struct sim_cmd *cmd, uint16_t code)
{
	if (cmd->data_in_len < 8)
		return NULL;
	uint32_t end = wire_be32(cmd->data_in) + 4;
	for (uint32_t pos = 8; pos + 4 <= end && pos + 4 <= cmd->data_in_len;
	     pos += 4u + cmd->data_in[pos + 3])
		if (wire_be16(cmd->data_in + pos) == code)
			return cmd->data_in + pos;
	return NULL;
}

static bool pers_has_profile(const uint8_t *f0, uint16_t profile)
{
	for (unsigned i = 0; f0 && i < f0[3] / 4u; i++)
		if (wire_be16(f0 + 4 + 4 * i) == profile)
			return true;
	return false;
}

static void pers_get_config(struct sim_dev *dev, uint64_t n, struct sim_cmd *cmd)
{
	uint8_t cdb[10] = { 0x46, 0x00, 0, 0, 0, 0, 0, 0xff, 0xff, 0 };
	devtest_run(dev, n, 0, cmd, cdb, 10, 0xffff);
	CU_ASSERT_EQUAL(cmd->status, SIM_STATUS_GOOD);
}

static void test_features(void)
{
	char err[512] = "";
	struct sim_cmd cmd;
	const uint8_t *f;

	/* The default drive: every profile, TAO and CD Mastering with SAO and Raw. */
	struct sim_dev *dev = pers_dev("cd-r", NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t n = pers_nexus(dev);
	pers_get_config(dev, n, &cmd);
	CU_ASSERT(pers_has_profile(pers_feature(&cmd, 0x0000), REC_PROFILE_BD_RE));
	CU_ASSERT(pers_has_profile(pers_feature(&cmd, 0x0000), REC_PROFILE_CD_R));
	CU_ASSERT_PTR_NOT_NULL(pers_feature(&cmd, 0x002d));
	f = pers_feature(&cmd, 0x002e);
	CU_ASSERT(f && (f[4] & 0x20) && (f[4] & 0x08));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* No RAW: 002Eh with SAO and without Raw; TAO current. */
	dev = pers_dev("cd-r", fixture("dvd-no-raw"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	pers_get_config(dev, n, &cmd);
	f = pers_feature(&cmd, 0x002d);
	CU_ASSERT(f && (f[2] & 0x01));
	f = pers_feature(&cmd, 0x002e);
	CU_ASSERT(f && (f[4] & 0x20) && !(f[4] & 0x08) && (f[2] & 0x01));
	CU_ASSERT(!pers_has_profile(pers_feature(&cmd, 0x0000), REC_PROFILE_BD_R));
	CU_ASSERT(pers_has_profile(pers_feature(&cmd, 0x0000), REC_PROFILE_DVD_PLUS_R));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x0040));	/* no BD */
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x0041));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* A CD-only drive: CD profiles only, no DVD or BD feature. */
	dev = pers_dev("cd-rw", fixture("cd-writer"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	pers_get_config(dev, n, &cmd);
	f = pers_feature(&cmd, 0x0000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f[3], 3 * 4);		/* CD-RW, CD-R, CD-ROM */
	CU_ASSERT(pers_has_profile(f, REC_PROFILE_CD_RW) && pers_has_profile(f, REC_PROFILE_CD_ROM));
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), REC_PROFILE_CD_RW);
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x001f));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x002b));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x002f));
	CU_ASSERT_PTR_NOT_NULL(pers_feature(&cmd, 0x001e));
	f = pers_feature(&cmd, 0x002e);
	CU_ASSERT(f && (f[4] & 0x20) && (f[4] & 0x08));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* DVD only: no CD profile, no CD TAO or Mastering; DVD-R write present. */
	dev = pers_dev("dvd-r", fixture("dvd-only"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	pers_get_config(dev, n, &cmd);
	f = pers_feature(&cmd, 0x0000);
	CU_ASSERT(!pers_has_profile(f, REC_PROFILE_CD_R) && !pers_has_profile(f, REC_PROFILE_CD_ROM));
	CU_ASSERT(pers_has_profile(f, REC_PROFILE_DVD_RW_RO));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x001d));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x001e));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x002d));
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x002e));
	f = pers_feature(&cmd, 0x002f);
	CU_ASSERT(f && (f[2] & 0x01));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* MODE SENSE(10) page 05h current into page[52]. */
static void pers_page05(struct sim_dev *dev, uint64_t n, uint8_t pc, uint8_t page[52])
{
	struct sim_cmd cmd;
	uint8_t cdb[10] = { 0x5a, 0x08, (uint8_t)(pc << 6 | 0x05), 0, 0, 0, 0, 0, 60, 0 };
	devtest_run(dev, n, 0, &cmd, cdb, 10, 60);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 60);
	memcpy(page, cmd.data_in + 8, 52);
	sim_cmd_release(&cmd);
}

static void pers_select05(struct sim_dev *dev, uint64_t n, const uint8_t page[52],
			  struct sim_cmd *cmd)
{
	static uint8_t data[60];
	uint8_t cdb[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0 };
	memset(data, 0, 8);
	memcpy(data + 8, page, 52);
	devtest_run_out(dev, n, 0, cmd, cdb, 10, data, 60);
}

static void test_write_types(void)
{
	char err[512] = "";
	struct sim_cmd cmd;
	uint8_t page[52], raw[52];

	struct sim_dev *dev = pers_dev("cd-r", fixture("dvd-no-raw"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t n = pers_nexus(dev);
	pers_page05(dev, n, 0, page);
	CU_ASSERT_EQUAL(page[2] & 0x0f, 1);		/* TAO by default */
	memcpy(raw, page, 52);
	raw[2] = (uint8_t)((raw[2] & 0xf0) | 3);	/* RAW, 2352 raw */
	raw[4] = 1;
	pers_select05(dev, n, raw, &cmd);
	CU_ASSERT(pers_sense_is(&cmd, 0x05, 0x26, 0x00));
	sim_cmd_release(&cmd);
	raw[2] = (uint8_t)((raw[2] & 0xf0) | 2);	/* SAO is there */
	raw[4] = 8;
	pers_select05(dev, n, raw, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	pers_select05(dev, n, page, &cmd);		/* back to TAO */
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* The same RAW page on a drive that has RAW. */
	dev = pers_dev("cd-r", fixture("cd-writer"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	raw[2] = (uint8_t)((raw[2] & 0xf0) | 3);
	raw[4] = 1;
	pers_select05(dev, n, raw, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* A drive without TAO defaults to SAO; one without packet on DVD-R to DAO, and
	 * refuses packet (incremental) writing. */
	dev = pers_dev("cd-r", pers_file("write-types = sao packet\n"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	pers_page05(dev, n, 0, page);
	CU_ASSERT_EQUAL(page[2] & 0x0f, 2);
	pers_page05(dev, n, 2, page);			/* the default page agrees */
	CU_ASSERT_EQUAL(page[2] & 0x0f, 2);
	page[2] = (uint8_t)((page[2] & 0xf0) | 1);
	pers_select05(dev, n, page, &cmd);
	CU_ASSERT(pers_sense_is(&cmd, 0x05, 0x26, 0x00));
	sim_cmd_release(&cmd);
	pers_get_config(dev, n, &cmd);
	CU_ASSERT_PTR_NULL(pers_feature(&cmd, 0x002d));	/* no TAO feature */
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	dev = pers_dev("dvd-r", pers_file("write-types = sao tao\n"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	n = pers_nexus(dev);
	pers_page05(dev, n, 0, page);
	CU_ASSERT_EQUAL(page[2] & 0x0f, 2);
	CU_ASSERT_EQUAL(page[2] & 0x20, 0);		/* no LS_V for DAO */
	memcpy(raw, page, 52);
	raw[2] = (uint8_t)(0x20 | 0);			/* packet, LS_V, link 16 */
	raw[3] = 0x20 | 0x05;
	raw[5] = 16;
	raw[13] = 16;
	pers_select05(dev, n, raw, &cmd);
	CU_ASSERT(pers_sense_is(&cmd, 0x05, 0x26, 0x00));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* Page 2Ah bytes 2-3 (MMC-3 CD/DVD Capabilities and Mechanical Status page): the media
 * a drive reads and writes follow its personality - a CD-only writer claims no DVD, a
 * DVD-only writer no CD writing. */
static void test_page2a_media(void)
{
	static const struct {
		const char *media, *drive;
		uint8_t read, write;
	} cases[] = {
		{ "cd-r", "cd-writer", 0x03, 0x07 },	/* CD-R/RW read+write, Test Write */
		{ "dvd+r", "dvd-only", 0x18, 0x14 },	/* DVD-ROM/DVD-R read, DVD-R write */
		{ "cd-r", NULL, 0x1b, 0x17 },			/* the default drive: everything */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512];
		struct sim_dev *dev = pers_dev(cases[i].media,
					       cases[i].drive ? fixture(cases[i].drive) : NULL,
					       err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
		uint64_t n = pers_nexus(dev);
		struct sim_cmd cmd;
		uint8_t cdb[10] = { 0x5a, 0x08, 0x2a, 0, 0, 0, 0, 0, 120, 0 };
		devtest_run(dev, n, 0, &cmd, cdb, 10, 120);
		CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
		CU_ASSERT_FATAL(cmd.data_in_len >= 8 + 4);
		CU_ASSERT_EQUAL(cmd.data_in[8 + 2], cases[i].read);
		CU_ASSERT_EQUAL(cmd.data_in[8 + 3], cases[i].write);
		sim_cmd_release(&cmd);
		sim_dev_free(dev);
	}
}

static int register_personality(void)
{
	static const struct unit_test tests[] = {
		{ "default", test_default },
		{ "every_key", test_every_key },
		{ "defaults_kept", test_defaults_kept },
		{ "errors", test_errors },
		{ "fixtures_load", test_fixtures_load },
		{ "fixtures_content", test_fixtures_content },
		{ "inquiry", test_inquiry },
		{ "media_refused", test_media_refused },
		{ "features", test_features },
		{ "write_types", test_write_types },
		{ "page2a_media", test_page2a_media },
	};
	return UNIT_ADD_SUITE("personality", tests);
}
UNIT_SUITE(register_personality)
