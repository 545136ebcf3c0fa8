/* doc/examples/burn-file.c - the smallest complete use of libwriteengine: write a file
 * of 2048-byte blocks to an MMC recorder at an iscsi:// URL, starting at LBA 0, with a
 * progress line from the Update events.  Build against the installed library:
 *
 *   cc -o burn-file burn-file.c $(pkg-config --cflags --libs libwriteengine)
 *   ./burn-file iscsi://127.0.0.1:3260/iqn.2026-01.org.burnlab:simdrive/0 disc.iso
 *
 * The caller owns the steps around the write (IMAPI2's format classes do them): here
 * the disc must be blank and the track is left open (close it with CLOSE TRACK). */
#include <stdio.h>
#include <sys/stat.h>

#include <writeengine.h>

static void on_update(write_engine *we, const write_engine_event_args *p, void *user)
{
	(void)we;
	(void)user;
	fprintf(stderr, "\rLBA %d of %d, buffer %d/%d bytes used", p->last_written_lba,
		p->start_lba + p->sector_count - 1, p->used_system_buffer,
		p->total_system_buffer);
}

static int fail(const char *what, hresult_t hr)
{
	const char *name = imapi_hresult_name(hr);
	fprintf(stderr, "\n%s: %s (0x%08X): %s\n", what, name ? name : "?", (unsigned)hr,
		imapi_hresult_text(hr));
	return 1;
}

int main(int argc, char **argv)
{
	disc_recorder_ex *rec = NULL;
	write_engine *we = NULL;
	imapi_stream *data = NULL;
	struct stat st;
	hresult_t hr;
	int rc = 1;

	if (argc != 3 || stat(argv[2], &st) != 0 || st.st_size % 2048 != 0) {
		fprintf(stderr, "usage: %s iscsi://HOST:PORT/IQN/LUN FILE (a multiple of 2048 bytes)\n",
			argv[0]);
		return 2;
	}
	if (IMAPI_FAILED(hr = disc_recorder_ex_open_iscsi(argv[1], &rec)))
		return fail("open", hr);
	if (IMAPI_FAILED(hr = write_engine_create(&we)) ||
	    IMAPI_FAILED(hr = write_engine_put_recorder(we, rec)) ||
	    IMAPI_FAILED(hr = write_engine_put_bytes_per_sector(we, 2048)) ||
	    IMAPI_FAILED(hr = write_engine_advise(we, on_update, NULL)) ||
	    IMAPI_FAILED(hr = imapi_stream_from_file(argv[2], 0, &data))) {
		rc = fail("setup", hr);
		goto out;
	}
	hr = write_engine_write_section(we, data, 0, (int32_t)(st.st_size / 2048));
	if (IMAPI_FAILED(hr)) {
		uint8_t sense[IMAPI_SENSE_LEN];
		char text[160];
		rc = fail("WriteSection", hr);
		if (write_engine_get_last_sense(we, sense) == S_OK)
			fprintf(stderr, "sense: %s\n",
				imapi_sense_describe(sense, sizeof(sense), text, sizeof(text)));
		goto out;
	}
	fprintf(stderr, "\nwritten: %lld blocks\n", (long long)(st.st_size / 2048));
	rc = 0;
out:
	imapi_stream_release(data);
	write_engine_release(we);
	disc_recorder_ex_release(rec);
	return rc;
}
