/* mmcclient/mmccdb.h - the MMC wire of the initiator side, without a transport (prefix
 * mcc_): byte order, operation codes and their names, MMC-6 profiles, one builder per CDB
 * (every opcode and field offset in mmccdb.c), parameter lists, mode page 05h fields, the
 * decoders of READ DISC / TRACK INFORMATION and sense data, and the burn policy that
 * follows from a profile (mmcpolicy.c: write type, page 05h, how a session ends).
 *
 * One module for every CDB the initiator side sends: the engine library
 * (engine/recorder.c, engine/engine.c, engine/format*.c), wengine, the harness, the
 * conformance suite and the test clients all build through it (mmcclient/README.md says
 * why this is the one module the engine library shares with them).  It needs the C
 * library only: libmmccdb.la has no libiscsi; mmcclient.h adds the session on top. */
#ifndef BURNLAB_MMCCDB_H
#define BURNLAB_MMCCDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- byte order ----------------------------------------------------------------------- */

static inline uint16_t mcc_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t mcc_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static inline uint32_t mcc_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void mcc_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void mcc_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}
static inline void mcc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- operation codes (SPC-4 §6, MMC-6 §6) and their names ---------------------------- */

enum {
	MCC_OP_TEST_UNIT_READY = 0x00, MCC_OP_REZERO_UNIT = 0x01, MCC_OP_REQUEST_SENSE = 0x03,
	MCC_OP_FORMAT_UNIT = 0x04, MCC_OP_INQUIRY = 0x12, MCC_OP_START_STOP_UNIT = 0x1b,
	MCC_OP_PREVENT_ALLOW = 0x1e, MCC_OP_READ_FORMAT_CAPACITIES = 0x23,
	MCC_OP_READ_CAPACITY = 0x25, MCC_OP_READ10 = 0x28, MCC_OP_WRITE10 = 0x2a,
	MCC_OP_SYNCHRONIZE_CACHE = 0x35, MCC_OP_READ_TOC = 0x43, MCC_OP_GET_CONFIGURATION = 0x46,
	MCC_OP_GET_EVENT_STATUS = 0x4a, MCC_OP_READ_DISC_INFORMATION = 0x51,
	MCC_OP_READ_TRACK_INFORMATION = 0x52, MCC_OP_RESERVE_TRACK = 0x53,
	MCC_OP_MODE_SELECT10 = 0x55, MCC_OP_MODE_SENSE10 = 0x5a, MCC_OP_CLOSE_TRACK_SESSION = 0x5b,
	MCC_OP_READ_BUFFER_CAPACITY = 0x5c, MCC_OP_SEND_CUE_SHEET = 0x5d, MCC_OP_REPORT_LUNS = 0xa0,
	MCC_OP_BLANK = 0xa1, MCC_OP_READ12 = 0xa8, MCC_OP_WRITE12 = 0xaa, MCC_OP_GET_PERFORMANCE = 0xac,
	MCC_OP_READ_DISC_STRUCTURE = 0xad, MCC_OP_SET_STREAMING = 0xb6, MCC_OP_SET_CD_SPEED = 0xbb,
	MCC_OP_SEND_DISC_STRUCTURE = 0xbf,
};

/* "WRITE(10)", "CLOSE TRACK/SESSION", ... for the opcodes above; NULL for others.  The
 * engine side's one table of command names (the simulator names its commands in its own
 * opcode table, simdrive/scsi/device.c). */
const char *mcc_op_name(uint8_t op);

/* ---- profiles (MMC-6 §5.3.1, Profile List) --------------------------------------------- */

enum mcc_family { MCC_FAM_UNKNOWN, MCC_FAM_CD, MCC_FAM_DVD, MCC_FAM_BD };

/* "DVD+RW", "BD-R", ...; "none" for 0 (no medium), "unknown" for a number not in the
 * table.  The engine side's one profile name table (wengine prints these names; the
 * simulator keeps its own). */
const char *mcc_profile_name(int profile);
/* The family of a profile in the table; MCC_FAM_UNKNOWN for 0 and any other number. */
enum mcc_family mcc_profile_family(int profile);
/* What "1x" is per family, in bytes per second of user data: CD 75 sectors/s (at
 * 2352 bytes, the 176.4 kB/s of page 2Ah and GET PERFORMANCE; MMC-6 §6.8.5 counts
 * kB = 1000 bytes), DVD 1 385 000, BD 4 495 500; 0 for MCC_FAM_UNKNOWN.  The one
 * definition of "x" on the initiator side (wengine's speeds, the engine's timeline). */
double mcc_family_1x_bytes(enum mcc_family f);
/* A write rate as "x" of the family: CD counts sectors (75 a second whatever their
 * size, so bytes_per_sector matters), DVD and BD count bytes.  0 when unknown. */
double mcc_speed_x(enum mcc_family f, double bytes_per_s, int bytes_per_sector);
/* ---- CDB builders ---------------------------------------------------------------------
 * Each returns the whole CDB (unused bytes and the CONTROL byte zero) with its length.
 * A check that needs an odd CDB builds the usual one and changes a byte of it. */

#define MCC_CDB_MAX 16

struct mcc_cdb {
	uint8_t b[MCC_CDB_MAX];
	int     len;
};

struct mcc_cdb mcc_cdb_test_unit_ready(void);
struct mcc_cdb mcc_cdb_rezero_unit(void);
struct mcc_cdb mcc_cdb_request_sense(bool desc, uint8_t alloc);
/* FmtData=1, format code 001b: the parameter list is mcc_format_list's. */
struct mcc_cdb mcc_cdb_format_unit(void);
struct mcc_cdb mcc_cdb_inquiry(bool evpd, uint8_t page, uint16_t alloc);
struct mcc_cdb mcc_cdb_start_stop_unit(bool loej, bool start);
struct mcc_cdb mcc_cdb_prevent_allow(bool prevent);
struct mcc_cdb mcc_cdb_read_format_capacities(uint16_t alloc);
struct mcc_cdb mcc_cdb_read_capacity(void);
struct mcc_cdb mcc_cdb_read10(uint32_t lba, uint16_t blocks);
struct mcc_cdb mcc_cdb_read12(uint32_t lba, uint32_t blocks);
struct mcc_cdb mcc_cdb_write10(uint32_t lba, uint16_t blocks);
struct mcc_cdb mcc_cdb_write12(uint32_t lba, uint32_t blocks, bool streaming);
struct mcc_cdb mcc_cdb_synchronize_cache(bool immed);
/* format 0 TOC, 1 session info, 2 full TOC; number: the starting track (format 0) or
 * session (format 2). */
struct mcc_cdb mcc_cdb_read_toc(bool msf, uint8_t format, uint8_t number, uint16_t alloc);
/* rt 00b all, 01b current, 10b the one starting feature. */
struct mcc_cdb mcc_cdb_get_configuration(uint8_t rt, uint16_t start, uint16_t alloc);
struct mcc_cdb mcc_cdb_get_event_status(bool polled, uint8_t classes, uint16_t alloc);
struct mcc_cdb mcc_cdb_read_disc_information(uint8_t type, uint16_t alloc);
/* Address type 00b LBA, 01b track number (FFh the invisible track), 10b session. */
struct mcc_cdb mcc_cdb_read_track_information(uint8_t type, uint32_t address, uint16_t alloc);
enum { MCC_RTI_LBA = 0, MCC_RTI_TRACK = 1, MCC_RTI_SESSION = 2, MCC_RTI_INVISIBLE = 0xff };
/* ARSV=0: reserve `blocks` from the NWA. */
struct mcc_cdb mcc_cdb_reserve_track(uint32_t blocks);
/* PF=1, `len` bytes of parameter list (mcc_mode_list); SP asks the device to save
 * the pages. */
struct mcc_cdb mcc_cdb_mode_select10(bool sp, uint16_t len);
/* pc: 0 current, 1 changeable, 2 default, 3 saved values. */
struct mcc_cdb mcc_cdb_mode_sense10(bool dbd, uint8_t pc, uint8_t page, uint16_t alloc);
struct mcc_cdb mcc_cdb_close_track_session(bool immed, uint8_t function, uint16_t number);
enum {
	MCC_CLOSE_TRACK = 1, MCC_CLOSE_SESSION = 2,
	MCC_CLOSE_FINALIZE_MIN_RADIUS = 5,	/* DVD+R: close the session and finalize */
	MCC_CLOSE_FINALIZE = 6,			/* DVD+R, BD-R: finalize */
};
struct mcc_cdb mcc_cdb_read_buffer_capacity(bool block, uint16_t alloc);
struct mcc_cdb mcc_cdb_send_cue_sheet(uint32_t len);
struct mcc_cdb mcc_cdb_report_luns(uint32_t alloc);
/* type 000b the whole disc, 001b minimally. */
struct mcc_cdb mcc_cdb_blank(bool immed, uint8_t type);
/* data_type byte 1 (e.g. 14h: write, tolerance 10b), type byte 10 (00h performance,
 * 03h write speeds). */
struct mcc_cdb mcc_cdb_get_performance(uint8_t data_type, uint32_t lba, uint16_t max,
				       uint8_t type);
/* agid: the authentication grant ID (bits 7-6 of byte 10). */
struct mcc_cdb mcc_cdb_read_disc_structure(uint8_t media, uint32_t address, uint8_t layer,
					   uint8_t format, uint16_t alloc, uint8_t agid);
struct mcc_cdb mcc_cdb_send_disc_structure(uint8_t format, uint16_t len);
struct mcc_cdb mcc_cdb_set_streaming(uint8_t type, uint16_t len);
/* kB/s; FFFFh: the fastest. */
struct mcc_cdb mcc_cdb_set_cd_speed(uint16_t read_kbps, uint16_t write_kbps);

/* ---- parameter lists ---------------------------------------------------------------------- */

/* FORMAT UNIT parameter list (12 bytes): a 4-byte header with `flags` in byte 1 (80h FOV,
 * 02h IMMED) and one format descriptor: blocks, format type, type dependent parameter. */
enum { MCC_FORMAT_LIST_LEN = 12 };
void mcc_format_list(uint8_t par[MCC_FORMAT_LIST_LEN], uint8_t flags, uint32_t blocks,
		     uint8_t type, uint32_t param);
/* SET STREAMING type 00h performance descriptor (28 bytes) from start_lba to end_lba: read
 * and write sizes in kB against a time of 1000 ms, so the rates are kB/s; rdd restores
 * the drive's defaults. */
enum { MCC_STREAMING_LEN = 28 };
void mcc_streaming_desc(uint8_t par[MCC_STREAMING_LEN], bool rdd, uint32_t start_lba,
			uint32_t end_lba, uint32_t read_kbps, uint32_t write_kbps);

/* READ FORMAT CAPACITIES (MMC-6 §6.24): the current/maximum descriptor's type (1
 * unformatted, 2 formatted, 3 no medium; 0 when the answer is too short), and the
 * formattable descriptor of format type `type`: true with its blocks and type dependent
 * parameter, false when the drive does not offer it. */
int mcc_format_current(const uint8_t *p, int len);
bool mcc_format_offer(const uint8_t *p, int len, uint8_t type, uint32_t *blocks,
		      uint32_t *param);

/* ---- mode pages (SPC-4 §7.5) ----------------------------------------------------------- */

enum { MCC_MODE_HDR10 = 8 };	/* the MODE SENSE(10) / MODE SELECT(10) header */

/* The first page of a MODE SENSE(10) answer of len bytes (the header and the block
 * descriptors skipped) copied into page with PS cleared, as MODE SELECT wants it: its
 * length (2 + page length), or -1 when the answer holds no whole page of at most cap
 * bytes. */
int mcc_mode_page(const uint8_t *data, int len, uint8_t *page, int cap);
/* Where the first page of a MODE SENSE(10) answer starts, or -1 when it is not there. */
int mcc_mode_page_offset(const uint8_t *data, int len);
/* A MODE SELECT(10) parameter list into par (cap bytes): the header (mode data length 0,
 * block descriptor length bdl), bdl zero bytes, the page; its length, or -1. */
int mcc_mode_list(uint8_t *par, int cap, const uint8_t *page, int plen, int bdl);

/* Write Parameters page 05h (MMC-6 §7.5), page[0] being its page code byte. */
enum {
	MCC_P05_FLAGS = 2,		/* b6 BUFE, b5 LS_V, b4 Test Write, b3-0 write type */
	MCC_P05_TRACK = 3,		/* b7-6 multi-session, b5 FP, b4 Copy, b3-0 track mode */
	MCC_P05_DBT = 4,		/* b3-0 data block type */
	MCC_P05_LINK = 5, MCC_P05_SESSION_FORMAT = 8, MCC_P05_PACKET = 10, MCC_P05_PAUSE = 14,
	MCC_P05_MIN = 16,		/* the fields above */
};
enum { MCC_MS_NONE = 0, MCC_MS_NEXT_ALLOWED = 3 };	/* multi-session values */
/* Each sets one field and leaves the rest of the page alone. */
void mcc_p05_set_write_type(uint8_t *page, uint8_t type);
void mcc_p05_set_test_write(uint8_t *page, bool on);
void mcc_p05_set_bufe(uint8_t *page, bool on);
void mcc_p05_set_multisession(uint8_t *page, uint8_t ms);
void mcc_p05_set_track_mode(uint8_t *page, uint8_t mode);
void mcc_p05_set_dbt(uint8_t *page, uint8_t dbt);
void mcc_p05_set_fp(uint8_t *page, bool on);
void mcc_p05_set_ls_v(uint8_t *page, bool on);
void mcc_p05_set_link_size(uint8_t *page, uint8_t size);
void mcc_p05_set_session_format(uint8_t *page, uint8_t format);
void mcc_p05_set_packet_size(uint8_t *page, uint32_t blocks);
void mcc_p05_set_audio_pause(uint8_t *page, uint16_t blocks);

/* ---- burn policy per profile (mmcpolicy.c) ----------------------------------------------
 * What a burning program decides from the medium alone, in one place: the format layer
 * of the engine library, wengine and the harness take it from here, so they cannot
 * disagree on a write type or on how a disc is finalized. */

/* How data (2048-byte blocks) is written on a profile. */
struct mcc_data_plan {
	bool    supported;	/* data writing on this profile at all */
	bool    sequential;	/* written at the NWA of an invisible/incomplete track */
	bool    page05;		/* the drive takes page 05h (CD, DVD-R/-RW sequential) */
	bool    needs_format;	/* an unformatted disc must be formatted first (DVD+RW, BD-RE) */
	bool    erasable;	/* BLANK applies (CD-RW, DVD-RW) */
	bool    multisession;	/* more than one session possible */
	uint8_t write_type;	/* page 05h write type for an appended/incremental track */
	uint8_t dao_write_type;	/* page 05h write type of a single closed session (DAO/SAO
				 * with RESERVE TRACK), 0xff when the profile has none */
	uint8_t track_mode;	/* page 05h track mode (4 data uninterrupted, 5 incremental) */
	uint8_t dbt;		/* page 05h data block type (8: mode 1, 2048 bytes) */
	uint8_t format_type;	/* FORMAT UNIT format type of a full format (needs_format) */
};
/* The plan of a profile; supported false (and the rest zero) for a profile that cannot
 * take data (CD-ROM, DVD-ROM, BD-ROM, none, unknown). */
void mcc_data_plan(int profile, struct mcc_data_plan *p);

/* Page 05h for a data track of plan p: write type (dao: the DAO type), track mode, DBT,
 * multi-session 11b or 00b, BUFE, and for DVD-R/-RW incremental LS_V with link size 16
 * and variable packets (MMC-6 §7.5.4).  Fields the plan does not own are left alone. */
void mcc_p05_for_data(uint8_t *page, const struct mcc_data_plan *p, bool dao,
		      bool next_session, bool bufe);

/* Page 05h for CD-DA track-at-once (MMC-6 §7.5.4): write type 1, track mode 0 (two
 * channels; 1 with pre-emphasis), data block type 0 (2352 bytes), audio pause 150 (the
 * 2-second pre-gap the drive writes before each track), multi-session 11b or 00b, BUFE. */
void mcc_p05_for_audio_tao(uint8_t *page, bool preemphasis, bool next_session, bool bufe);

/* How a session ends (MMC-6 §6.3 CLOSE TRACK/SESSION functions per medium). */
struct mcc_close_plan {
	bool    close_track;		/* CLOSE TRACK the written track first: not on CD,
					 * where SYNCHRONIZE CACHE ends a TAO track */
	bool    set_multisession;	/* set page 05h multi-session first (CD, DVD-R/-RW) */
	uint8_t multisession;		/* ... to this */
	uint8_t function;		/* then CLOSE with this function */
	bool    none;			/* nothing to close (random-writable media) */
};
/* finalize: no session may follow; dvd_compat: DVD+R/+R DL close in the compatible way
 * (101b, the disc padded to a minimum radius, as IMAPI2 does unless
 * DisableConsumerDvdCompatibilityMode is set).  CD and DVD-R/-RW: CLOSE SESSION with
 * multi-session 11b (appendable) or 00b (finalized); DVD+R: 010b or 101b/110b; BD-R:
 * 010b or 110b; DVD+RW, BD-RE, DVD-RW restricted overwrite, DVD-RAM: none. */
void mcc_close_plan(int profile, bool finalize, bool dvd_compat, struct mcc_close_plan *c);

/* ---- READ DISC INFORMATION (MMC-6 §6.21) and READ TRACK INFORMATION (§6.26) ----------- */

struct mcc_disc_info {
	int      status;		/* disc status: 0 empty, 1 incomplete, 2 complete, 3 other */
	int      last_state;		/* state of the last session */
	bool     erasable;
	int      first_track, sessions, first_in_last, last_in_last;
	int      bg_format;		/* background format status */
	int      disc_type;
	uint32_t leadin;		/* last session lead-in start (CD: 00 M S F) */
	uint32_t last_leadout;		/* last possible lead-out start */
};
/* An address field of READ DISC INFORMATION (lead-in start, last possible lead-out
 * start) as an LBA: CD gives "00 M S F" (MMC-6 §6.21.3; M >= 90 is the lead-in area
 * before LBA 0), other media an LBA.  False when the field is FFFFFFFFh (not known). */
bool mcc_disc_info_lba(uint32_t field, bool cd, int32_t *lba);
/* Decodes the standard disc information (at least 24 bytes); false when shorter. */
bool mcc_disc_info(const uint8_t *p, int len, struct mcc_disc_info *d);

struct mcc_track_info {
	int      number, session;	/* with their MSBs (bytes 32, 33) when they came */
	int      mode, data_mode;	/* track mode, data mode */
	bool     damage, copy, rt, blank, packet, fp;
	bool     nwa_v, lra_v;
	uint32_t start, nwa, free, packet_size, size, lra;
};
/* Decodes track information (at least 32 bytes); false when shorter. */
bool mcc_track_info(const uint8_t *p, int len, struct mcc_track_info *t);

/* ---- sense data (SPC-4 §4.5) ------------------------------------------------------------ */

enum { MCC_SENSE_MAX = 252 };

struct mcc_sense {
	int      code;		/* response code 70h..73h */
	bool     deferred;	/* 71h, 73h */
	int      key, asc, ascq;
	bool     info_valid;	/* fixed format VALID: info holds INFORMATION */
	uint32_t info;
	bool     sksv;		/* the sense-key specific bytes are valid */
	uint8_t  sks[3];	/* ... as sent (SPC-4 §4.5.2.4) */
};
/* Decodes fixed (70h/71h, at least 14 bytes) or descriptor (72h/73h, at least 4 bytes)
 * sense data; false (and *s zero) for anything else. */
bool mcc_sense_decode(const uint8_t *sense, int len, struct mcc_sense *s);
/* The field pointer of an ILLEGAL REQUEST (SPC-4 §4.5.2.4.2): true when SKSV is set;
 * *cd C/D (the CDB, else the parameter list), *field the byte, *bit the bit or -1. */
bool mcc_sense_field(const struct mcc_sense *s, bool *cd, int *field, int *bit);


#endif
