/*
 * fuzz_streams.c - libFuzzer target for the readers above the record
 * layer: prep streams (prep_read: ml-prep's output, read by tt-fit,
 * tt-batch, tt-eval), batch streams (batch_read and batch_check: tt-batch's,
 * read by tt-fit), embeddings (embed_reader and embed_items_load: tt-embed's,
 * read by tt-topk) and recs (recs_reader: tt-topk's, read by tt-eval and
 * tt-topk --merge).  Byte 0: bits 0-2 the reader (0 prep, 1 batch,
 * 2 embeddings by group, 3 items whole, 4 recs); bit 3 set: the rest is
 * the decompressed record bytes, compressed here first (see fuzz_tts.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compressed.h"
#include "batch.h"
#include "embed_stream.h"
#include "prep.h"
#include "tts.h"

static void read_prep(tts_reader *r)
{
	prep p;
	char err[512];
	if (prep_read(r, &p, err, sizeof err) == 0)
		prep_free(&p);
}

/* As tt-fit reads them: the meta, then batches, other records skipped. */
static void read_batches(tts_reader *r)
{
	tts_header h;
	char err[512];
	batch bt;
	memset(&bt, 0, sizeof bt);
	if (tts_next(r, &h) != 1)
		return;
	free(tts_read_alloc(r, &h, 1 << 20));
	int rc;
	while ((rc = batch_read(r, &bt, &h, err, sizeof err)) > 0) {
		if (rc == 2) {
			void *skip = tts_read_alloc(r, &h, 1 << 24);
			if (!skip)
				break;
			free(skip);
			continue;
		}
		if (batch_check(&bt, 1000, 1000, 64, err, sizeof err) == 0)
			(void)batch_examples(&bt);
	}
	batch_free(&bt);
}

static void read_embeddings(tts_reader *r)
{
	embed_reader er;
	embed_group grp;
	memset(&grp, 0, sizeof grp);
	if (embed_reader_open(&er, r) != 0)
		return;
	while (embed_read_group(&er, &grp) == 1)
		;
	embed_group_free(&grp);
	embed_reader_close(&er);
}

static void read_items(tts_reader *r)
{
	embed_items it;
	char err[512];
	if (embed_items_load(r, &it, err, sizeof err) == 0) {
		(void)embed_items_find(&it, 1);
		embed_items_free(&it);
	}
}

static void read_recs(tts_reader *r)
{
	recs_reader rr;
	recs_group rg;
	memset(&rg, 0, sizeof rg);
	if (recs_reader_open(&rr, r) != 0)
		return;
	while (recs_read_group(&rr, &rg) == 1)
		;
	recs_group_free(&rg);
	recs_reader_close(&rr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const readers[])(tts_reader *) = {
		read_prep, read_batches, read_embeddings, read_items, read_recs,
	};
	if (size < 2 || (data[0] & 7) >= sizeof readers / sizeof readers[0])
		return 0;
	const uint8_t *body = data + 1;
	size_t n = size - 1;
	void *z = compressed(&body, &n, data[0] & 8);
	if (n == 0)
		return 0;
	FILE *f = fmemopen((void *)body, n, "rb");
	if (f) {
		tts_reader *r = tts_reader_open(f);
		if (r) {
			readers[data[0] & 7](r);
			tts_reader_close(r);
		}
		fclose(f);
	}
	free(z);
	return 0;
}
