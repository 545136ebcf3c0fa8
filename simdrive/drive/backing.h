/* simdrive/drive/backing.h - a read-only source of 2048-byte blocks under a disc: an ISO
 * file (or a block device) opened O_RDONLY.  It is no disc: the disc model (recorder.h)
 * lays a finalized one-track disc over it and answers every command; this only hands
 * out blocks.
 *
 * Ownership: rec_backing_open() returns a backing the caller frees with
 * rec_backing_close().  All functions run on the event-loop thread. */
#ifndef SIM_BACKING_H
#define SIM_BACKING_H

#include <stddef.h>
#include <stdint.h>

#define REC_BACKING_BLOCK 2048u	/* user data of a Mode 1 / DVD / BD sector */

struct rec_backing;

/* Open file read-only; its size must be a non-zero multiple of 2048 bytes and its blocks
 * countable in 32 bits.  Returns 0, or -1 with a message naming the file in err. */
int rec_backing_open(const char *file, struct rec_backing **out, char *err, size_t errlen);
void rec_backing_close(struct rec_backing *b);

/* Blocks in the file, >= 1. */
uint32_t rec_backing_blocks(const struct rec_backing *b);

/* Read len bytes starting at block lba into buf (len need not be a whole number of
 * blocks).  The caller has checked the range.  Returns 0, or a negative errno (-EIO for
 * a short read, e.g. the file shrank under us). */
int rec_backing_read(const struct rec_backing *b, uint32_t lba, uint8_t *buf, size_t len);

#endif
