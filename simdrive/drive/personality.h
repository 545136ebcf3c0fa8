/* simdrive/drive/personality.h - a drive personality: what kind of real drive a LUN plays.
 *
 * A personality file (fixtures/drives/NAME.drive, doc/simdrive-personalities.md) is
 * lines of `key = value` with # comments; unknown keys and bad values are errors that
 * name the file and line.  Without a file, sim_personality_default() gives the
 * behaviour simdrive had before personalities existed (a drive that writes every
 * medium of the recorder model with every write type). */
#ifndef SIM_PERSONALITY_H
#define SIM_PERSONALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

#define SIM_PERS_MAX_MEDIA  16
#define SIM_PERS_MAX_SPEEDS 12
#define SIM_PERS_FAMILIES   3	/* enum rec_family: REC_CD, REC_DVD, REC_BD */

/* Page 05h write types a drive offers (bit = 1 << write type, MMC-6 §7.5.4.3). */
enum {
	SIM_WT_PACKET = 1u << 0,	/* packet / incremental */
	SIM_WT_TAO    = 1u << 1,
	SIM_WT_SAO    = 1u << 2,	/* SAO / DAO */
	SIM_WT_RAW    = 1u << 3,
};

enum sim_rotation {
	SIM_ROT_CLV,	/* constant linear velocity: one speed across the disc */
	SIM_ROT_CAV,	/* constant angular velocity: the speed grows with the radius from
			 * the slowest entry (inner edge) to the fastest (outer edge) */
};

/* Behaviours some real drives have. */
enum {
	SIM_QUIRK_IGNORE_SPEED   = 1u << 0,	/* SET CD SPEED / SET STREAMING answer GOOD
						 * and change nothing */
	SIM_QUIRK_BUSY_WHEN_FULL = 1u << 1,	/* a WRITE that finds the buffer full gets
						 * 02/04/08 instead of waiting for room */
};

struct sim_speed_table {
	uint16_t          x10[SIM_PERS_MAX_SPEEDS];	/* write speeds in tenths of "x",
							 * fastest first; 0 ends the list */
	enum sim_rotation rotation;
};

struct sim_personality {
	char     name[64];			/* the file's base name, "default" */
	char     vendor[9], product[17], revision[5];	/* INQUIRY */
	/* rec_media names this drive writes (and reads); nmedia 0 = every medium. */
	char     media[SIM_PERS_MAX_MEDIA][16];
	size_t   nmedia;
	unsigned write_types;			/* SIM_WT_* on CD (DVD-R/RW: packet, SAO) */
	uint32_t buffer_bytes[SIM_PERS_FAMILIES];	/* drive buffer per family */
	struct sim_speed_table speeds[SIM_PERS_FAMILIES];
	unsigned quirks;			/* SIM_QUIRK_* */
};

/* The default drive: INQUIRY BURNLAB/SIMDRIVE/0001, every medium, every write type,
 * 2 MiB buffer on CD and 4 MiB on DVD/BD, CLV, speeds CD 52x..4x, DVD 24x..2.4x,
 * BD 16x..2x (1x: CD 176 kB/s, DVD 1385 kB/s, BD 4496 kB/s, the 1x rates of MMC-6; doc/simdrive-time.md). */
void sim_personality_default(struct sim_personality *p);

/* Load a personality file over the default (keys not given keep the default).
 * Returns 0, or -1 with "FILE:LINE: message" in err. */
int sim_personality_load(const char *path, struct sim_personality *p, char *err,
			 size_t errlen);

/* Does the drive take this medium (a rec_media name)?  A ROM view (cd-rom, dvd-rom,
 * bd-rom) is taken when listed or when the drive takes any medium of its family. */
bool sim_personality_has_medium(const struct sim_personality *p, const char *media);
/* Does the drive take any medium (recordable or ROM view) of the family? */
bool sim_personality_takes_family(const struct sim_personality *p, enum rec_family f);

/* 1x in kB/s of a family (CD 176, DVD 1385, BD 4496). */
uint32_t sim_family_kbps_1x(enum rec_family f);

#endif
