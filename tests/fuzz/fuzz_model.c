/*
 * fuzz_model.c - libFuzzer target for the model loader (model_read in
 * lib/model/model_stream.c).  Byte 0 bit 0 set: the rest is the decompressed record
 * bytes, compressed here first (see fuzz_tts.c); clear: a model file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "compressed.h"
#include "model.h"
#include "prep.h"
#include "tts.h"

/*
 * model_read allocates the weights its meta record declares before any
 * weight arrives (checked: out of memory is an error, and calloc's pages
 * cost nothing until written), so a 2 KB input can ask for gigabytes,
 * which libFuzzer would report and ASan's shadow memory would make slow.
 * Such inputs are skipped: more than about 64M parameters.
 */
static int too_big(const uint8_t *body, size_t n)
{
	FILE *f = fmemopen((void *)body, n, "rb");
	if (!f)
		return 1;
	tts_reader *r = tts_reader_open(f);
	tts_header h;
	model_config c;
	char err[256], *meta = NULL;
	int big = 0;
	if (r && tts_next(r, &h) == 1 && (meta = tts_read_alloc(r, &h, 1 << 20)) &&
	    model_config_parse(meta, &c, err, sizeof err) == 0) {
		double E = c.E, F = c.F;
		double params = (c.U + 2.0 * c.N + c.L) * E +
			(c.blocks + 2.0) * (4 * E * E + 4 * E * F + 16 * E + 2 * F);
		big = params > 64e6 || c.U > 16e6 || c.N > 16e6;
	}
	free(meta);
	tts_reader_close(r);
	fclose(f);
	return big;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const uint8_t *body = data + 1;
	size_t n = size - 1;
	void *z = compressed(&body, &n, data[0] & 1);
	if (n == 0)
		return 0;
	FILE *f = too_big(body, n) ? NULL : fmemopen((void *)body, n, "rb");
	if (f) {
		tts_reader *r = tts_reader_open(f);
		if (r) {
			model *m;
			prep ids;
			char *meta = NULL, err[512];
			if (model_read(r, &m, &ids, &meta, err, sizeof err) == 0) {
				model_free(m);
				prep_free(&ids);
				free(meta);
			}
			tts_reader_close(r);
		}
		fclose(f);
	}
	free(z);
	return 0;
}
