/* tts_shape.c - a record checked against the dtype and shape its reader
 * expects, every reader's refusal in one form. */
#include "tts.h"

#include <stdio.h>
#include <string.h>

#define LETTER(d) ((char)((d) >> 56))
#define SIZE(d) ((d) & (((uint64_t)1 << 56) - 1))

/* "u8 (150,G), G <= 4096" for an expectation, "u8 (150,5000)" for a
 * header (expected 0). */
static void describe(char *buf, size_t len, int dtype, int rank,
	const uint64_t *dims, int expected)
{
	const char *name = tts_dtype_name(dtype);
	size_t n = (size_t)snprintf(buf, len, "%s", name ? name : "?");
	if (dtype == TTS_TEXT && expected) /* any text will do */
		return;
	for (int i = 0; i < rank && n < len; i++) {
		n += (size_t)(expected && LETTER(dims[i]) ?
			snprintf(buf + n, len - n, "%s%c", i ? "," : " (", LETTER(dims[i])) :
			snprintf(buf + n, len - n, "%s%llu", i ? "," : " (",
				(unsigned long long)dims[i]));
	}
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, rank ? ")" : " ()");
	for (int i = 0; expected && i < rank && n < len; i++)
		if (LETTER(dims[i]) && SIZE(dims[i]) < TTS_MAX_DIM)
			n += (size_t)snprintf(buf + n, len - n, ", %c <= %llu", LETTER(dims[i]),
				(unsigned long long)SIZE(dims[i]));
}

int tts_check_shape(const tts_header *h, const tts_shape *s, char *err, size_t errlen)
{
	int ok = h->dtype == s->dtype && h->rank == s->rank;
	for (int i = 0; ok && i < s->rank; i++)
		ok = LETTER(s->dims[i]) ? h->dims[i] <= SIZE(s->dims[i]) : h->dims[i] == s->dims[i];
	if (ok)
		return 0;
	char want[160], got[160];
	describe(want, sizeof want, s->dtype, s->rank, s->dims, 1);
	describe(got, sizeof got, h->dtype, h->rank, h->dims, 0);
	snprintf(err, errlen, "record %s: expected %s, not %s", h->name, want, got);
	return -1;
}

int tts_read_shaped(tts_reader *r, const tts_header *h, const tts_shape *s,
	void *dst, char *err, size_t errlen)
{
	if (tts_check_shape(h, s, err, errlen) < 0)
		return -1;
	if (tts_read_data(r, dst, h->nbytes) < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	return 0;
}

int tts_read_shaped_into(tts_reader *r, const tts_header *h, const tts_shape *s,
	void **buf, size_t *cap, char *err, size_t errlen)
{
	if (tts_check_shape(h, s, err, errlen) < 0)
		return -1;
	if (tts_read_into(r, h, buf, cap) < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	return 0;
}
