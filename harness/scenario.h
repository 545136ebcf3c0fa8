/* harness/scenario.h - the scenario language: parser and value helpers (doc/harness.md).
 *
 * hrn_scn_parse reads a whole file into a list of steps, validating every line (keys,
 * value types, required keys, ordering).  Errors are collected as
 * "FILE:LINE:COL: message" lines; a scenario with errors is not run.
 */
#ifndef HRN_SCENARIO_H
#define HRN_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hrn_kind {
	HRN_DRIVE, HRN_LOAD, HRN_TIME_SCALE, HRN_FAULT, HRN_CONTROL, HRN_ENGINE,
	HRN_MODE, HRN_WRITE, HRN_MMC, HRN_RUN, HRN_EXPECT, HRN_GUEST, HRN_INPUT, HRN_GUEST_RUN,
	HRN_BURN, HRN_ERASE, HRN_FORMAT,
};

/* One argument of a line: key=value (op '='), key>=value ('>'), key<=value ('<'), or a
 * bare word (key NULL, op 0). */
struct hrn_arg {
	char *key;
	char op;
	char *value;
	int col;
};

struct hrn_step {
	enum hrn_kind kind;
	const char *sub;	/* mmc step name, burn kind, expect kind ("result", "blocks", ...), or NULL */
	int line;
	int nargs;
	struct hrn_arg *args;
	char *words;		/* fault / control: the words after the command, as written */
	bool is_final;		/* expect checked after the drive stopped (image, trace) */
};

struct hrn_scenario {
	char *path;		/* as given */
	char *dir;		/* directory of the file */
	char *name;		/* base name without .scn */
	char *fixtures;		/* fixtures directory for "fixtures:" paths, or NULL */
	int nsteps;
	struct hrn_step *steps;
	int nerrors;
	char *errors;		/* "FILE:LINE:COL: message\n"... or NULL */
	int first_action;	/* index of the first action step, or nsteps */
	bool needs_embedded;	/* fault or control lines */
	bool needs_guest;	/* a guest line */
};

/* ---- the words of one line (doc/harness.md section 1) ---- */

#define HRN_LINE_MAX  4096	/* bytes of a line, without its line end */
#define HRN_WORDS_MAX 64	/* words of a line */

struct hrn_token {
	const char *text;	/* quotes removed, \" and \\ resolved; in the hrn_line's buf */
	int col;		/* 1-based column of its first byte */
	int eq;			/* offset in text of the first '=' before any quote, or -1 */
	bool quoted;		/* the word starts with a quote */
};

struct hrn_line {
	int n;
	struct hrn_token tok[HRN_WORDS_MAX];
	int end_col;		/* just past the last word: where a missing one is reported */
	int err_col;		/* after an error: its column */
	char err[96];		/* after an error: the message */
	char buf[HRN_LINE_MAX + 1];
};

/* Split one line (len bytes, without its '\n') into words.  Blanks (space, tab) separate
 * words; a double quote starts a quoted part, where blanks and '#' are text and \" and
 * \\ the only escapes, and which must end on the line; '#' elsewhere starts a comment; a
 * CR at the end is dropped.  There is no line continuation.  Returns 0, or -1 with err
 * and err_col set. */
int hrn_scn_tokenize(const char *line, size_t len, struct hrn_line *out);

/* Parse path.  fixtures: the fixtures directory (NULL: $FIXTURES, else the nearest
 * directory named "fixtures" above the file).  Always returns a scenario (NULL only when
 * out of memory); check nerrors.  Free with hrn_scn_free. */
struct hrn_scenario *hrn_scn_parse(const char *path, const char *fixtures);
/* Parse text as if it were the file `path` (unit tests). */
struct hrn_scenario *hrn_scn_parse_text(const char *path, const char *text, const char *fixtures);
void hrn_scn_free(struct hrn_scenario *s);

/* The value of key (first match with any op), or NULL. */
const char *hrn_step_get(const struct hrn_step *st, const char *key);
/* The argument with this key, or NULL. */
const struct hrn_arg *hrn_step_arg(const struct hrn_step *st, const char *key);
/* The n-th bare word (0-based), or NULL. */
const char *hrn_step_word(const struct hrn_step *st, int n);

/* Resolve a scenario path (relative to the file's directory, or "fixtures:"); malloc'ed. */
char *hrn_scn_path(const struct hrn_scenario *s, const char *p);

/* Value helpers (true on success). */
bool hrn_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
bool hrn_parse_size(const char *s, int64_t *out);
bool hrn_parse_duration_us(const char *s, int64_t *out);
/* "A..B", or "A..end" (*b = HRN_RANGE_END: up to the end of a file source). */
#define HRN_RANGE_END INT64_MAX
bool hrn_parse_range(const char *s, int64_t *a, int64_t *b);
/* "K/AA/QQ" (hex) -> key, asc, ascq; "none" -> *none = true. */
bool hrn_parse_sense(const char *s, int *key, int *asc, int *ascq, bool *none);

/* The data sources of write and expect blocks. */
enum hrn_src_kind { HRN_SRC_ZERO, HRN_SRC_FILE, HRN_SRC_PATTERN, HRN_SRC_CD_MODE1, HRN_SRC_STAMP };
struct hrn_source {
	enum hrn_src_kind kind;
	uint64_t seed;
	const char *file;	/* borrowed from the argument: "file:" stripped */
};
bool hrn_parse_source(const char *s, struct hrn_source *out);
/* Fill one block of the pattern: LBA lba, size bytes. */
void hrn_pattern_block(uint64_t seed, int64_t lba, uint8_t *buf, uint32_t size);
/* Fill one block of stamp:seed=S: 16-byte groups of the LBA and the seed. */
void hrn_stamp_block(uint64_t seed, int64_t lba, uint8_t *buf, uint32_t size);

/* A track of `burn raw`: TYPE:SOURCE:SECTORS (doc/harness.md section 4).  TYPE is an
 * IMAPI_CD_SECTOR_TYPE by name; `type` is its value (0 audio ... 9 mode2form2raw, the
 * numbering of rawcdimage.h) and `bytes` the bytes per sector its stream holds. */
#define HRN_RAW_TYPES "audio|mode0|mode1|mode2form0|mode2form1|mode2form2|mode1raw|mode2form0raw|mode2form1raw|mode2form2raw"
struct hrn_raw_track {
	int type;
	uint32_t bytes;
	int64_t sectors;
	struct hrn_source src;	/* src.file points into the caller's srcbuf */
};
/* Parse s; the SOURCE part is copied into srcbuf (cap bytes), which src.file borrows. */
bool hrn_parse_raw_track(const char *s, char *srcbuf, size_t cap, struct hrn_raw_track *out);

#endif
