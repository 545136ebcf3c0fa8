/* tests/bench/dlbench.c - recording throughput of the disclog writer.
 *
 *   dlbench [-t THREADS] [-l LEVEL] [-e ENGINE] [-c CHUNK_KIB] [-b BLOCK] -o IMAGE INPUT
 *       Record INPUT as a disc written from LBA 0 in BLOCK-byte blocks (default 2048),
 *       CHUNK_KIB KiB per dl_write_data call (default 64, a typical WRITE(10) size),
 *       streaming the input (never loaded whole), deflating with ENGINE (isal or zlib;
 *       default: the build's default, doc/disclog.md §6).  The time runs from
 *       dl_writer_open to the end of dl_writer_close (which syncs: fdatasync included).
 *       Prints one line:
 *         dlbench: threads=T level=L deflate=E raw=BYTES image=BYTES secs=S mbps=MB/s
 *         maxrss_kib=K cpu=S
 *       (MB = 10^6 bytes; maxrss and cpu from getrusage).
 *   dlbench -e list
 *       Print the engines this build has ("isal zlib" or "zlib") and exit.
 *   dlbench -g MIB OUTPUT
 *       Write MIB MiB of the deterministic bench pattern: text-like stretches with
 *       pseudo-random ones in between (roughly what a data disc compresses like).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "disclog.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The pattern: 64 KiB stretches; one in four is pseudo-random, the others are lines
 * of words chosen pseudo-randomly from a small vocabulary. */
static int generate(const char *path, unsigned mib)
{
	static const char *words[] = {
		"burn", "track", "session", "lead-in", "sector", "iso9660", "volume", "the",
		"of", "and", "drive", "write", "0x2a", "block", "mode", "page", "buffer",
		"speed", "disc", "image", "record", "sync", "cache", "file", "directory",
		"README", "usr/lib", "libz.so.1", "data", "audio", "=", "{", "}", "return",
	};
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	static uint8_t buf[65536];
	uint64_t s = 42;
	for (uint64_t stretch = 0; stretch < (uint64_t)mib * 16; stretch++) {
		if (stretch % 4 == 3) {
			for (size_t i = 0; i < sizeof(buf); i += 8) {
				uint64_t x = mix64(++s);
				memcpy(buf + i, &x, 8);
			}
		} else {
			size_t n = 0;
			while (n < sizeof(buf)) {
				uint64_t x = mix64(++s);
				const char *w = words[x % (sizeof(words) / sizeof(words[0]))];
				size_t l = strlen(w);
				for (size_t i = 0; i < l && n < sizeof(buf); i++)
					buf[n++] = (uint8_t)w[i];
				if (n < sizeof(buf))
					buf[n++] = (x >> 32) % 9 == 0 ? '\n' : ' ';
			}
		}
		if (fwrite(buf, 1, sizeof(buf), f) != sizeof(buf)) {
			perror(path);
			fclose(f);
			return 1;
		}
	}
	return fclose(f) == 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: dlbench [-t THREADS] [-l LEVEL] [-e isal|zlib] [-c CHUNK_KIB] [-b BLOCK] -o IMAGE INPUT\n"
			"       dlbench -e list\n"
			"       dlbench -g MIB OUTPUT\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct dl_writer_opts o = { .level = 1, .threads = 2 };
	size_t chunk = 64 << 10;
	uint32_t bs = 2048;
	const char *image = NULL;
	long gen = -1;
	int opt;

	while ((opt = getopt(argc, argv, "t:l:e:c:b:o:g:")) != -1) {
		switch (opt) {
		case 't': o.threads = (unsigned)atoi(optarg); break;
		case 'l': o.level = atoi(optarg); break;
		case 'e':
			if (strcmp(optarg, "list") == 0) {
				printf("%s\n", dl_deflate_available(DL_DEFLATE_ISAL) ? "isal zlib" : "zlib");
				return 0;
			}
			if (strcmp(optarg, "isal") == 0)
				o.deflate = DL_DEFLATE_ISAL;
			else if (strcmp(optarg, "zlib") == 0)
				o.deflate = DL_DEFLATE_ZLIB;
			else
				return usage();
			break;
		case 'c': chunk = (size_t)atol(optarg) << 10; break;
		case 'b': bs = (uint32_t)atol(optarg); break;
		case 'o': image = optarg; break;
		case 'g': gen = atol(optarg); break;
		default: return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	if (gen >= 0)
		return generate(argv[optind], (unsigned)gen);
	if (!image || bs == 0 || bs > DL_BLOCK_SIZE_MAX || chunk < bs)
		return usage();
	chunk -= chunk % bs;

	int in = open(argv[optind], O_RDONLY);
	if (in < 0) {
		perror(argv[optind]);
		return 1;
	}
	uint8_t *buf = malloc(chunk);
	if (!buf)
		return 1;
	unlink(image);

	struct dl_error e;
	double t0 = now();
	struct dl_writer *w = dl_writer_open(image, &o, &e);
	if (!w) {
		fprintf(stderr, "dlbench: %s\n", e.msg);
		return 1;
	}
	uint64_t raw = 0;
	int32_t lba = 0;
	for (;;) {
		size_t n = 0;
		while (n < chunk) {	/* a full chunk unless at the end of the input */
			ssize_t r = read(in, buf + n, chunk - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				perror(argv[optind]);
				return 1;
			}
			if (r == 0)
				break;
			n += (size_t)r;
		}
		if (n == 0)
			break;
		raw += n;
		if (n % bs) {	/* the last block is padded with zeros */
			memset(buf + n, 0, bs - n % bs);
			n += bs - n % bs;
		}
		struct dl_data_meta m = {
			.lba = lba, .count = (uint32_t)(n / bs), .block_size = bs,
			.data_block_type = 8, .write_type = 1, .opcode = 0x2a, .track = 1, .session = 1,
		};
		if (dl_write_data(w, &m, buf, n, &e) < 0) {
			fprintf(stderr, "dlbench: %s\n", e.msg);
			return 1;
		}
		lba += (int32_t)m.count;
	}
	uint64_t size = dl_writer_file_size(w);
	if (dl_writer_close(w, &e) < 0) {
		fprintf(stderr, "dlbench: %s\n", e.msg);
		return 1;
	}
	double secs = now() - t0;
	close(in);
	free(buf);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* the SYNC appended by close is in the file, not in size */
	FILE *f = fopen(image, "rb");
	if (f) {
		fseek(f, 0, SEEK_END);
		size = (uint64_t)ftell(f);
		fclose(f);
	}
	printf("dlbench: threads=%u level=%d deflate=%s raw=%llu image=%llu secs=%.3f mbps=%.1f "
	       "maxrss_kib=%ld cpu=%.2f\n", o.threads, o.level ? o.level : 1, dl_deflate_name(o.deflate),
	       (unsigned long long)raw,
	       (unsigned long long)size, secs, secs > 0 ? (double)raw / secs / 1e6 : 0.0, ru.ru_maxrss,
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6);
	return 0;
}
