/*
 * compressed.h - for the fuzz targets that read tensor streams: the fuzzer
 * mutates raw record bytes far better than zstd frames, so a mode bit asks
 * for the input to be compressed into a valid frame first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>

/* The n bytes at *body as a zstd frame, when compress is set: *body and
 * *n then describe a malloc'd frame (also returned, for free()).  NULL
 * with *body unchanged when compress is clear; on failure *n is 0. */
static inline void *compressed(const uint8_t **body, size_t *n, int compress)
{
	if (!compress)
		return NULL;
	size_t cap = ZSTD_compressBound(*n);
	void *z = malloc(cap ? cap : 1);
	size_t zn = z ? ZSTD_compress(z, cap, *body, *n, 1) : 0;
	if (!z || ZSTD_isError(zn)) {
		free(z);
		*n = 0;
		return NULL;
	}
	*body = z;
	*n = zn;
	return z;
}
