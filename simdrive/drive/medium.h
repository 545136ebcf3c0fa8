/* simdrive/drive/medium.h - the disc in the drive.
 *
 * For now a read-only disc backed by an ISO file: 2048-byte user-data blocks, one
 * data track in one complete session.  The recorder work grows this module (blank
 * and appendable media, tracks and sessions, the recorded image); the device model
 * only asks it for the profile, the capacity and blocks.
 *
 * Ownership: sim_medium_open() returns a medium the caller frees with
 * sim_medium_close().  All functions run on the event-loop thread. */
#ifndef SIM_MEDIUM_H
#define SIM_MEDIUM_H

#include <stddef.h>
#include <stdint.h>

/* MMC profiles (MMC-6 table 91); NONE is the current profile of an empty drive. */
enum sim_profile {
	SIM_PROFILE_NONE    = 0x0000,
	SIM_PROFILE_CD_ROM  = 0x0008,
	SIM_PROFILE_DVD_ROM = 0x0010,
};

#define SIM_BLOCK_SIZE 2048u	/* user data of a mode 1 / DVD sector */

struct sim_medium;

/* Open the medium named `media` ("dvd-rom", "cd-rom") backed by `file`, opened
 * O_RDONLY; its size must be a non-zero multiple of 2048 bytes.  media "none" means
 * an empty tray: *out is set to NULL and file must be NULL.  Returns 0, or -1 with a
 * message naming the file in err. */
int sim_medium_open(const char *media, const char *file, struct sim_medium **out,
		    char *err, size_t errlen);
void sim_medium_close(struct sim_medium *m);

enum sim_profile sim_medium_profile(const struct sim_medium *m);
const char *sim_medium_name(const struct sim_medium *m);	/* "dvd-rom", ... */
uint32_t sim_medium_blocks(const struct sim_medium *m);		/* readable blocks, >= 1 */
int sim_medium_is_cd(const struct sim_medium *m);

/* Read len bytes starting at block lba into buf (len need not be a whole number of
 * blocks).  The caller has checked the range.  Returns 0, or a negative errno
 * (-EIO for a short read, e.g. the file shrank under us). */
int sim_medium_read(const struct sim_medium *m, uint32_t lba, uint8_t *buf, size_t len);

#endif
