/*
 * instream.h - reading input plain, zstd (28 b5 2f fd) or gzip (1f 8b)
 * compressed, the compression detected from the first bytes.
 */
#ifndef INSTREAM_H
#define INSTREAM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct instream instream;

/* Reads f (not closed by the library) from its current position; the
 * compression is detected from the first bytes.  gzip runs `gzip -dc` as
 * a child process. */
instream *instream_open(FILE *f, char *err, size_t errlen);
/* Up to n decompressed bytes into buf: the count, 0 at the end, -1 on
 * error. */
ssize_t instream_read(instream *s, void *buf, size_t n, char *err, size_t errlen);
/* Frees s; for gzip waits for the child and reports its failure. */
int instream_close(instream *s, char *err, size_t errlen);
/* The whole (decompressed) input in one malloc'd NUL-terminated block. */
char *instream_slurp(FILE *f, size_t *len, char *err, size_t errlen);
/* 1 when the bytes read are f's own (no decompression): f's size then
 * tells how much is coming. */
int instream_is_plain(const instream *s);

#endif
