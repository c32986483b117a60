/*
 * id_lookup.h - from original ids (of users or items) to their indices:
 * (id, index) pairs sorted by id, searched by bisection; the side files'
 * ids and --item-map's (from, to) pairs as well.  ml-prep's numbering of
 * the distinct ids of millions of rows as it reads them is another
 * thing, a count in one pass over a direct table or hash (build.c).
 */
#ifndef ID_LOOKUP_H
#define ID_LOOKUP_H

#include <stdint.h>

/* The (n,2) pairs (ids[i], i), malloc'd; NULL when out of memory. */
int64_t *id_lookup_new(const int64_t *ids, int64_t n);
/* Sort n (id, value) pairs by id, then value: a lookup of any values. */
void id_pairs_sort(int64_t *pairs, int64_t n);
/* The value of id, -1 if it is not there (of two equal ids, the least:
 * the first index). */
int64_t id_lookup(const int64_t *pairs, int64_t n, int64_t id);

#endif
