/*
 * fuzz_tts.c - libFuzzer target for the tensor stream reader
 * (lib/stream/tts_read.c).
 *
 * Input byte 0 chooses the mode.  Bit 0 set: the rest is the decompressed
 * record bytes (compressed here first, so mutations reach the record
 * parser instead of dying in zstd's checksum); clear: the rest is the
 * stream as a file holds it.  Bits 1-2, how the stream is read: every
 * record whole (0), in small pieces (1), or copied to a writer (2, 3).
 * One way per input: each reader's large buffers are costly under ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compressed.h"
#include "tts.h"

#define MAX_ALLOC (1 << 20)

static void read_whole(tts_reader *r)
{
	tts_header h;
	while (tts_next(r, &h) == 1) {
		void *p = tts_read_alloc(r, &h, MAX_ALLOC);
		if (!p)
			break;
		if (strcmp(h.name, "meta") == 0) {
			char buf[64];
			tts_meta_get(p, "kind", buf, sizeof buf);
		}
		free(p);
	}
	(void)tts_reader_error(r);
}

static void read_pieces(tts_reader *r, size_t piece)
{
	tts_header h;
	char buf[4096];
	while (tts_next(r, &h) == 1) {
		uint64_t left = h.nbytes;
		while (left > 0) {
			size_t n = left < piece ? (size_t)left : piece;
			if (tts_read_data(r, buf, n) != 0)
				return;
			left -= n;
		}
	}
}

static void copy_all(tts_reader *r)
{
	FILE *out = fopen("/dev/null", "wb");
	if (!out)
		return;
	tts_writer *w = tts_writer_open(out, 1);
	tts_header h;
	int rc = 0;
	while (w && (rc = tts_next(r, &h)) == 1)
		if (tts_copy_record(r, &h, w) != 0)
			break;
	if (w) {
		char err[256];
		if (rc == 0)
			tts_writer_close(w, err, sizeof err);
		else
			tts_writer_abort(w);
	}
	fclose(out);
}

static void run(const uint8_t *data, size_t size, int how)
{
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return;
	tts_reader *r = tts_reader_open(f);
	if (r) {
		if (how == 0)
			read_whole(r);
		else if (how == 1)
			read_pieces(r, 1 + (size % 97));
		else
			copy_all(r);
		tts_reader_close(r);
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *body = data + 1;
	size_t n = size - 1;
	void *z = compressed(&body, &n, data[0] & 1);
	if (n == 0 && (data[0] & 1))
		return 0;
	if (n == 0) { /* fmemopen needs a buffer */
		static const uint8_t nothing[1];
		FILE *f = fmemopen((void *)nothing, 1, "rb");
		if (f) {
			fgetc(f);
			tts_reader *r = tts_reader_open(f);
			if (r) {
				read_whole(r);
				tts_reader_close(r);
			}
			fclose(f);
		}
	} else {
		run(body, n, (data[0] >> 1) & 3);
	}
	free(z);
	return 0;
}
