/* engine/wav.h - the WAV files wengine burns as CD-DA (prefix wav_).  Part of the
 * wengine program, not of the library: IMAPI2's formats take 2352-byte sectors, and
 * turning a file into them is the application's job. */
#ifndef ENG_WAV_H
#define ENG_WAV_H

#include <stddef.h>
#include <stdint.h>

struct wav_info {
	uint64_t data_offset;	/* where the samples start in the file */
	uint64_t data_bytes;	/* bytes of samples (the data chunk's size) */
	uint32_t rate;
	uint16_t channels, bits, format;
};

/* Reads the RIFF/WAVE header of path (the chunks before "data") and checks that it is
 * CD-DA: PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), 2
 * channels, 44 100 Hz, 16 bits, and that the data chunk lies inside the file.  0 on
 * success; -1 with err holding "PATH: WHAT" (the offset of a broken chunk when there is
 * one, the value that is not CD-DA otherwise). */
int wav_open(const char *path, struct wav_info *w, char *err, size_t errlen);

/* CD-DA sectors the samples fill, the last one padded with silence. */
uint64_t wav_sectors(const struct wav_info *w);

#endif
