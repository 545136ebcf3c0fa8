/* tests/unit/test_eng_stream.c - imapi_stream (engine/stream.c) and the engine's
 * reader primitive eng_stream_read_full: memory (copied and borrowed), file (offset,
 * EOF, open and read errors), callback streams (short reads, errors passed through
 * unchanged, broken providers) and reference counting. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream-private.h"
#include "unit.h"
#include "writeengine.h"

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed + (i >> 8));
}

static void test_memory_copy(void)
{
	uint8_t src[1000], out[600];
	imapi_stream *s = NULL;
	uint32_t got = 0;

	fill_pattern(src, sizeof(src), 1);
	CU_ASSERT_EQUAL(imapi_stream_from_memory(src, sizeof(src), 1, &s), S_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(src, 0, sizeof(src)); /* a copy must not see this */
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 600, &got), S_OK);
	CU_ASSERT_EQUAL(got, 600);
	uint8_t want[1000];
	fill_pattern(want, sizeof(want), 1);
	CU_ASSERT_EQUAL(memcmp(out, want, 600), 0);
	/* 400 left: a short count means end of data */
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 600, &got), S_OK);
	CU_ASSERT_EQUAL(got, 400);
	CU_ASSERT_EQUAL(memcmp(out, want + 600, 400), 0);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 600, &got), S_OK);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);
}

static void test_memory_borrowed(void)
{
	uint8_t src[64], out[64];
	imapi_stream *s = NULL;
	uint32_t got = 0;

	memset(src, 0xAA, sizeof(src));
	CU_ASSERT_EQUAL(imapi_stream_from_memory(src, sizeof(src), 0, &s), S_OK);
	memset(src, 0x55, sizeof(src)); /* borrowed: the stream reads the caller's bytes */
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, sizeof(out), &got), S_OK);
	CU_ASSERT_EQUAL(got, sizeof(out));
	CU_ASSERT_EQUAL(out[0], 0x55);
	CU_ASSERT_EQUAL(out[63], 0x55);
	imapi_stream_release(s);

	/* an empty stream is fine and ends at once */
	CU_ASSERT_EQUAL(imapi_stream_from_memory(NULL, 0, 1, &s), S_OK);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, sizeof(out), &got), S_OK);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);
}

static void test_null_arguments(void)
{
	imapi_stream *s = (imapi_stream *)&s;
	imapi_stream_ops no_read = { 0 };
	uint8_t b[4] = { 0 };

	CU_ASSERT_EQUAL(imapi_stream_from_memory(b, 4, 0, NULL), E_POINTER);
	CU_ASSERT_EQUAL(imapi_stream_from_memory(NULL, 4, 0, &s), E_POINTER);
	CU_ASSERT_PTR_NULL(s);
	s = (imapi_stream *)&s;
	CU_ASSERT_EQUAL(imapi_stream_from_file(NULL, 0, &s), E_POINTER);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(imapi_stream_from_file("/dev/null", 0, NULL), E_POINTER);
	CU_ASSERT_EQUAL(imapi_stream_from_ops(NULL, NULL, &s), E_POINTER);
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&no_read, NULL, NULL), E_POINTER);
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&no_read, NULL, &s), E_INVALIDARG);
	CU_ASSERT_PTR_NULL(s);
	/* release and addref of NULL are no-ops */
	imapi_stream_addref(NULL);
	imapi_stream_release(NULL);
}

static char *tmpfile_with(const uint8_t *data, size_t len)
{
	static char path[PATH_MAX];
	const char *t = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/engstream.XXXXXX", t && *t ? t : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void test_file_offset_and_eof(void)
{
	uint8_t data[10000], out[8192];
	imapi_stream *s = NULL;
	uint32_t got = 0;

	fill_pattern(data, sizeof(data), 7);
	char *path = tmpfile_with(data, sizeof(data));
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	CU_ASSERT_EQUAL(imapi_stream_from_file(path, 1000, &s), S_OK);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 8192, &got), S_OK);
	CU_ASSERT_EQUAL(got, 8192);
	CU_ASSERT_EQUAL(memcmp(out, data + 1000, 8192), 0);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 8192, &got), S_OK);
	CU_ASSERT_EQUAL(got, 10000 - 1000 - 8192);
	CU_ASSERT_EQUAL(memcmp(out, data + 9192, got), 0);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 8192, &got), S_OK);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);

	/* an offset past the end is an empty stream, not an error */
	CU_ASSERT_EQUAL(imapi_stream_from_file(path, 20000, &s), S_OK);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 10, &got), S_OK);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);
	unlink(path);
}

static void test_file_errors(void)
{
	imapi_stream *s = (imapi_stream *)&s;
	uint8_t out[16];
	uint32_t got = 99;

	errno = 0;
	CU_ASSERT_EQUAL(imapi_stream_from_file("/nonexistent/burnlab/x.iso", 0, &s), E_INVALIDARG);
	CU_ASSERT_EQUAL(errno, ENOENT); /* kept for the caller's message */
	CU_ASSERT_PTR_NULL(s);

	/* A directory opens read-only but every read fails (EISDIR): E_FAIL, errno kept. */
	CU_ASSERT_EQUAL_FATAL(imapi_stream_from_file("/", 0, &s), S_OK);
	errno = 0;
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, sizeof(out), &got), E_FAIL);
	CU_ASSERT_EQUAL(errno, EISDIR);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);
}

/* A callback stream: serves `total` pattern bytes at most `step` per call, fails with
 * `fail_hr` once `fail_at` bytes were served (0: never), counts closes. */
struct cbs {
	uint32_t total, pos, step, fail_at;
	hresult_t fail_hr;
	uint32_t overclaim; /* nonzero: claim this many more bytes than asked */
	int closes;
	int calls;
};

static hresult_t cbs_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct cbs *c = ctx;
	c->calls++;
	if (c->fail_at && c->pos >= c->fail_at) {
		*got = 0;
		return c->fail_hr;
	}
	if (c->overclaim) {
		*got = len + c->overclaim;
		return S_OK;
	}
	uint32_t n = c->total - c->pos;
	if (n > len)
		n = len;
	if (n > c->step)
		n = c->step;
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = (uint8_t)(c->pos + i);
	c->pos += n;
	*got = n;
	/* IStream::Read answers S_FALSE for a short read; a success all the same */
	return n < len ? S_FALSE : S_OK;
}

static void cbs_close(void *ctx)
{
	((struct cbs *)ctx)->closes++;
}

static const imapi_stream_ops cbs_ops = { .read = cbs_read, .close = cbs_close };

static void test_ops_short_reads(void)
{
	struct cbs c = { .total = 1000, .step = 7 };
	imapi_stream *s = NULL;
	uint8_t out[1024];
	uint32_t got = 0;

	CU_ASSERT_EQUAL(imapi_stream_from_ops(&cbs_ops, &c, &s), S_OK);
	/* read_full loops over short counts until it has len or the stream ends */
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 500, &got), S_OK);
	CU_ASSERT_EQUAL(got, 500);
	CU_ASSERT(c.calls >= 500 / 7);
	int ok = 1;
	for (uint32_t i = 0; i < 500; i++)
		ok &= out[i] == (uint8_t)i;
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, 1024, &got), S_OK);
	CU_ASSERT_EQUAL(got, 500);
	CU_ASSERT_EQUAL(out[0], (uint8_t)500);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(c.closes, 1);
}

static void test_ops_error_passed_through(void)
{
	const hresult_t custom = IMAPI_HR(0x8003001Eu); /* STG_E_READFAULT */
	struct cbs c = { .total = 100000, .step = 100, .fail_at = 300, .fail_hr = custom };
	imapi_stream *s = NULL;
	uint8_t out[1000];
	uint32_t got = 0;

	CU_ASSERT_EQUAL(imapi_stream_from_ops(&cbs_ops, &c, &s), S_OK);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, sizeof(out), &got), custom);
	CU_ASSERT_EQUAL(got, 300); /* what was read before the failure */
	imapi_stream_release(s);
}

static void test_ops_overclaim(void)
{
	struct cbs c = { .overclaim = 5 };
	imapi_stream *s = NULL;
	uint8_t out[16];
	uint32_t got = 0;

	CU_ASSERT_EQUAL(imapi_stream_from_ops(&cbs_ops, &c, &s), S_OK);
	CU_ASSERT_EQUAL(eng_stream_read_full(s, out, sizeof(out), &got), E_FAIL);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(s);
}

static void test_refcount(void)
{
	struct cbs c = { .total = 10, .step = 10 };
	imapi_stream *s = NULL;

	CU_ASSERT_EQUAL(imapi_stream_from_ops(&cbs_ops, &c, &s), S_OK);
	imapi_stream_addref(s);
	imapi_stream_addref(s);
	imapi_stream_release(s);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(c.closes, 0); /* one reference left */
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(c.closes, 1); /* close exactly once, on the last release */

	/* no close callback is fine */
	imapi_stream_ops noclose = { .read = cbs_read };
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&noclose, &c, &s), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(c.closes, 1);
}

static int register_eng_stream(void)
{
	static const struct unit_test tests[] = {
		{ "memory_copy", test_memory_copy },
		{ "memory_borrowed", test_memory_borrowed },
		{ "null_arguments", test_null_arguments },
		{ "file_offset_and_eof", test_file_offset_and_eof },
		{ "file_errors", test_file_errors },
		{ "ops_short_reads", test_ops_short_reads },
		{ "ops_error_passed_through", test_ops_error_passed_through },
		{ "ops_overclaim", test_ops_overclaim },
		{ "refcount", test_refcount },
	};
	return UNIT_ADD_SUITE("eng_stream", tests);
}
UNIT_SUITE(register_eng_stream)
