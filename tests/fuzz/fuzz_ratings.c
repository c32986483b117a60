/*
 * fuzz_ratings.c - libFuzzer target for the ml-prep input formats
 * (lib/data/ratings*.c).  Byte 0: bits 0-2 the format (auto, dat, tsv, csv, seq),
 * bit 3 skip bad lines, bit 4 named CSV columns; byte 1 where the rest is
 * cut in two for ratings_feed(), so lines split across pieces are covered.
 */
#include <stdint.h>
#include <stdlib.h>
#include "ratings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int format = data[0] & 7;
	if (format > RF_SEQ)
		return 0;
	int skip_bad = (data[0] >> 3) & 1;
	rating_columns named = { "u", "i", "r", "t" };
	const rating_columns *cols = (data[0] & 16) ? &named : NULL;
	const char *text = (const char *)data + 2;
	size_t n = size - 2, cut = n ? data[1] % (n + 1) : 0;
	rating_array rows = { 0 };
	ratings_parser *p = ratings_parser_new(format, cols, skip_bad, &rows);
	if (!p)
		return 0;
	if (ratings_begin(p, "fuzz") == 0 &&
	    ratings_feed(p, text, cut) == 0 &&
	    ratings_feed(p, text + cut, n - cut) == 0 &&
	    ratings_end(p) == 0) {
		(void)ratings_format(p);
		(void)ratings_lines(p);
		for (size_t i = 0; i < rows.n; i++)
			if (rows.v[i].user < 0 || rows.v[i].item < 0)
				abort(); /* ids are documented non-negative */
	} else {
		(void)ratings_error(p);
	}
	ratings_parser_free(p);
	rating_array_free(&rows);
	return 0;
}
