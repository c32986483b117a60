/* tts_copy.c - a record passed from a reader on to a writer: the one part
 * of the stream library that needs both (tts_read.c, tts_write.c). */
#include "tts.h"
#include "tts_impl.h"

/* At least tts_read.c's DIRECT_MIN: large pieces decompress in place. */
#define COPY_PIECE ((size_t)64 << 10)

int tts_copy_record(tts_reader *r, const tts_header *h, tts_writer *w)
{
	unsigned char piece[COPY_PIECE];
	if (tts_reader_error(r)[0])
		return -1;
	if (tts_write_begin(w, h->name, h->dtype, h->rank, h->dims) < 0)
		return -1;
	for (uint64_t left = h->nbytes; left > 0; ) {
		size_t n = left < COPY_PIECE ? (size_t)left : COPY_PIECE;
		if (tts_read_data(r, piece, n) < 0)
			return tts_writer_fail(w, tts_reader_error(r));
		if (tts_write_data(w, piece, n) < 0)
			return -1;
		left -= n;
	}
	return 0;
}
