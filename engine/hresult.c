/* engine/hresult.c - names and English texts of the HRESULTs in imapi2_hresult.h.
 *
 * One table, one row per constant of the header (standard COM/Win32 values first, then
 * imapi2error.h's general, recorder and write-engine blocks; numbers as in Microsoft's
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
