/* engine/imapi2_hresult.h - HRESULT values of Microsoft IMAPI2, for C on any platform.
 *
 * Names and numbers are those of the Windows SDK (winerror.h, imapi2error.h); see
 * doc/engine.md and doc/engine-recorder.md.  Every constant is
 * guarded so this header can be included next to the Windows SDK.
 *
 * An HRESULT is a signed 32-bit value: bit 31 set means failure.  Success codes other
 * than S_OK exist (S_IMAPI_COMMAND_HAS_SENSE_DATA, S_IMAPI_WRITE_NOT_IN_PROGRESS), so
 * test with IMAPI_SUCCEEDED()/IMAPI_FAILED(), never `== S_OK` unless S_OK is meant. */
#ifndef IMAPI2_HRESULT_H
#define IMAPI2_HRESULT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t hresult_t;

#define IMAPI_SUCCEEDED(hr) ((hresult_t)(hr) >= 0)
#define IMAPI_FAILED(hr)    ((hresult_t)(hr) < 0)
#define IMAPI_HR(v)         ((hresult_t)(uint32_t)(v))

/* Standard COM / Win32 values. */
#ifndef S_OK
#define S_OK            IMAPI_HR(0x00000000u)
#endif
#ifndef S_FALSE
#define S_FALSE         IMAPI_HR(0x00000001u)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL       IMAPI_HR(0x80004001u)
#endif
#ifndef E_NOINTERFACE
#define E_NOINTERFACE   IMAPI_HR(0x80004002u)
#endif
#ifndef E_POINTER
#define E_POINTER       IMAPI_HR(0x80004003u)
#endif
#ifndef E_ABORT
#define E_ABORT         IMAPI_HR(0x80004004u)
#endif
#ifndef E_FAIL
#define E_FAIL          IMAPI_HR(0x80004005u)
#endif
#ifndef E_UNEXPECTED
#define E_UNEXPECTED    IMAPI_HR(0x8000FFFFu)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY   IMAPI_HR(0x8007000Eu)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG    IMAPI_HR(0x80070057u)
#endif
/* HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE) and HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST). */
#define IMAPI_E_WIN32_INVALID_HANDLE IMAPI_HR(0x80070006u)
#define IMAPI_E_WIN32_DEV_NOT_EXIST  IMAPI_HR(0x80070037u)

/* imapi2error.h: general, recorder (0x02xx) and write engine (0x03xx) blocks. */
#ifndef E_IMAPI_REQUEST_CANCELLED
#define E_IMAPI_REQUEST_CANCELLED                         IMAPI_HR(0xC0AA0002u)
#define E_IMAPI_RECORDER_REQUIRED                         IMAPI_HR(0xC0AA0003u)
#define S_IMAPI_SPEEDADJUSTED                             IMAPI_HR(0x00AA0004u)
#define S_IMAPI_ROTATIONADJUSTED                          IMAPI_HR(0x00AA0005u)
#define S_IMAPI_BOTHADJUSTED                              IMAPI_HR(0x00AA0006u)
#define E_IMAPI_BURN_VERIFICATION_FAILED                  IMAPI_HR(0xC0AA0007u)
#define S_IMAPI_COMMAND_HAS_SENSE_DATA                    IMAPI_HR(0x00AA0200u)
#define E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE                IMAPI_HR(0xC0AA0201u)
#define E_IMAPI_RECORDER_MEDIA_NO_MEDIA                   IMAPI_HR(0xC0AA0202u)
#define E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE               IMAPI_HR(0xC0AA0203u)
#define E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN                IMAPI_HR(0xC0AA0204u)
#define E_IMAPI_RECORDER_MEDIA_BECOMING_READY             IMAPI_HR(0xC0AA0205u)
#define E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS         IMAPI_HR(0xC0AA0206u)
#define E_IMAPI_RECORDER_MEDIA_BUSY                       IMAPI_HR(0xC0AA0207u)
#define E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS          IMAPI_HR(0xC0AA0208u)
#define E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED            IMAPI_HR(0xC0AA0209u)
#define E_IMAPI_RECORDER_NO_SUCH_FEATURE                  IMAPI_HR(0xC0AA020Au)
#define E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT           IMAPI_HR(0xC0AA020Bu)
#define E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED  IMAPI_HR(0xC0AA020Cu)
#define E_IMAPI_RECORDER_COMMAND_TIMEOUT                  IMAPI_HR(0xC0AA020Du)
#define E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT        IMAPI_HR(0xC0AA020Eu)
#define E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH             IMAPI_HR(0xC0AA020Fu)
#define E_IMAPI_RECORDER_LOCKED                           IMAPI_HR(0xC0AA0210u)
#define E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID         IMAPI_HR(0xC0AA0211u)
#define E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED              IMAPI_HR(0xC0AA0212u)
#define E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE     IMAPI_HR(0xC0AA02FFu)
#define E_IMAPI_LOSS_OF_STREAMING                         IMAPI_HR(0xC0AA0300u)
#define E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE           IMAPI_HR(0xC0AA0301u)
#define S_IMAPI_WRITE_NOT_IN_PROGRESS                     IMAPI_HR(0x00AA0302u)
#endif

/* imapi2error.h: the format blocks, IDiscFormat2Data (0x04xx), IDiscFormat2TrackAtOnce
 * (0x05xx), IDiscFormat2RawCD (0x06xx), IDiscFormat2Erase (0x09xx; the first eight are
 * severity-2 values in Microsoft's header, kept as they are) and IRawCDImageCreator
 * (0x0Axx). */
#ifndef E_IMAPI_DF2DATA_WRITE_IN_PROGRESS
#define E_IMAPI_DF2DATA_WRITE_IN_PROGRESS                  IMAPI_HR(0xC0AA0400u)
#define E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS              IMAPI_HR(0xC0AA0401u)
#define E_IMAPI_DF2DATA_INVALID_MEDIA_STATE                IMAPI_HR(0xC0AA0402u)
#define E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED               IMAPI_HR(0xC0AA0403u)
#define E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA IMAPI_HR(0xC0AA0404u)
#define E_IMAPI_DF2DATA_MEDIA_NOT_BLANK                    IMAPI_HR(0xC0AA0405u)
#define E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED             IMAPI_HR(0xC0AA0406u)
#define E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED             IMAPI_HR(0xC0AA0407u)
#define E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID           IMAPI_HR(0xC0AA0408u)
#define E_IMAPI_DF2TAO_WRITE_IN_PROGRESS                   IMAPI_HR(0xC0AA0500u)
#define E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS               IMAPI_HR(0xC0AA0501u)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED               IMAPI_HR(0xC0AA0502u)
#define E_IMAPI_DF2TAO_MEDIA_IS_PREPARED                   IMAPI_HR(0xC0AA0503u)
#define E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY       IMAPI_HR(0xC0AA0504u)
#define E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC        IMAPI_HR(0xC0AA0505u)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK                  IMAPI_HR(0xC0AA0506u)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED              IMAPI_HR(0xC0AA0507u)
#define E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED                 IMAPI_HR(0xC0AA0508u)
#define E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE                    IMAPI_HR(0xC0AA0509u)
#define E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED               IMAPI_HR(0xC0AA050Au)
#define E_IMAPI_DF2TAO_INVALID_ISRC                        IMAPI_HR(0xC0AA050Bu)
#define E_IMAPI_DF2TAO_INVALID_MCN                         IMAPI_HR(0xC0AA050Cu)
#define E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED                IMAPI_HR(0xC0AA050Du)
#define E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED              IMAPI_HR(0xC0AA050Eu)
#define E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID            IMAPI_HR(0xC0AA050Fu)
#define E_IMAPI_DF2RAW_WRITE_IN_PROGRESS                   IMAPI_HR(0xC0AA0600u)
#define E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS               IMAPI_HR(0xC0AA0601u)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED               IMAPI_HR(0xC0AA0602u)
#define E_IMAPI_DF2RAW_MEDIA_IS_PREPARED                   IMAPI_HR(0xC0AA0603u)
#define E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID            IMAPI_HR(0xC0AA0604u)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK                  IMAPI_HR(0xC0AA0606u)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED              IMAPI_HR(0xC0AA0607u)
#define E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE                    IMAPI_HR(0xC0AA0609u)
#define E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED               IMAPI_HR(0xC0AA060Au)
#define E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED                IMAPI_HR(0xC0AA060Du)
#define E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED       IMAPI_HR(0xC0AA060Eu)
#define E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT             IMAPI_HR(0xC0AA060Fu)
#define E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED              IMAPI_HR(0xC0AA0610u)
#define E_IMAPI_ERASE_RECORDER_IN_USE                      IMAPI_HR(0x80AA0900u)
#define E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED          IMAPI_HR(0x80AA0901u)
#define E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL           IMAPI_HR(0x80AA0902u)
#define E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL               IMAPI_HR(0x80AA0903u)
#define E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE                IMAPI_HR(0x80AA0904u)
#define E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND           IMAPI_HR(0x80AA0905u)
#define E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR            IMAPI_HR(0x80AA0906u)
#define E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE IMAPI_HR(0x80AA0907u)
#define E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND          IMAPI_HR(0x80AA0908u)
#define E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED               IMAPI_HR(0xC0AA0909u)
#define E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED               IMAPI_HR(0xC0AA090Au)
#define E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID             IMAPI_HR(0xC0AA090Bu)
#define E_IMAPI_RAW_IMAGE_IS_READ_ONLY                     IMAPI_HR(0x80AA0A00u)
#define E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS                  IMAPI_HR(0x80AA0A01u)
#define E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED        IMAPI_HR(0x80AA0A02u)
#define E_IMAPI_RAW_IMAGE_NO_TRACKS                        IMAPI_HR(0x80AA0A03u)
#define E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED             IMAPI_HR(0x80AA0A04u)
#define E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE               IMAPI_HR(0x80AA0A05u)
#define E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES           IMAPI_HR(0x80AA0A06u)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND            IMAPI_HR(0x80AA0A07u)
#define S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS       IMAPI_HR(0x00AA0A08u)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED IMAPI_HR(0x80AA0A09u)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX IMAPI_HR(0x80AA0A0Au)
#endif

/* Sense that no IMAPI2 code names (a project decision, doc/engine-recorder.md §4): a
 * customer-bit HRESULT carrying the sense itself, e.g. 3/11/00 -> 0xE0031100.  It can
 * never collide with a Microsoft value (bit 29, the customer bit, is set). */
#define IMAPI_HR_FROM_SENSE(key, asc, ascq) \
	IMAPI_HR(0xE0000000u | ((uint32_t)((key) & 0x0F) << 16) | \
		 ((uint32_t)((asc) & 0xFF) << 8) | (uint32_t)((ascq) & 0xFF))
#define IMAPI_HR_IS_SENSE(hr) ((((uint32_t)(hr)) & 0xFFF00000u) == 0xE0000000u)

/* The SDK name of an HRESULT ("E_IMAPI_REQUEST_CANCELLED"), "IMAPI_HR_FROM_SENSE" for
 * the sense family, or NULL when the value is not one this library knows.  Static. */
const char *imapi_hresult_name(hresult_t hr);

/* A one-line English description ("The request was cancelled."); never NULL.  Static,
 * except for the IMAPI_HR_FROM_SENSE family: a per-thread buffer valid until the next
 * call on the same thread. */
const char *imapi_hresult_text(hresult_t hr);

#ifdef __cplusplus
}
#endif
#endif
