/* engine/wav.c - RIFF/WAVE headers (wav.h).  The layout is Microsoft's RIFF: a "RIFF"
 * chunk of form type "WAVE" holding sub-chunks, each a 4-byte ID, a little-endian
 * 32-bit size and the data padded to an even length; "fmt " describes the samples,
 * "data" holds them.  CD-DA is Red Book audio (ECMA-130 §16: 44.1 kHz, 16-bit, two
 * channels). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ewire.h"
#include "wav.h"

enum { CDDA_SECTOR = 2352, FMT_PCM = 1, FMT_EXTENSIBLE = 0xFFFE };

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int wav_open(const char *path, struct wav_info *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	struct stat st;
	uint64_t fsize = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
	uint8_t h[12];
	int rc = -1;
	if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
		fail(err, errlen, "%s: not a RIFF/WAVE file", path);
		goto out;
	}
	bool have_fmt = false;
	uint64_t off = 12;
	for (;;) {
		uint8_t c[8];
		if (fseek(f, (long)off, SEEK_SET) != 0 || fread(c, 1, 8, f) != 8) {
			fail(err, errlen, "%s: no \"data\" chunk (the chunks end at offset %llu)",
			     path, (unsigned long long)off);
			goto out;
		}
		uint32_t size = eng_le32(c + 4);
		if (!memcmp(c, "fmt ", 4)) {
			uint8_t fmt[40];
			if (size < 16 || fread(fmt, 1, size < sizeof(fmt) ? size : sizeof(fmt), f) <
					     (size < 16 ? size : 16)) {
				fail(err, errlen, "%s: offset %llu: \"fmt \" chunk of %u bytes is too "
				     "short", path, (unsigned long long)off, size);
				goto out;
			}
			w->format = le16(fmt);
			w->channels = le16(fmt + 2);
			w->rate = eng_le32(fmt + 4);
			w->bits = le16(fmt + 14);
			/* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag. */
			if (w->format == FMT_EXTENSIBLE && size >= 26)
				w->format = le16(fmt + 24);
			have_fmt = true;
		} else if (!memcmp(c, "data", 4)) {
			if (!have_fmt) {
				fail(err, errlen, "%s: offset %llu: \"data\" before \"fmt \"", path,
				     (unsigned long long)off);
				goto out;
			}
			w->data_offset = off + 8;
			w->data_bytes = size;
			if (w->data_offset + w->data_bytes > fsize) {
				fail(err, errlen, "%s: offset %llu: the data chunk claims %u bytes but "
				     "the file ends %llu bytes later", path, (unsigned long long)off,
				     size, (unsigned long long)(fsize - w->data_offset));
				goto out;
			}
			break;
		}
		off += 8 + (uint64_t)size + (size & 1);
	}
	if (w->format != FMT_PCM)
		fail(err, errlen, "%s: format %u, CD-DA needs PCM (1)", path, w->format);
	else if (w->rate != 44100)
		fail(err, errlen, "%s: %u Hz, CD-DA needs 44100 Hz", path, w->rate);
	else if (w->bits != 16)
		fail(err, errlen, "%s: %u-bit samples, CD-DA needs 16-bit", path, w->bits);
	else if (w->channels != 2)
		fail(err, errlen, "%s: %u channel%s, CD-DA needs 2 (stereo)", path, w->channels,
		     w->channels == 1 ? "" : "s");
	else if (w->data_bytes == 0)
		fail(err, errlen, "%s: no samples", path);
	else
		rc = 0;
out:
	fclose(f);
	return rc;
}

uint64_t wav_sectors(const struct wav_info *w)
{
	return (w->data_bytes + CDDA_SECTOR - 1) / CDDA_SECTOR;
}
