/* mmcclient/mmcnames.c - the initiator side's names: commands and MMC-6 profiles with
 * their families.  One table each on this side of the engine/simdrive line (the
 * simulator names the commands it serves in simdrive/scsi/device.c and keeps its own
 * profile table). */
#include "mmccdb.h"

static const char *const op_names[256] = {
	[MCC_OP_TEST_UNIT_READY] = "TEST UNIT READY",
	[MCC_OP_REZERO_UNIT] = "REZERO UNIT",
	[MCC_OP_REQUEST_SENSE] = "REQUEST SENSE",
	[MCC_OP_FORMAT_UNIT] = "FORMAT UNIT",
	[MCC_OP_INQUIRY] = "INQUIRY",
	[MCC_OP_START_STOP_UNIT] = "START STOP UNIT",
	[MCC_OP_PREVENT_ALLOW] = "PREVENT ALLOW MEDIUM REMOVAL",
	[MCC_OP_READ_FORMAT_CAPACITIES] = "READ FORMAT CAPACITIES",
	[MCC_OP_READ_CAPACITY] = "READ CAPACITY",
	[MCC_OP_READ10] = "READ(10)",
	[MCC_OP_WRITE10] = "WRITE(10)",
	[MCC_OP_SYNCHRONIZE_CACHE] = "SYNCHRONIZE CACHE",
	[MCC_OP_READ_TOC] = "READ TOC/PMA/ATIP",
	[MCC_OP_GET_CONFIGURATION] = "GET CONFIGURATION",
	[MCC_OP_GET_EVENT_STATUS] = "GET EVENT STATUS NOTIFICATION",
	[MCC_OP_READ_DISC_INFORMATION] = "READ DISC INFORMATION",
	[MCC_OP_READ_TRACK_INFORMATION] = "READ TRACK INFORMATION",
	[MCC_OP_RESERVE_TRACK] = "RESERVE TRACK",
	[MCC_OP_MODE_SELECT10] = "MODE SELECT(10)",
	[MCC_OP_MODE_SENSE10] = "MODE SENSE(10)",
	[MCC_OP_CLOSE_TRACK_SESSION] = "CLOSE TRACK/SESSION",
	[MCC_OP_READ_BUFFER_CAPACITY] = "READ BUFFER CAPACITY",
	[MCC_OP_SEND_CUE_SHEET] = "SEND CUE SHEET",
	[MCC_OP_REPORT_LUNS] = "REPORT LUNS",
	[MCC_OP_BLANK] = "BLANK",
	[MCC_OP_READ12] = "READ(12)",
	[MCC_OP_WRITE12] = "WRITE(12)",
	[MCC_OP_GET_PERFORMANCE] = "GET PERFORMANCE",
	[MCC_OP_READ_DISC_STRUCTURE] = "READ DISC STRUCTURE",
	[MCC_OP_SET_STREAMING] = "SET STREAMING",
	[MCC_OP_SET_CD_SPEED] = "SET CD SPEED",
};

const char *mcc_op_name(uint8_t op)
{
	return op_names[op];
}

/* The profiles of MMC-6 §5.3.1 a CD/DVD/BD recorder reports. */
static const struct {
	int number;
	const char *name;
	enum mcc_family family;
} profiles[] = {
	{ 0x0008, "CD-ROM", MCC_FAM_CD }, { 0x0009, "CD-R", MCC_FAM_CD },
	{ 0x000A, "CD-RW", MCC_FAM_CD }, { 0x0010, "DVD-ROM", MCC_FAM_DVD },
	{ 0x0011, "DVD-R", MCC_FAM_DVD }, { 0x0012, "DVD-RAM", MCC_FAM_DVD },
	{ 0x0013, "DVD-RW restricted overwrite", MCC_FAM_DVD }, { 0x0014, "DVD-RW", MCC_FAM_DVD },
	{ 0x0015, "DVD-R DL", MCC_FAM_DVD }, { 0x0016, "DVD-R DL layer jump", MCC_FAM_DVD },
	{ 0x001A, "DVD+RW", MCC_FAM_DVD }, { 0x001B, "DVD+R", MCC_FAM_DVD },
	{ 0x002A, "DVD+RW DL", MCC_FAM_DVD }, { 0x002B, "DVD+R DL", MCC_FAM_DVD },
	{ 0x0040, "BD-ROM", MCC_FAM_BD }, { 0x0041, "BD-R", MCC_FAM_BD },
	{ 0x0042, "BD-R RRM", MCC_FAM_BD }, { 0x0043, "BD-RE", MCC_FAM_BD },
};

static int profile_index(int number)
{
	for (int i = 0; i < (int)(sizeof(profiles) / sizeof(profiles[0])); i++)
		if (profiles[i].number == number)
			return i;
	return -1;
}

const char *mcc_profile_name(int profile)
{
	int i = profile_index(profile);
	if (profile == 0)
		return "none";
	return i >= 0 ? profiles[i].name : "unknown";
}

enum mcc_family mcc_profile_family(int profile)
{
	int i = profile_index(profile);
	return i >= 0 ? profiles[i].family : MCC_FAM_UNKNOWN;
}

double mcc_family_1x_bytes(enum mcc_family f)
{
	switch (f) {
	case MCC_FAM_CD:  return 75.0 * 2352;
	case MCC_FAM_DVD: return 1385000.0;
	case MCC_FAM_BD:  return 4495500.0;
	default:          return 0;
	}
}

double mcc_speed_x(enum mcc_family f, double bytes_per_s, int bytes_per_sector)
{
	if (f == MCC_FAM_CD)
		return bytes_per_sector > 0 ? bytes_per_s / bytes_per_sector / 75.0 : 0;
	double one = mcc_family_1x_bytes(f);
	return one > 0 ? bytes_per_s / one : 0;
}
