/*
 * id_lookup.h - from original ids (of users or items) to their indices:
 * (id, index) pairs sorted by id, searched by bisection.  ml-prep's
 * numbering of millions of rows has its own hash table (build.c).
 */
#ifndef ID_LOOKUP_H
#define ID_LOOKUP_H

#include <stdint.h>

/* The (n,2) pairs of ids[0..n), malloc'd; NULL when out of memory. */
int64_t *id_lookup_new(const int64_t *ids, int64_t n);
/* The index of id, -1 if it is not there (of two equal ids, either). */
int64_t id_lookup(const int64_t *pairs, int64_t n, int64_t id);

#endif
