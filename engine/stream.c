/* engine/stream.c - imapi_stream: the IStream replacement WriteSection reads from
 * (writeengine.h "Streams"; doc/engine.md §10).  A stream is a reference-counted
 * pair of callbacks and a context; files and memory are two ready-made providers.
 *
 * Errors ([PROJECT DECISION], doc/engine.md "Streams"): an open failure is
 * E_INVALIDARG and a read failure E_FAIL; both leave errno as the system set it, so
 * the caller can still print strerror(errno).  A Win32-style HRESULT_FROM_WIN32(errno)
 * would be wrong: errno values are not Win32 error codes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream-private.h"
#include "writeengine.h"

struct imapi_stream {
	atomic_int refs;
	imapi_stream_ops ops;
	void *ctx;
	int64_t size;	/* bytes from the starting position (IStream::Stat's cbSize), -1 unknown */
};

hresult_t imapi_stream_from_ops(const imapi_stream_ops *ops, void *ctx, imapi_stream **out)
{
	if (!out)
		return E_POINTER;
	*out = NULL;
	if (!ops)
		return E_POINTER;
	if (!ops->read)
		return E_INVALIDARG;
	imapi_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return E_OUTOFMEMORY;
	atomic_init(&s->refs, 1);
	s->size = -1;
	s->ops = *ops;
	s->ctx = ctx;
	*out = s;
	return S_OK;
}

void imapi_stream_addref(imapi_stream *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
}

void imapi_stream_release(imapi_stream *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	if (s->ops.close)
		s->ops.close(s->ctx);
	free(s);
}

hresult_t imapi_stream_get_size(imapi_stream *s, uint64_t *bytes)
{
	if (!s || !bytes)
		return E_POINTER;
	*bytes = s->size < 0 ? 0 : (uint64_t)s->size;
	return s->size < 0 ? S_FALSE : S_OK;
}

hresult_t imapi_stream_put_size(imapi_stream *s, uint64_t bytes)
{
	if (!s)
		return E_POINTER;
	if (bytes > INT64_MAX)
		return E_INVALIDARG;
	s->size = (int64_t)bytes;
	return S_OK;
}

hresult_t eng_stream_read_full(imapi_stream *s, void *buf, uint32_t len, uint32_t *got)
{
	uint8_t *p = buf;
	uint32_t have = 0;

	*got = 0;
	while (have < len) {
		uint32_t n = 0;
		hresult_t hr = s->ops.read(s->ctx, p + have, len - have, &n);
		if (IMAPI_FAILED(hr)) {
			*got = have;
			return hr;
		}
		/* A provider that claims more than it was asked for is broken; trusting it
		 * would let the count run past the buffer. */
		if (n > len - have) {
			*got = have;
			return E_FAIL;
		}
		if (n == 0)
			break; /* end of data */
		have += n;
	}
	*got = have;
	return S_OK;
}

/* ---- files ------------------------------------------------------------------------ */

struct file_ctx {
	int fd;
	uint64_t pos;
};

static hresult_t file_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct file_ctx *f = ctx;
	ssize_t n;

	do
		n = pread(f->fd, buf, len, (off_t)f->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*got = 0;
		return E_FAIL; /* errno kept for the caller */
	}
	f->pos += (uint64_t)n;
	*got = (uint32_t)n;
	return S_OK;
}

static void file_close(void *ctx)
{
	struct file_ctx *f = ctx;
	close(f->fd);
	free(f);
}

hresult_t imapi_stream_from_file(const char *path, uint64_t offset, imapi_stream **out)
{
	static const imapi_stream_ops file_ops = { .read = file_read, .close = file_close };

	if (!out)
		return E_POINTER;
	*out = NULL;
	if (!path)
		return E_POINTER;
	struct file_ctx *f = malloc(sizeof(*f));
	if (!f)
		return E_OUTOFMEMORY;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		int e = errno;
		free(f);
		errno = e;
		return E_INVALIDARG;
	}
	f->pos = offset;
	struct stat st;
	int64_t size = -1;
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size > offset ? (int64_t)((uint64_t)st.st_size - offset) : 0;
	hresult_t hr = imapi_stream_from_ops(&file_ops, f, out);
	if (IMAPI_FAILED(hr))
		file_close(f);
	else
		(*out)->size = size;
	return hr;
}

/* ---- memory ----------------------------------------------------------------------- */

struct mem_ctx {
	const uint8_t *buf;
	size_t len, pos;
	uint8_t *owned; /* the copy, or NULL when borrowed */
};

static hresult_t mem_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct mem_ctx *m = ctx;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	if (n)
		memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	*got = (uint32_t)n;
	return S_OK;
}

static void mem_close(void *ctx)
{
	struct mem_ctx *m = ctx;
	free(m->owned);
	free(m);
}

hresult_t imapi_stream_from_memory(const void *buf, size_t len, int copy, imapi_stream **out)
{
	static const imapi_stream_ops mem_ops = { .read = mem_read, .close = mem_close };

	if (!out)
		return E_POINTER;
	*out = NULL;
	if (!buf && len)
		return E_POINTER;
	struct mem_ctx *m = calloc(1, sizeof(*m));
	if (!m)
		return E_OUTOFMEMORY;
	m->len = len;
	m->buf = buf;
	if (copy && len) {
		m->owned = malloc(len);
		if (!m->owned) {
			free(m);
			return E_OUTOFMEMORY;
		}
		memcpy(m->owned, buf, len);
		m->buf = m->owned;
	}
	hresult_t hr = imapi_stream_from_ops(&mem_ops, m, out);
	if (IMAPI_FAILED(hr))
		mem_close(m);
	else
		(*out)->size = (int64_t)len;
	return hr;
}
