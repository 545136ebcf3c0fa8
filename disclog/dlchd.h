/* disclog/dlchd.h - disclog images to and from MAME CHD v5 files (module dlchd_).
 *
 * The converter lives in disclog/libdlchd.la, which the disclog program and the tests
 * link with libchd (chd/chd.h); libdisclog itself does not depend on libchd, because
 * simdrive links it.  It builds on dlexport.h's pieces for converters: the exports'
 * CD frames and user data, and the CUE and ISO imports' recording.
 * doc/disclog-tool.md ("CHD") says what is written, read and refused.
 *
 * Errors are dlx_error values with the file's name; the codes are dlexport.h's. */
#ifndef SIM_DLCHD_H
#define SIM_DLCHD_H

#include "dlexport.h"

/* The "chd" export (a dlx_export_fn: run it with dlx_export_run): BASE.chd.
 * A CD: one CHT2 entry per track, 8 frames of 2352 + 96 (raw P-W) per hunk, tracks
 * padded to 4 frames, audio big-endian, codec cdzl.  A DVD or BD: 2048-byte units in
 * hunks of 4096, codec zlib, a 'DVD ' entry. */
int dlchd_export(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		 const struct dlx_export_opts *opts, struct dlx_error *err);

/* Import the CHD src into a new image out: a CD CHD (CHT2 or CHTR metadata) as the CUE
 * import records a CUE sheet, a CHD of 2048-byte units as the ISO import records an
 * ISO (opts->media).  Other CHDs are refused (DLX_ECONTENT naming the file and why). */
int dlchd_import(const char *src, const char *out, const struct dlx_import_opts *opts,
		 struct dlx_error *err);

#endif
