/* tts_impl.h - what the reader and the writer of tensor streams share:
 * the header's layout and the checks it must pass either way (in
 * tts_header.c), and the writer's error for tts_copy.c. */
#ifndef TTS_IMPL_H
#define TTS_IMPL_H

#include "tts.h"

#define HEADER_FIXED 8
#define HEADER_MAX (HEADER_FIXED + 8 * TTS_MAX_RANK + TTS_MAX_NAME)
#define ERRLEN 320

static const unsigned char record_magic[3] = { 'T', 'T', 'S' };

int tts_host_little_endian(void);
/* NULL, or what is wrong with a record name of len bytes. */
const char *tts_name_problem(const unsigned char *s, size_t len);
/* NULL, or what is wrong with a header's dtype and shape; fills count
 * and nbytes. */
const char *tts_shape_problem(int dtype, int rank, const uint64_t *dims,
	uint64_t *count, uint64_t *nbytes);
/* The writer's sticky error set to msg (the first one stays): -1. */
int tts_writer_fail(tts_writer *w, const char *msg);

#endif
