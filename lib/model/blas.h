/*
 * blas.h - starting OpenBLAS where its buffers fit.  OpenBLAS reserves a
 * buffer of about 128 MB (virtual) for each thread that calls it and
 * retries forever when it cannot (0.3.21, memory.c), and exit() then
 * waits for its threads: under a memory limit a program would spin or
 * hang, not fail.  A program that uses BLAS checks first.
 */
#ifndef BLAS_H
#define BLAS_H

#include <stddef.h>

/* Bytes of the buffers `callers` threads calling BLAS at once need. */
size_t blas_buffer_bytes(int callers);
/* Checks that the buffers of `callers` threads can be had and sets BLAS's
 * own threads to `callers`; -1 if the memory is not there. */
int blas_start(int callers);

#endif
