/* harness/burn.h - the scenario actions on libwriteengine's format layer (doc/harness.md
 * section 4): `burn data` (IDiscFormat2Data), `burn audio` (IDiscFormat2TrackAtOnce),
 * `burn raw` (IRawCDImageCreator, then IDiscFormat2RawCD), `erase` and `format`
 * (IDiscFormat2Erase), through the public API of discformat2.h and rawcdimage.h only.
 * What each burn did is kept for `expect burn` (section 5). */
#ifndef HRN_BURN_H
#define HRN_BURN_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"
#include "writeengine.h"

enum hrn_burn_kind { HRN_BURN_NONE, HRN_BURN_DATA, HRN_BURN_AUDIO, HRN_BURN_RAW };

#define HRN_STAGES_MAX 64

/* The facts of the last burn (what `expect burn` compares). */
struct hrn_burn_facts {
	enum hrn_burn_kind kind;
	int line;
	bool have_start;
	int32_t start;		/* data: the result's StartLba; audio: the first track's
				 * start; raw: the first LBA written (the lead-in start) */
	int32_t sectors;	/* acknowledged by the drive */
	int32_t verified;	/* data: read back and compared */
	int write_type;		/* data: the page 05h write type sent, -1 none */
	int close_function;	/* data: the CLOSE function sent, 0 none */
	int32_t mismatch;	/* data: the first LBA that did not verify, -1 none */
	int32_t tracks;		/* audio: tracks added; raw: tracks of the image */
	bool have_leadout;
	int32_t leadout;	/* raw: StartOfLeadout of the image */
	/* The CurrentAction values the Update handler saw, one per change of (action,
	 * track number). */
	int stages[HRN_STAGES_MAX];
	int nstages;
	bool stages_overflow;
};

/* The outcome of one action. */
struct hrn_burn_out {
	bool ran;		/* hr is the action's result (else nothing was called) */
	hresult_t hr;
	bool has_sense;
	uint8_t sense[IMAPI_SENSE_LEN];
	char what[128];		/* the call that gave hr: "burn data (Write)" */
	char error[1024];	/* not empty: the scenario fails with this message */
};

/* Block `lba` of a generated source, size bytes (the runner's, harness/run.c). */
typedef void (*hrn_block_fn)(const struct hrn_source *src, int64_t lba, uint8_t *buf, uint32_t size);

/* Run one burn, erase or format step with the recorder.  *facts is replaced by a
 * burn's and left alone by erase and format.  A burn adds to tl (the scenario's
 * timeline; NULL: none). */
void hrn_burn_step(disc_recorder_ex *rec, const struct hrn_scenario *s, const struct hrn_step *st,
		   hrn_block_fn block, imapi_timeline *tl, struct hrn_burn_out *out,
		   struct hrn_burn_facts *facts);

#endif
