/* id_lookup.c - original ids to indices by sorted (id, index) pairs. */
#include "id_lookup.h"

#include <stdlib.h>

static int cmp_pair(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

int64_t *id_lookup_new(const int64_t *ids, int64_t n)
{
	int64_t *pairs = malloc(2 * (size_t)(n ? n : 1) * sizeof *pairs);
	if (!pairs)
		return NULL;
	for (int64_t i = 0; i < n; i++) {
		pairs[2 * i] = ids[i];
		pairs[2 * i + 1] = i;
	}
	qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_pair);
	return pairs;
}

int64_t id_lookup(const int64_t *pairs, int64_t n, int64_t id)
{
	int64_t key[2] = { id, 0 };
	const int64_t *hit = bsearch(key, pairs, (size_t)n, 2 * sizeof *pairs, cmp_pair);
	return hit ? hit[1] : -1;
}
