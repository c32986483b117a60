/* blas.c - OpenBLAS started only where its buffers fit (see blas.h). */
#include "blas.h"

#include <cblas.h>
#include <stdlib.h>

void openblas_set_num_threads(int);

/* OpenBLAS 0.3's BUFFER_SIZE on x86-64 (32 << 22) and its page rounding,
 * as its mmap asks: 134225920 bytes. */
#define BLAS_BUFFER ((size_t)(32 << 22) + (4 << 10) + (4 << 10))

size_t blas_buffer_bytes(int callers)
{
	return (size_t)callers * BLAS_BUFFER;
}

int blas_start(int callers)
{
	/* its own threads took theirs when it was loaded (or spin for it) */
	int n = callers;
	void *held[n];
	int ok = 1, i;
	for (i = 0; i < n && ok; i++)
		ok = (held[i] = malloc(BLAS_BUFFER)) != NULL;
	while (i-- > 0)
		free(held[i]);
	if (!ok)
		return -1;
	openblas_set_num_threads(callers);
	/* A first call takes this thread's buffer now, while it is there;
	 * OpenBLAS keeps it for the calls to come. */
	float a = 0, b = 0, c = 0;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
	return 0;
}
