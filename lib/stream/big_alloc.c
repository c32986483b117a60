/* big_alloc.c - big arrays on huge pages. */
#include "big_alloc.h"

#include <stdlib.h>
#include <sys/mman.h>

void *big_alloc(size_t n)
{
	enum { HUGE = 1 << 21 };
	void *p;
	if (n < HUGE)
		return malloc(n ? n : 1);
	n = (n + HUGE - 1) & ~(size_t)(HUGE - 1);
	if (posix_memalign(&p, HUGE, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE); /* only a hint */
#endif
	return p;
}
