/* mmcclient/mmcpolicy.c - the burn policy that follows from a profile (mmccdb.h): how data
 * is written and how a session ends on each medium.  Write types and page 05h fields:
 * MMC-6 §7.5.4; CLOSE TRACK/SESSION functions: MMC-6 §6.3; profiles: MMC-6 §5.3.1. */
#include <string.h>

#include "mmccdb.h"

enum { NO_DAO = 0xff };

/* One row per recordable profile: a table, so a medium's whole policy reads on one line. */
static const struct plan_row {
	int profile;
	struct mcc_data_plan plan;
} plans[] = {
	/*                   supp  seq    page05 format erase  multi  wt  dao   mode dbt fmt */
	{ 0x0009, { true, true,  true,  false, false, true,  1, NO_DAO, 4, 8, 0x00 } }, /* CD-R */
	{ 0x000A, { true, true,  true,  false, true,  true,  1, NO_DAO, 4, 8, 0x00 } }, /* CD-RW */
	{ 0x0011, { true, true,  true,  false, false, true,  0, 2,      5, 8, 0x00 } }, /* DVD-R */
	{ 0x0014, { true, true,  true,  false, true,  true,  0, 2,      5, 8, 0x00 } }, /* DVD-RW seq */
	{ 0x0015, { true, true,  true,  false, false, true,  0, 2,      5, 8, 0x00 } }, /* DVD-R DL */
	{ 0x0013, { true, false, false, false, true,  false, 0, NO_DAO, 4, 8, 0x00 } }, /* DVD-RW RO */
	{ 0x0012, { true, false, false, false, false, false, 0, NO_DAO, 4, 8, 0x00 } }, /* DVD-RAM */
	{ 0x001A, { true, false, false, true,  false, false, 0, NO_DAO, 4, 8, 0x26 } }, /* DVD+RW */
	{ 0x002A, { true, false, false, true,  false, false, 0, NO_DAO, 4, 8, 0x26 } }, /* DVD+RW DL */
	{ 0x001B, { true, true,  false, false, false, true,  0, NO_DAO, 4, 8, 0x00 } }, /* DVD+R */
	{ 0x002B, { true, true,  false, false, false, true,  0, NO_DAO, 4, 8, 0x00 } }, /* DVD+R DL */
	{ 0x0041, { true, true,  false, false, false, true,  0, NO_DAO, 4, 8, 0x00 } }, /* BD-R SRM */
	{ 0x0043, { true, false, false, true,  false, false, 0, NO_DAO, 4, 8, 0x30 } }, /* BD-RE */
};

void mcc_data_plan(int profile, struct mcc_data_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->dao_write_type = NO_DAO;
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
		if (plans[i].profile == profile)
			*p = plans[i].plan;
}

void mcc_p05_for_data(uint8_t *page, const struct mcc_data_plan *p, bool dao,
		      bool next_session, bool bufe)
{
	bool use_dao = dao && p->dao_write_type != NO_DAO;
	uint8_t wt = use_dao ? p->dao_write_type : p->write_type;
	mcc_p05_set_write_type(page, wt);
	mcc_p05_set_bufe(page, bufe);
	mcc_p05_set_test_write(page, false);
	mcc_p05_set_multisession(page, next_session ? MCC_MS_NEXT_ALLOWED : MCC_MS_NONE);
	/* A DAO track is one uninterrupted data track (mode 4); incremental is mode 5. */
	mcc_p05_set_track_mode(page, use_dao ? 4 : p->track_mode);
	mcc_p05_set_dbt(page, p->dbt);
	mcc_p05_set_fp(page, false);
	if (wt == 0) {
		/* DVD-R/-RW incremental: link size 16 blocks, variable packets (§7.5.4.9). */
		mcc_p05_set_ls_v(page, true);
		mcc_p05_set_link_size(page, 16);
		mcc_p05_set_packet_size(page, 0);
	} else {
		mcc_p05_set_ls_v(page, false);
		mcc_p05_set_link_size(page, 0);
	}
}

void mcc_p05_for_audio_tao(uint8_t *page, bool preemphasis, bool next_session, bool bufe)
{
	mcc_p05_set_write_type(page, 1);
	mcc_p05_set_bufe(page, bufe);
	mcc_p05_set_test_write(page, false);
	mcc_p05_set_ls_v(page, false);
	mcc_p05_set_fp(page, false);
	mcc_p05_set_multisession(page, next_session ? MCC_MS_NEXT_ALLOWED : MCC_MS_NONE);
	mcc_p05_set_track_mode(page, preemphasis ? 1 : 0);
	mcc_p05_set_dbt(page, 0);
	mcc_p05_set_link_size(page, 0);
	mcc_p05_set_audio_pause(page, 150);
}

void mcc_close_plan(int profile, bool finalize, bool dvd_compat, struct mcc_close_plan *c)
{
	struct mcc_data_plan p;
	mcc_data_plan(profile, &p);
	memset(c, 0, sizeof(*c));
	c->function = MCC_CLOSE_SESSION;
	if (!p.supported || !p.sequential) {
		c->none = true;
		return;
	}
	/* CD TAO: SYNCHRONIZE CACHE closes the track (what cdrecord and libburn rely on;
	 * a CLOSE TRACK after it finds nothing open).  Incremental DVD-R/-RW, DVD+R and
	 * BD-R tracks stay open until CLOSE TRACK (growisofs, libburn). */
	c->close_track = mcc_profile_family(profile) != MCC_FAM_CD;
	if (p.page05) {
		/* CD, DVD-R/-RW: CLOSE SESSION finalizes or not as page 05h says. */
		c->set_multisession = true;
		c->multisession = finalize ? MCC_MS_NONE : MCC_MS_NEXT_ALLOWED;
		return;
	}
	if (!finalize)
		return;
	if (profile == 0x001B || profile == 0x002B)
		c->function = dvd_compat ? MCC_CLOSE_FINALIZE_MIN_RADIUS : MCC_CLOSE_FINALIZE;
	else
		c->function = MCC_CLOSE_FINALIZE;
}
