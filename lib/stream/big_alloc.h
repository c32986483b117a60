/* big_alloc.h - allocation for big arrays. */
#ifndef BIG_ALLOC_H
#define BIG_ALLOC_H

#include <stddef.h>

/* malloc(n) for big arrays (rows, columns): aligned and marked for
 * transparent huge pages, because touching fresh memory 4 KiB page by
 * page is what big arrays cost most.  Free with free(). */
void *big_alloc(size_t n);

#endif
