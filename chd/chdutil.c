/* chd/chdutil.c - CRC-16 and error reporting shared by libchd's modules. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "chdint.h"

static uint16_t crc16_table[256];
static pthread_once_t crc16_once = PTHREAD_ONCE_INIT;

static void crc16_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint16_t c = (uint16_t)(i << 8);
		for (int b = 0; b < 8; b++)
			c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
		crc16_table[i] = c;
	}
}

uint16_t chd_crc16_update(uint16_t crc, const void *p, size_t len)
{
	const uint8_t *b = p;

	pthread_once(&crc16_once, crc16_init);
	for (size_t i = 0; i < len; i++)
		crc = (uint16_t)(crc << 8 ^ crc16_table[(crc >> 8 ^ b[i]) & 0xff]);
	return crc;
}

uint16_t chd_crc16(const void *p, size_t len)
{
	return chd_crc16_update(0xffff, p, len);
}

int chd_fail(struct chd_err *err, int status, int64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

const char *chd_tag_text(uint32_t tag, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned ch = (tag >> (24 - 8 * i)) & 0xff;
		buf[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
	buf[4] = '\0';
	return buf;
}
