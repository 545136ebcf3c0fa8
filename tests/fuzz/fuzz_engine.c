/* tests/fuzz/fuzz_engine.c - the engine's handling of what a target answers: the sense
 * decoder and the sense -> HRESULT table (engine/sense.c), the recorder's command path
 * and every query method's reading of the response data (engine/recorder.c), the
 * medium probe and speed lists of the format layer (engine/media.c), fed by a fake
 * iSCSI target whose answers come from the input.
 *
 * The transport is the real one: the recorder logs in with libiscsi over TCP on
 * 127.0.0.1 to a small target in this file, run on a thread for the length of one
 * input.  The target frames its PDUs correctly (RFC 7143 §11) and answers the login
 * and libiscsi's own TEST UNIT READY and INQUIRY properly; every SCSI command after
 * those gets the next answer of the input: any status, the iSCSI response code, the
 * residual flags and count (which may lie), Data-In of any length up to the
 * expected length (short data), or sense data whose SenseLength field disagrees
 * with the bytes that follow (RFC 7143 §11.4.7; the segment is padded with Response
 * Data for libiscsi's sake, see answer()).  The engine must turn each into an
 * HRESULT without reading past what it received.
 *
 * Input: byte 0: the number of calls (low 4 bits) and the login's MaxBurstLength
 * choice (high 4 bits); then one byte per call (low 5 bits: which recorder or medium
 * call, high 3 bits: its argument); then the target's answers, one after another:
 *	status (1), flags (1), residual (4, big-endian), data length (2, big-endian),
 *	then for status 02h: SenseLength field (2) and sense bytes (as many as the data
 *	length says), else the Data-In bytes.
 * flags: bit 0 iSCSI response 01h (target failure), bit 1 overflow (O), bit 2
 * underflow (U), bit 3 status in the last Data-In (S), bit 4 Data-In split in PDUs of
 * 512 bytes.  When the answers run out, GOOD without data.  NOT READY "in progress"
 * (busy) sense is answered at most once an input (later ones become 04/00): the
 * recorder and the medium's wait for ready sleep before they ask again. */
/* fuzz-covers: engine/sense.c engine/recorder.c engine/media.c */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "media.h"
#include "recorder-private.h"
#include "sense.h"
#include "writeengine.h"

#define BHS 48
#define MAX_DATA (1u << 16)
/* The bytes of a SCSI Response's data segment libiscsi may read as sense: SenseLength
 * (2), descriptor header (8), a descriptor list of 255, the last descriptor's 7
 * bytes read from its start; rounded up to the 4-byte padding. */
#define LIBISCSI_SENSE_READ 272u

/* libiscsi 1.19 leaks the login PDU and the connect state (iscsi_full_connect_async's
 * connect_task, freed only by its callbacks) of an automatic reconnect still in
 * flight when its context is destroyed (tests/lsan.supp names the first for make
 * check); the slow unwinder sees the libiscsi frames the suppressions name (libiscsi
 * has no frame pointers).  Used only when linked with AddressSanitizer. */
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:iscsi_login_async\nleak:iscsi_full_connect_async\n";
}

const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static int listen_fd = -1;
static bool trace;	/* FUZZ_ENGINE_TRACE set: the target's PDUs on stderr */
static int port;

struct fake {
	const uint8_t *in;
	size_t len, pos;
	int fd;
	uint32_t statsn, expcmdsn;
	uint32_t mrdsl;		/* the initiator's data segment limit: Data-In split to it */
	unsigned burst_choice;
	int scsi_cmds;		/* SCSI commands answered */
	bool busy_sent;
	bool connect_done;	/* libiscsi's TUR and INQUIRY answered on this connection */
	bool logged_out;
	int done[2];		/* a pipe: the recorder is gone, accept no more connections */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One PDU: the BHS, then DLEN bytes of data padded to 4 (no digests: none negotiated). */
static int send_pdu(struct fake *f, uint8_t *bhs, const void *data, uint32_t dlen)
{
	static const uint8_t pad[4];
	bhs[4] = 0;
	bhs[5] = (uint8_t)(dlen >> 16);
	bhs[6] = (uint8_t)(dlen >> 8);
	bhs[7] = (uint8_t)dlen;
	if (write_all(f->fd, bhs, BHS) < 0 || (dlen && write_all(f->fd, data, dlen) < 0))
		return -1;
	return (dlen & 3) ? write_all(f->fd, pad, 4 - (dlen & 3)) : 0;
}

static void sns(struct fake *f, uint8_t *bhs, bool statsn_advance)
{
	put32(bhs + 24, statsn_advance ? f->statsn++ : f->statsn);
	put32(bhs + 28, f->expcmdsn);
	put32(bhs + 32, f->expcmdsn + 32);
}

static size_t take(struct fake *f, void *out, size_t n)
{
	size_t k = f->len - f->pos < n ? f->len - f->pos : n;
	memcpy(out, f->in + f->pos, k);
	memset((uint8_t *)out + k, 0, n - k);
	f->pos += k;
	return k;
}

static uint32_t burst_for(unsigned choice)
{
	static const uint32_t b[16] = { 262144, 512, 4096, 65536, 1048576, 16777215, 8192, 2048,
					131072, 262144, 262144, 262144, 262144, 262144, 262144, 262144 };
	return b[choice & 15];
}

static int login(struct fake *f, const uint8_t *req, const uint8_t *data, uint32_t dlen)
{
	uint8_t bhs[BHS] = { 0 };
	char text[512];
	int n = 0;
	uint8_t csg = (req[1] >> 2) & 3, nsg = req[1] & 3;
	bool transit = req[1] & 0x80;

	/* the initiator's MaxRecvDataSegmentLength: Data-In PDUs stay within it */
	for (uint32_t i = 0; i + 25 < dlen; i++)
		if ((i == 0 || data[i - 1] == 0) && memcmp(data + i, "MaxRecvDataSegmentLength=", 25) == 0)
			f->mrdsl = (uint32_t)strtoul((const char *)data + i + 25, NULL, 10);
	if (csg == 0)
		n = snprintf(text, sizeof(text), "AuthMethod=None") + 1;
	else
		n = snprintf(text, sizeof(text), "HeaderDigest=None%cDataDigest=None%cInitialR2T=No%c"
			     "ImmediateData=Yes%cMaxBurstLength=%u%cFirstBurstLength=%u%c"
			     "MaxRecvDataSegmentLength=262144",
			     0, 0, 0, 0, burst_for(f->burst_choice), 0,
			     burst_for(f->burst_choice) < 65536 ? burst_for(f->burst_choice) : 65536, 0) + 1;
	bhs[0] = 0x23;
	bhs[1] = (uint8_t)((transit ? 0x80 : 0) | csg << 2 | (transit ? nsg : 0));
	memcpy(bhs + 8, req + 8, 6);		/* ISID */
	if (transit && nsg == 3)
		bhs[14] = 0, bhs[15] = 1;	/* TSIH */
	memcpy(bhs + 16, req + 16, 4);		/* ITT */
	f->expcmdsn = be32(req + 24);
	f->statsn = be32(req + 28);
	sns(f, bhs, true);
	return send_pdu(f, bhs, text, (uint32_t)n);
}

/* The canned answers to libiscsi's connect: TUR GOOD, standard INQUIRY of an MMC LU. */
static int canned(struct fake *f, const uint8_t *req, uint32_t edtl)
{
	uint8_t bhs[BHS] = { 0 };
	uint8_t inq[96] = { 0x05, 0x80, 0x05, 0x32, 91 };
	const uint8_t *cdb = req + 32;

	memcpy(inq + 8, "FUZZ    FAKE TARGET     0001", 28);
	memcpy(bhs + 16, req + 16, 4);
	if (cdb[0] == 0x12 && edtl) {
		uint32_t n = edtl < sizeof(inq) ? edtl : sizeof(inq);
		bhs[0] = 0x25;
		bhs[1] = 0x81;	/* F, S */
		sns(f, bhs, true);
		if (n < edtl) {
			bhs[1] |= 0x02;
			put32(bhs + 44, edtl - n);
		}
		f->connect_done = true;
		return send_pdu(f, bhs, inq, n);
	}
	bhs[0] = 0x21;
	bhs[1] = 0x80;
	sns(f, bhs, true);
	return send_pdu(f, bhs, NULL, 0);
}

/* Where the ASCQ of busy sense (NOT READY, 04/01, 04/04, 04/07, 04/08: the recorder
 * and the medium's wait for ready sleep before they ask again) is, else 0. */
static size_t busy_ascq_at(const uint8_t *s, size_t n)
{
	if (n >= 14 && (s[0] & 0x7e) == 0x70 && (s[2] & 15) == 2 && s[12] == 4)
		return s[13] == 1 || s[13] == 4 || s[13] == 7 || s[13] == 8 ? 13 : 0;
	if (n >= 4 && (s[0] & 0x7e) == 0x72 && (s[1] & 15) == 2 && s[2] == 4)
		return s[3] == 1 || s[3] == 4 || s[3] == 7 || s[3] == 8 ? 3 : 0;
	return 0;
}

/* The next answer of the input to the SCSI command REQ. */
static int answer(struct fake *f, const uint8_t *req, uint32_t edtl)
{
	uint8_t hdr[8], bhs[BHS] = { 0 };
	static uint8_t data[MAX_DATA + 2 + LIBISCSI_SENSE_READ];
	bool read = req[1] & 0x40;

	if (trace) {
		fprintf(stderr, "fake target: answer %s to cdb", f->pos < f->len ? "input" : "default");
		for (int i = 0; i < 16; i++)
			fprintf(stderr, " %02x", req[32 + i]);
		fprintf(stderr, " edtl %u\n", edtl);
	}
	take(f, hdr, sizeof(hdr));
	uint8_t status = hdr[0], flags = hdr[1];
	uint32_t resid = be32(hdr + 2);
	uint32_t n = (uint32_t)hdr[6] << 8 | hdr[7];

	memcpy(bhs + 16, req + 16, 4);
	if (status == 0x02) {
		/* sense: a SenseLength field, then n bytes */
		take(f, data, 2 + n);
		size_t at = busy_ascq_at(data + 2, n);
		if (at) {
			if (f->busy_sent)
				data[2 + at] = 0;	/* 04/00: not ready, no longer "in progress" */
			f->busy_sent = true;
		}
		/* libiscsi 1.19 decodes the sense at a fixed place without looking at the
		 * segment's length (lib/iscsi-command.c iscsi_process_scsi_reply ->
		 * scsi_parse_sense_data): up to 269 bytes past SenseLength when the
		 * descriptor list claims 255 bytes.  A shorter segment makes libiscsi read
		 * past its own copy (a SEGV under ASan; regress/engine/libiscsi-*-sense-*),
		 * which no caller can prevent; Response Data of zeros after the sense
		 * (RFC 7143 §11.4.7.2) keeps that read inside what was sent, while the
		 * SenseLength field still says anything. */
		uint32_t seg = 2 + n < LIBISCSI_SENSE_READ ? LIBISCSI_SENSE_READ : 2 + n;
		memset(data + 2 + n, 0, seg - 2 - n);
		bhs[0] = 0x21;
		bhs[1] = (uint8_t)(0x80 | (flags & 6));
		bhs[2] = flags & 1;
		bhs[3] = status;
		sns(f, bhs, true);
		put32(bhs + 44, resid);
		return send_pdu(f, bhs, data, seg);
	}
	if (n > edtl || !read)
		n = read ? edtl : 0;	/* Data-In never beyond the buffer libiscsi made */
	if (n > MAX_DATA)
		n = MAX_DATA;
	take(f, data, n);
	uint32_t seg = (flags & 0x10) ? 512 : f->mrdsl ? f->mrdsl : 8192;
	bool s_in_data = (flags & 8) && n && status == 0 && !(flags & 1);
	for (uint32_t off = 0, sn = 0; off < n; sn++) {
		uint32_t k = n - off < seg ? n - off : seg;
		memset(bhs, 0, sizeof(bhs));
		bhs[0] = 0x25;
		memcpy(bhs + 16, req + 16, 4);
		put32(bhs + 36, sn);
		put32(bhs + 40, off);
		bool last = off + k == n;
		if (last) {
			bhs[1] = 0x80;
			if (s_in_data) {
				bhs[1] |= (uint8_t)(0x01 | (flags & 6));
				bhs[3] = status;
				put32(bhs + 44, resid);
			}
		}
		sns(f, bhs, last && s_in_data);
		if (send_pdu(f, bhs, data + off, k) < 0)
			return -1;
		off += k;
	}
	if (s_in_data)
		return 0;
	memset(bhs, 0, sizeof(bhs));
	bhs[0] = 0x21;
	bhs[1] = (uint8_t)(0x80 | (flags & 6));
	bhs[2] = flags & 1;
	bhs[3] = status;
	memcpy(bhs + 16, req + 16, 4);
	sns(f, bhs, true);
	put32(bhs + 44, resid);
	return send_pdu(f, bhs, NULL, 0);
}

/* One connection, until it closes or the initiator logs out. */
static void serve(struct fake *f)
{
	static uint8_t data[(1u << 24) + 4];
	uint8_t req[BHS];

	for (;;) {
		if (read_all(f->fd, req, BHS) < 0)
			break;
		uint32_t ahs = req[4] * 4u, dlen = (uint32_t)req[5] << 16 | (uint32_t)req[6] << 8 | req[7];
		uint32_t padded = (dlen + 3) & ~3u;
		if (ahs + padded > sizeof(data) || read_all(f->fd, data, ahs + padded) < 0)
			break;
		const uint8_t *d = data + ahs;
		uint8_t op = req[0] & 0x3f;
		int rc = 0;
		if (trace)
			fprintf(stderr, "fake target: opcode %02x flags %02x dlen %u cdb %02x\n", op, req[1], dlen,
				req[32]);
		if (op == 0x03) {
			rc = login(f, req, d, dlen);
		} else if (op == 0x01) {
			uint32_t edtl = be32(req + 20);
			f->expcmdsn = be32(req + 24) + ((req[0] & 0x40) ? 0 : 1);
			if (!f->connect_done)
				rc = canned(f, req, edtl);
			else
				rc = answer(f, req, edtl);
			f->scsi_cmds++;
		} else if (op == 0x05) {
			continue;	/* Data-Out beyond the immediate data: taken and dropped */
		} else if (op == 0x00) {
			if (be32(req + 16) != 0xffffffffu) {
				uint8_t bhs[BHS] = { 0x20, 0x80 };
				memcpy(bhs + 16, req + 16, 4);
				memset(bhs + 20, 0xff, 4);
				sns(f, bhs, true);
				rc = send_pdu(f, bhs, d, dlen);
			}
		} else if (op == 0x02) {
			uint8_t bhs[BHS] = { 0x22, 0x80 };
			memcpy(bhs + 16, req + 16, 4);
			f->expcmdsn = be32(req + 24) + ((req[0] & 0x40) ? 0 : 1);
			sns(f, bhs, true);
			rc = send_pdu(f, bhs, NULL, 0);
		} else if (op == 0x06) {
			uint8_t bhs[BHS] = { 0x26, 0x80 };
			memcpy(bhs + 16, req + 16, 4);
			f->expcmdsn = be32(req + 24) + ((req[0] & 0x40) ? 0 : 1);
			sns(f, bhs, true);
			send_pdu(f, bhs, NULL, 0);
			/* the initiator closes first: closing now could reset the connection
			 * before it reads the Logout Response, and libiscsi would reconnect */
			struct pollfd p = { .fd = f->fd, .events = POLLIN };
			while (poll(&p, 1, 10000) == 1 && read(f->fd, data, 4096) > 0)
				;
			f->logged_out = true;
			break;
		} else {
			break;
		}
		if (rc < 0)
			break;
	}
	if (trace)
		fprintf(stderr, "fake target: connection closed\n");
	close(f->fd);
}

static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	if (listen_fd >= 0)
		return;
	trace = getenv("FUZZ_ENGINE_TRACE") != NULL;
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(listen_fd, 4) != 0 || getsockname(listen_fd, (struct sockaddr *)&a, &al) != 0)
		abort();
	port = ntohs(a.sin_port);
}

/* Connections until a logout or the end of the input's recorder: libiscsi reconnects
 * by itself when it drops a connection over an answer it refuses, and sends the
 * command again (at most 16 connections an input). */
static void *target(void *arg)
{
	struct fake *f = arg;

	for (int conns = 0; conns < 16 && !f->logged_out; conns++) {
		struct pollfd p[2] = { { .fd = listen_fd, .events = POLLIN }, { .fd = f->done[0], .events = POLLIN } };
		if (poll(p, 2, 30000) < 1 || (p[1].revents & POLLIN) || !(p[0].revents & POLLIN))
			break;
		f->fd = accept(listen_fd, NULL, NULL);
		if (f->fd < 0)
			break;
		int one = 1;
		setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		f->connect_done = false;
		serve(f);
	}
	return NULL;
}

/* Sense on its own: the decoder, the names, the action and the HRESULT table. */
static void sense_alone(const uint8_t *p, size_t n)
{
	struct eng_sense s;
	char buf[160];

	if (eng_sense_parse(p, n, &s) == 0) {
		if (!s.valid)
			abort();
		eng_sense_format(&s, buf, sizeof(buf));
		eng_sense_format(&s, buf, 8);
		eng_sense_action(&s);
		for (unsigned op = 0; op < 256; op += 0x11)
			eng_sense_hresult(&s, (uint8_t)op);
		eng_sense_hresult(&s, 0x2a);
		eng_sense_hresult(&s, 0x5a);
		eng_sense_hresult(&s, 0x55);
		eng_sense_hresult(&s, 0x46);
		eng_sense_hresult(&s, 0xad);
		imapi_sense_describe(p, n, buf, sizeof(buf));
	} else if (s.valid) {
		abort();
	}
	eng_status_hresult(n ? p[0] : 0);
}

static void edit_p05(uint8_t *page, const void *arg)
{
	page[2] = (uint8_t)((page[2] & 0xf0) | (*(const unsigned *)arg & 3));
}

/* One recorder or medium call: low 5 bits which, high 3 bits its argument. */
static void call(disc_recorder_ex *r, uint8_t sel)
{
	uint8_t *data = NULL, sense[IMAPI_SENSE_LEN], buf[256];
	uint32_t size = 0, n32 = 0;
	unsigned arg = sel >> 5;
	struct eng_media m;

	switch (sel & 31) {
	case 0:
		disc_recorder_ex_get_disc_information(r, &data, &size);
		break;
	case 1:
		disc_recorder_ex_get_track_information(r, arg, (imapi_read_track_address_type)(arg & 3), &data,
						       &size);
		break;
	case 2: {
		static const imapi_feature_page_type feat[8] = { 0, 0x1d, 0x1f, 0x21, 0x23, 0x2d, 0x2e, 0x107 };
		disc_recorder_ex_get_feature_page(r, feat[arg], arg & 1, &data, &size);
		break;
	}
	case 3: {
		static const imapi_mode_page_type mp[4] = { 0x05, 0x2a, 0x01, 0x1a };
		disc_recorder_ex_get_mode_page(r, mp[arg & 3], (imapi_mode_page_request_type)(arg >> 2), &data,
					       &size);
		break;
	}
	case 4: {
		uint8_t page[60] = { 0x05, 0x32, 0x01, 0x04 };
		disc_recorder_ex_set_mode_page(r, (imapi_mode_page_request_type)(arg & 3), page,
					       arg & 4 ? 2 : sizeof(page));
		break;
	}
	case 5: {
		imapi_feature_page_type *fp = NULL;
		disc_recorder_ex_get_supported_feature_pages(r, arg & 1, &fp, &size);
		imapi_free(fp);
		break;
	}
	case 6: {
		imapi_profile_type *pt = NULL;
		disc_recorder_ex_get_supported_profiles(r, arg & 1, &pt, &size);
		imapi_free(pt);
		break;
	}
	case 7: {
		imapi_mode_page_type *mt = NULL;
		disc_recorder_ex_get_supported_mode_pages(r, (imapi_mode_page_request_type)(arg & 3), &mt, &size);
		imapi_free(mt);
		break;
	}
	case 8:
		disc_recorder_ex_read_dvd_structure(r, arg, 0, 0, 0, &data, &size);
		break;
	case 9: {
		static const uint8_t cdb[10] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 0xff, 0 };
		disc_recorder_ex_send_command_get_data_from_device(r, cdb, sizeof(cdb), sense, 0, buf,
								   arg ? 16u * arg : sizeof(buf), &n32);
		static const uint8_t tur[6] = { 0 };
		disc_recorder_ex_send_command_no_data(r, tur, sizeof(tur), sense, 0);
		break;
	}
	case 10:
		if (eng_media_probe(r, &m) == S_OK) {
			eng_media_state(&m);
			eng_media_physical_type(m.profile);
			eng_media_cd_recordable(&m);
		}
		break;
	case 11: {
		imapi_write_speed_descriptor *sd = NULL;
		uint32_t cnt = 0;
		eng_media_speed_descriptors(r, &sd, &cnt);
		imapi_free(sd);
		break;
	}
	case 12: {
		int32_t *sp = NULL;
		eng_media_speed_list(r, &sp, &n32);
		imapi_free(sp);
		break;
	}
	case 13:
		disc_recorder_ex_get_device_descriptor(r, &data, &size);
		break;
	case 14: {
		static const int32_t feats[] = { 0x1d, 0x2d, 0x2e, 0x2f };
		bool has = false;
		eng_media_recorder_has(r, feats, arg & 3 ? 4 : 1, &has);
		break;
	}
	case 16:
		eng_media_sync(r);
		break;
	case 17: {
		static const int profiles[8] = { 0x09, 0x0a, 0x11, 0x13, 0x14, 0x1b, 0x2b, 0x41 };
		uint8_t fn = 0;
		eng_media_close(r, profiles[arg], arg & 1, arg & 2, arg & 4, &fn);
		break;
	}
	case 18:
		if (eng_media_probe(r, &m) == S_OK)
			eng_media_format(r, &m);
		break;
	case 19: {
		hresult_t hr;
		eng_media_wait_ready(r, 0.5, 1, NULL, NULL, &hr, sense);
		break;
	}
	case 20:
		if (eng_media_probe(r, &m) == S_OK)
			eng_media_heuristically_blank(r, &m);
		break;
	case 21: {
		int32_t v;
		eng_media_current_speed(r, arg ? (int32_t)arg * 1000 : -1, &v);
		break;
	}
	case 22:
		eng_media_edit_page05(r, edit_p05, &arg);
		break;
	case 23: {
		/* what the recorder derives without asking, and the transfer limit */
		disc_recorder_ex_get_adapter_descriptor(r, &data, &size);
		disc_recorder_ex_get_byte_alignment_mask(r, &n32);
		disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(r, &n32);
		disc_recorder_ex_get_maximum_page_aligned_transfer_size(r, &n32);
		disc_recorder_ex_put_maximum_transfer_size(r, arg ? 4096u << arg : 0);
		disc_recorder_ex_get_last_error(r);
		break;
	}
	case 24: {
		/* pass-through: MODE SELECT(10) with data, and CDB sizes its group refuses */
		static const uint8_t ms[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 16, 0 };
		uint8_t list[16] = { 0 };
		disc_recorder_ex_send_command_send_data_to_device(r, ms, sizeof(ms), sense, 0, list, sizeof(list));
		disc_recorder_ex_send_command_no_data(r, ms, 6, sense, 0);
		disc_recorder_ex_send_command_get_data_from_device(r, ms, 12, sense, 0, buf, 16, &n32);
		break;
	}
	default: {
		uint8_t dvd[8] = { 0 };
		disc_recorder_ex_send_dvd_structure(r, 0xc0 + arg, dvd, sizeof(dvd));
		disc_recorder_ex_get_last_sense(r, sense);
		break;
	}
	}
	imapi_free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct fake f = { .fd = -1 };
	pthread_t th;
	char url[96];

	if (len < 1)
		return 0;
	sense_alone(in, len);
	setup();
	unsigned ncalls = in[0] & 15;
	if (len < 1 + ncalls)
		return 0;
	f.burst_choice = in[0] >> 4;
	f.in = in + 1 + ncalls;
	f.len = len - 1 - ncalls;
	if (pipe(f.done) != 0)
		abort();
	if (pthread_create(&th, NULL, target, &f) != 0)
		abort();

	disc_recorder_ex_options opts = { .command_timeout_s = 10, .busy_deadline_s = 1,
					  .reconnect_deadline_s = 1 };
	disc_recorder_ex *r = NULL;
	snprintf(url, sizeof(url), "iscsi://127.0.0.1:%d/iqn.2026-01.org.burnlab:fuzz/0", port);
	if (disc_recorder_ex_open_iscsi_opts(url, &opts, &r) == S_OK) {
		disc_recorder_ex_session_info si;
		disc_recorder_ex_get_session_info(r, &si);
		for (unsigned i = 0; i < ncalls; i++)
			call(r, in[1 + i]);
		disc_recorder_ex_release(r);
	}
	if (write(f.done[1], "", 1) != 1)
		abort();
	pthread_join(th, NULL);
	close(f.done[0]);
	close(f.done[1]);
	return 0;
}
