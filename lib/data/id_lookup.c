/* id_lookup.c - original ids to indices by sorted (id, index) pairs. */
#include "id_lookup.h"

#include <stdlib.h>

static int cmp_pair(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
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
	id_pairs_sort(pairs, n);
	return pairs;
}

void id_pairs_sort(int64_t *pairs, int64_t n)
{
	qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_pair);
}

int64_t id_lookup(const int64_t *pairs, int64_t n, int64_t id)
{
	int64_t a = 0, b = n; /* the first pair of id: the least value */
	while (a < b) {
		int64_t m = a + (b - a) / 2;
		if (pairs[2 * m] < id)
			a = m + 1;
		else
			b = m;
	}
	return a < n && pairs[2 * a] == id ? pairs[2 * a + 1] : -1;
}
