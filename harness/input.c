/* harness/input.c - the files of `input` lines (input.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errbuf.h"
#include "input.h"

#define TONE_RATE 44100	/* CD-DA: 44.1 kHz, 16-bit, two channels (IEC 60908) */

static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v);
	le16(p + 2, v >> 16);
}

/* A RIFF WAVE file of a sine tone at half of full scale, the same in both channels;
 * its sample data is a whole number of CD-DA sectors (588 stereo samples each, since a
 * second is exactly 75 sectors). */
static int make_tone(FILE *f, int hz, int seconds)
{
	uint32_t frames = (uint32_t)seconds * TONE_RATE, data = frames * 4;
	uint8_t h[44];
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);		/* fmt chunk size */
	le16(h + 20, 1);		/* PCM */
	le16(h + 22, 2);		/* channels */
	le32(h + 24, TONE_RATE);
	le32(h + 28, TONE_RATE * 4);	/* bytes per second */
	le16(h + 32, 4);		/* block align */
	le16(h + 34, 16);		/* bits per sample */
	memcpy(h + 36, "data", 4);
	le32(h + 40, data);
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h))
		return -1;
	uint8_t buf[4 * 588];
	for (uint32_t i = 0; i < frames; i += 588) {
		for (uint32_t j = 0; j < 588; j++) {
			double v = 16383.0 * sin(2.0 * M_PI * hz * (double)(i + j) / TONE_RATE);
			uint16_t smp = (uint16_t)(int16_t)lrint(v);
			le16(buf + 4 * j, smp);
			le16(buf + 4 * j + 2, smp);
		}
		if (fwrite(buf, 1, sizeof(buf), f) != sizeof(buf))
			return -1;
	}
	return 0;
}

/* size bytes of a source, in 2048-byte blocks from LBA 0: a file made of
 * pattern:seed=S and written from LBA 0 is what `expect blocks ... equal=pattern:seed=S`
 * checks. */
static int make_source(const struct hrn_scenario *s, FILE *f, const char *spec, int64_t size, char *err,
		       size_t errlen)
{
	struct hrn_source src;
	hrn_parse_source(spec, &src);
	FILE *in = NULL;
	if (src.kind == HRN_SRC_FILE) {
		char *p = hrn_scn_path(s, src.file);
		in = p ? fopen(p, "rb") : NULL;
		if (!in) {
			hrn_errf(err, errlen, "input source %s: %s", p ? p : src.file, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	uint8_t blk[2048];
	int rc = 0;
	for (int64_t lba = 0; lba * 2048 < size && rc == 0; lba++) {
		size_t n = size - lba * 2048 < 2048 ? (size_t)(size - lba * 2048) : 2048;
		if (src.kind == HRN_SRC_PATTERN)
			hrn_pattern_block(src.seed, lba, blk, sizeof(blk));
		else if (src.kind == HRN_SRC_STAMP)
			hrn_stamp_block(src.seed, lba, blk, sizeof(blk));
		else if (src.kind == HRN_SRC_ZERO)
			memset(blk, 0, sizeof(blk));
		else if (fread(blk, 1, n, in) != n) {
			hrn_errf(err, errlen, "input source %s is shorter than %lld bytes", src.file, (long long)size);
			rc = -1;
			break;
		}
		if (fwrite(blk, 1, n, f) != n)
			rc = -1;
	}
	if (in)
		fclose(in);
	return rc;
}

/* An ISO 9660 image (Rock Ridge and Joliet) of a directory, by genisoimage. */
static int make_iso(const char *dir, const char *volid, const char *out, char *err, size_t errlen)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0)
			dup2(nul, 0);
		execlp("genisoimage", "genisoimage", "-quiet", "-R", "-J", "-V", volid, "-o", out, dir,
		       (char *)NULL);
		fprintf(stderr, "genisoimage: %s\n", strerror(errno));
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		hrn_errf(err, errlen, "genisoimage of %s failed (%s %d; is genisoimage installed?)", dir,
		       WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	return 0;
}

int hrn_input_make(const struct hrn_scenario *s, const struct hrn_step *st, const char *dir, char *err,
		   size_t errlen)
{
	char out[8192];
	snprintf(out, sizeof(out), "%s/%s", dir, hrn_step_word(st, 0));
	const char *v;
	if ((v = hrn_step_get(st, "iso"))) {
		char *src = hrn_scn_path(s, v);
		const char *volid = hrn_step_get(st, "volid");
		int rc = src ? make_iso(src, volid ? volid : "BURNLAB", out, err, errlen) : -1;
		free(src);
		return rc;
	}
	FILE *f = fopen(out, "wb");
	if (!f) {
		hrn_errf(err, errlen, "cannot create %s: %s", out, strerror(errno));
		return -1;
	}
	int rc = 0;
	int64_t a, b;
	if ((v = hrn_step_get(st, "tone"))) {
		hrn_parse_int(v, 20, 20000, &a);
		hrn_parse_int(hrn_step_get(st, "seconds"), 1, 4800, &b);
		rc = make_tone(f, (int)a, (int)b);
	} else if ((v = hrn_step_get(st, "source"))) {
		hrn_parse_size(hrn_step_get(st, "size"), &a);
		rc = make_source(s, f, v, a, err, errlen);
	} else {
		char *src = hrn_scn_path(s, hrn_step_get(st, "from"));
		FILE *in = src ? fopen(src, "rb") : NULL;
		if (!in) {
			hrn_errf(err, errlen, "input from %s: %s", src ? src : "?", strerror(errno));
			rc = -1;
		}
		char buf[65536];
		size_t n;
		while (in && rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, f) != n)
				rc = -1;
		if (in)
			fclose(in);
		free(src);
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -1;
	if (rc != 0 && !err[0])
		hrn_errf(err, errlen, "cannot write %s: %s", out, strerror(errno));
	return rc;
}
