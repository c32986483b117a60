/*
 * tts_header.c - tensor streams: the types, and the checks a record header
 * must pass, the same for the reader (tts_read.c), which refuses what
 * fails them, and the writer (tts_write.c), which never writes it.
 */
#include "tts.h"
#include "tts_impl.h"

#include <string.h>

/* ---- types ---- */

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
	[TTS_END] = { "end", 0 },
	[TTS_U8] = { "u8", 1 },
	[TTS_I32] = { "i32", 4 },
	[TTS_I64] = { "i64", 8 },
	[TTS_F32] = { "f32", 4 },
	[TTS_F64] = { "f64", 8 },
	[TTS_TEXT] = { "text", 1 },
};
#define NDTYPES ((int)(sizeof dtypes / sizeof dtypes[0]))

size_t tts_dtype_size(int dtype)
{
	return dtype >= 0 && dtype < NDTYPES ? dtypes[dtype].size : 0;
}

const char *tts_dtype_name(int dtype)
{
	return dtype >= 0 && dtype < NDTYPES ? dtypes[dtype].name : NULL;
}

int tts_dtype_parse(const char *name)
{
	for (int i = TTS_U8; i < NDTYPES; i++)
		if (strcmp(name, dtypes[i].name) == 0)
			return i;
	return -1;
}

int tts_host_little_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

/*
 * A name becomes a file name in tt-dump --npy, so it must be valid UTF-8
 * without '/', NUL or control characters.  Returns NULL or what is wrong.
 */
const char *tts_name_problem(const unsigned char *s, size_t len)
{
	if (len == 0)
		return "empty name";
	if (len > TTS_MAX_NAME)
		return "name longer than 255 bytes";
	for (size_t i = 0; i < len; ) {
		unsigned c = s[i];
		if (c < 0x20 || c == 0x7f)
			return "control character in name";
		if (c == '/')
			return "'/' in name";
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n = c >= 0xc2 && c <= 0xdf ? 2 :
			c >= 0xe0 && c <= 0xef ? 3 :
			c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (n == 0 || i + n > len)
			return "name is not UTF-8";
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return "name is not UTF-8";
		i += n;
	}
	return NULL;
}

/*
 * The checks a header must pass, shared by the writer (which must never
 * produce what the reader rejects) and the reader.  Fills count/nbytes.
 */
const char *tts_shape_problem(int dtype, int rank, const uint64_t *dims,
	uint64_t *count, uint64_t *nbytes)
{
	if (tts_dtype_name(dtype) == NULL || dtype == TTS_END)
		return "unknown dtype";
	if (rank < 0 || rank > TTS_MAX_RANK)
		return "rank out of range 0..8";
	if (dtype == TTS_TEXT && rank != 1)
		return "text record of rank other than 1";
	uint64_t n = 1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] > TTS_MAX_DIM)
			return "dimension larger than 2^48";
		if (dims[i] != 0 && n > UINT64_MAX / dims[i])
			return "product of dimensions overflows";
		n *= dims[i];
	}
	size_t size = tts_dtype_size(dtype);
	if (n > TTS_MAX_BYTES / size)
		return "data larger than 2^56 bytes";
	*count = n;
	*nbytes = n * size;
	return NULL;
}
