/* engine/hresult.c - names and English texts of the HRESULTs in imapi2_hresult.h.
 *
 * One table, one row per constant of the header (standard COM/Win32 values first, then
 * imapi2error.h's general, recorder, write-engine and format blocks; numbers as in Microsoft's
 * IMAPI return values).  The texts are our own wording.  The project's sense family
 * (IMAPI_HR_FROM_SENSE, doc/engine-recorder.md §4) is not in the table: its
 * members are recognised by IMAPI_HR_IS_SENSE and described from the bits they carry. */
#include <stddef.h>
#include <stdio.h>

#include "imapi2_hresult.h"

struct hr_row {
	hresult_t value;
	const char *name;
	const char *text;
};

#define ROW(sym, text) { sym, #sym, text }

static const struct hr_row hr_rows[] = {
	ROW(S_OK, "The operation succeeded."),
	ROW(S_FALSE, "The operation succeeded but had nothing to report."),
	ROW(E_NOTIMPL, "The function is not implemented."),
	ROW(E_NOINTERFACE, "The interface is not supported."),
	ROW(E_POINTER, "A required pointer argument was NULL."),
	ROW(E_ABORT, "The operation was aborted."),
	ROW(E_FAIL, "The operation failed."),
	ROW(E_UNEXPECTED, "An unexpected failure occurred."),
	ROW(E_OUTOFMEMORY, "Not enough memory to complete the operation."),
	ROW(E_INVALIDARG, "An argument is not valid."),
	ROW(IMAPI_E_WIN32_INVALID_HANDLE, "The handle is not valid."),
	ROW(IMAPI_E_WIN32_DEV_NOT_EXIST, "The device does not exist or is no longer reachable."),
	ROW(E_IMAPI_REQUEST_CANCELLED, "The request was cancelled."),
	ROW(E_IMAPI_RECORDER_REQUIRED, "The request needs a recorder and none was given."),
	ROW(S_IMAPI_SPEEDADJUSTED, "The requested write speed was adjusted."),
	ROW(S_IMAPI_ROTATIONADJUSTED, "The requested rotation type was adjusted."),
	ROW(S_IMAPI_BOTHADJUSTED, "The requested write speed and rotation type were adjusted."),
	ROW(E_IMAPI_BURN_VERIFICATION_FAILED, "The written data did not verify."),
	ROW(S_IMAPI_COMMAND_HAS_SENSE_DATA, "The device failed the command and returned sense data."),
	ROW(E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE, "The device does not support the requested mode page."),
	ROW(E_IMAPI_RECORDER_MEDIA_NO_MEDIA, "There is no medium in the device."),
	ROW(E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, "The medium is not compatible with the operation."),
	ROW(E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN, "The medium is inserted upside down."),
	ROW(E_IMAPI_RECORDER_MEDIA_BECOMING_READY, "The device is becoming ready; try again shortly."),
	ROW(E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS, "The medium is being formatted."),
	ROW(E_IMAPI_RECORDER_MEDIA_BUSY, "The device is busy with a long operation."),
	ROW(E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS, "The device rejected the mode page parameters."),
	ROW(E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED, "The medium is write protected."),
	ROW(E_IMAPI_RECORDER_NO_SUCH_FEATURE, "The device does not report the requested feature."),
	ROW(E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT, "The requested feature is not current."),
	ROW(E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED,
	    "The device does not support GET CONFIGURATION."),
	ROW(E_IMAPI_RECORDER_COMMAND_TIMEOUT, "The device did not complete the command in time."),
	ROW(E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT,
	    "The requested disc structure is not present on this medium."),
	ROW(E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH, "The medium does not support the requested speed."),
	ROW(E_IMAPI_RECORDER_LOCKED, "The device is reserved by another initiator."),
	ROW(E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID, "The client name is not valid."),
	ROW(E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED, "The medium is not formatted."),
	ROW(E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
	    "The device returned a response that is short or malformed."),
	ROW(E_IMAPI_LOSS_OF_STREAMING, "The write failed: the data stream ran dry (loss of streaming)."),
	ROW(E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
	    "The device reported an error the write engine cannot recover from."),
	ROW(S_IMAPI_WRITE_NOT_IN_PROGRESS, "No write is in progress."),
	ROW(E_IMAPI_DF2DATA_WRITE_IN_PROGRESS, "A write is already in progress."),
	ROW(E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS, "No write is in progress."),
	ROW(E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, "The medium is not in a state this operation accepts."),
	ROW(E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED, "The data stream cannot be written (not whole 2048-byte sectors)."),
	ROW(E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA, "The data does not fit in the free space of the medium."),
	ROW(E_IMAPI_DF2DATA_MEDIA_NOT_BLANK, "The medium is not blank; set ForceOverwrite to write over it."),
	ROW(E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED, "This kind of medium is not supported for data writing."),
	ROW(E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED, "The recorder lacks the features data writing needs."),
	ROW(E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID, "The client name is not valid."),
	ROW(E_IMAPI_DF2TAO_WRITE_IN_PROGRESS, "A write is already in progress."),
	ROW(E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS, "No write is in progress."),
	ROW(E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED, "The medium has not been prepared (PrepareMedia)."),
	ROW(E_IMAPI_DF2TAO_MEDIA_IS_PREPARED, "The medium is prepared; release it first (ReleaseMedia)."),
	ROW(E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY, "This property can be changed only before anything is written."),
	ROW(E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC, "An empty disc has no table of contents."),
	ROW(E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK, "Track-at-once audio needs a blank or appendable CD-R/RW."),
	ROW(E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED, "Track-at-once audio needs CD-R or CD-RW media."),
	ROW(E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED, "A CD holds at most 99 tracks."),
	ROW(E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE, "The audio track does not fit in the free space of the disc."),
	ROW(E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED, "Set a recorder before preparing the medium."),
	ROW(E_IMAPI_DF2TAO_INVALID_ISRC, "The ISRC is not valid."),
	ROW(E_IMAPI_DF2TAO_INVALID_MCN, "The media catalog number is not valid."),
	ROW(E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED, "The audio stream is not valid (not whole 2352-byte sectors)."),
	ROW(E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED, "The recorder cannot write CD track-at-once."),
	ROW(E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID, "The client name is not valid."),
	ROW(E_IMAPI_DF2RAW_WRITE_IN_PROGRESS, "A write is already in progress."),
	ROW(E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS, "No write is in progress."),
	ROW(E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED, "The medium has not been prepared (PrepareMedia)."),
	ROW(E_IMAPI_DF2RAW_MEDIA_IS_PREPARED, "The medium is prepared; release it first (ReleaseMedia)."),
	ROW(E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID, "The client name is not valid."),
	ROW(E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK, "Disc-at-once writing needs a blank CD-R/RW."),
	ROW(E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED, "Disc-at-once writing needs CD-R or CD-RW media."),
	ROW(E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE, "The session does not fit on the medium."),
	ROW(E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED, "Set a recorder before preparing the medium."),
	ROW(E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, "The raw stream is not valid (not whole sectors of the chosen type)."),
	ROW(E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED, "The recorder does not accept this raw data block type."),
	ROW(E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT, "The raw stream starts too late: it lacks lead-in/pre-gap sectors."),
	ROW(E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED, "The recorder cannot write raw disc-at-once."),
	ROW(E_IMAPI_ERASE_RECORDER_IN_USE, "The recorder is busy erasing; wait before changing it."),
	ROW(E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED, "Clear the current recorder before setting another."),
	ROW(E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL, "The drive returned too little disc information."),
	ROW(E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL, "The drive returned too little of mode page 2Ah."),
	ROW(E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE, "The medium is not erasable."),
	ROW(E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND, "The drive refused the erase command."),
	ROW(E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR, "The erase did not finish within one hour."),
	ROW(E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE, "The drive answered unexpectedly while erasing."),
	ROW(E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND, "The drive refused START UNIT."),
	ROW(E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED, "This kind of medium cannot be erased by this format."),
	ROW(E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED, "The recorder cannot erase."),
	ROW(E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID, "The client name is not valid."),
	ROW(E_IMAPI_RAW_IMAGE_IS_READ_ONLY, "The image is read-only once the result image was created."),
	ROW(E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS, "A CD image holds tracks 1 to 99 only."),
	ROW(E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, "The sector type is not supported."),
	ROW(E_IMAPI_RAW_IMAGE_NO_TRACKS, "Add tracks to the image first."),
	ROW(E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED, "This must be done before any track is added."),
	ROW(E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, "The track would move the lead-out past its limit."),
	ROW(E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES, "A track holds at most 99 indexes."),
	ROW(E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND, "No track index starts at that offset."),
	ROW(S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS, "A track index already starts at that offset."),
	ROW(E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED, "Index 1 at offset 0 cannot be cleared."),
	ROW(E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX, "Indexes must be at least 10 sectors apart."),
};

static const struct hr_row *hr_find(hresult_t hr)
{
	for (size_t i = 0; i < sizeof(hr_rows) / sizeof(hr_rows[0]); i++)
		if (hr_rows[i].value == hr)
			return &hr_rows[i];
	return NULL;
}

const char *imapi_hresult_name(hresult_t hr)
{
	if (IMAPI_HR_IS_SENSE(hr))
		return "IMAPI_HR_FROM_SENSE";
	const struct hr_row *row = hr_find(hr);
	return row ? row->name : NULL;
}

/* The sense family's texts are built once per value into thread-local storage, so the
 * result stays valid until the same thread asks again (documented as static; nothing
 * here allocates). */
const char *imapi_hresult_text(hresult_t hr)
{
	if (IMAPI_HR_IS_SENSE(hr)) {
		static __thread char buf[64];
		uint32_t v = (uint32_t)hr;
		snprintf(buf, sizeof(buf), "The drive reported SK/ASC/ASCQ %X/%02X/%02X.",
			 (unsigned)(v >> 16) & 0xFu, (unsigned)(v >> 8) & 0xFFu, (unsigned)v & 0xFFu);
		return buf;
	}
	const struct hr_row *row = hr_find(hr);
	return row ? row->text : "Unknown HRESULT.";
}
