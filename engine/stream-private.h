/* engine/stream-private.h - how the write engine reads an imapi_stream. Not installed. */
#ifndef ENG_STREAM_PRIVATE_H
#define ENG_STREAM_PRIVATE_H

#include <stdint.h>

#include "writeengine.h"

/* Read exactly len bytes unless the stream ends first: loops over the stream's read
 * callback (which may return short counts); *got < len only at end of data.  Returns
 * S_OK, or the stream's failed HRESULT unchanged (*got holds what was read before). */
hresult_t eng_stream_read_full(imapi_stream *s, void *buf, uint32_t len, uint32_t *got);

#endif
