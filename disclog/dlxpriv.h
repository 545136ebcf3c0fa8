/* disclog/dlxpriv.h - private to libdisclog's exports (export.c) and imports
 * (import.c): the MMC numbers both write into images, and their error reporter. */
#ifndef DLX_PRIV_H
#define DLX_PRIV_H

#include "dlexport.h"

#define MMC_PROFILE_CD_ROM  0x0008
#define MMC_PROFILE_DVD_ROM 0x0010
#define MMC_PROFILE_BD_ROM  0x0040
#define MMC_WT_TAO 1		/* page 05h write types */
#define MMC_WT_SAO 2
#define MMC_WT_RAW 3
#define MMC_DBT_RAW 0		/* page 05h data block types */
#define MMC_DBT_RAW_PW 3
#define MMC_DBT_MODE1 8
#define MMC_CTL_DATA 0x4	/* Q control / track mode: data track */

#define IO_BLOCKS 256		/* blocks per write/read batch */

/* Fill err (when not NULL) with code and the formatted message; returns code. */
int dlx_fail(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
