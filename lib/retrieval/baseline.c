/* baseline.c - popularity, recent popularity, genre match and random rankings. */
#include "baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "rng.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* key (N + 1) holds each item's count: order (N) gets the items by count
 * descending, index ascending.  One sort key per item: high bits
 * fewer-uses-later, low bits index. */
static void order_by_count(int64_t N, int64_t *key, int32_t *order)
{
	for (int64_t i = 0; i < N; i++) {
		int64_t c = key[i] < INT32_MAX ? key[i] : INT32_MAX;
		key[i] = ((INT32_MAX - c) << 32) | i;
	}
	qsort(key, N, sizeof *key, cmp_i64);
	for (int64_t i = 0; i < N; i++)
		order[i] = (int32_t)(key[i] & 0xffffffff);
}

int pop_order(const prep *p, int32_t *order)
{
	int64_t *key = calloc(p->n_items + 1, sizeof *key);
	if (!key)
		return -1;
	for (int64_t u = 0; u < p->n_users; u++)
		for (int64_t z = p->offsets[u]; z < prep_train_end(p, u); z++)
			if (p->items[z] >= 0 && p->items[z] < p->n_items)
				key[p->items[z]]++;
	order_by_count(p->n_items, key, order);
	free(key);
	return 0;
}

int pop_order_recent(const prep *p, int64_t from, int64_t to, int32_t *order)
{
	int64_t *key = calloc(p->n_items + 1, sizeof *key);
	if (!key)
		return -1;
	for (int64_t z = 0; p->times && z < p->n_inter; z++)
		if (p->times[z] >= from && p->times[z] < to &&
		    p->items[z] >= 0 && p->items[z] < p->n_items)
			key[p->items[z]]++;
	order_by_count(p->n_items, key, order);
	free(key);
	return 0;
}

int pop_recommend(const int32_t *order, int64_t N, const int32_t *seen,
	int64_t S, uint8_t *mark, int K, int32_t *out)
{
	for (int64_t s = 0; s < S; s++)
		if (seen[s] >= 0 && seen[s] < N)
			mark[seen[s]] = 1;
	int k = 0;
	for (int64_t r = 0; r < N && k < K; r++)
		if (!mark[order[r]])
			out[k++] = order[r];
	int filled = k;
	for (; k < K; k++)
		out[k] = -1;
	for (int64_t s = 0; s < S; s++)
		if (seen[s] >= 0 && seen[s] < N)
			mark[seen[s]] = 0;
	return filled;
}

/* ---- genre match ---- */

void genre_profile(const prep *p, const int32_t *hist, int64_t H, double *profile)
{
	int32_t G = p->n_genres;
	memset(profile, 0, G * sizeof *profile);
	for (int64_t h = 0; h < H; h++)
		for (int32_t g = 0; g < G; g++)
			profile[g] += p->genres[(int64_t)hist[h] * G + g];
}

double genre_match(const prep *p, const double *profile, int32_t item)
{
	int32_t G = p->n_genres;
	const uint8_t *x = p->genres + (int64_t)item * G;
	double dot = 0, xx = 0, pp = 0;
	for (int32_t g = 0; g < G; g++) {
		dot += x[g] * profile[g];
		xx += x[g];
		pp += profile[g] * profile[g];
	}
	return xx > 0 && pp > 0 ? dot / sqrt(xx * pp) : 0;
}

/* ---- ranking candidates by score, ties at random ---- */

typedef struct {
	double score;
	uint64_t tie;
	int32_t item;
} ranked;

static int before(const ranked *a, const ranked *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->tie != b->tie)
		return a->tie < b->tie;
	return a->item < b->item;
}

int rank_candidates(const int32_t *cand, int64_t C, const double *score,
	uint64_t seed, int64_t user, const uint8_t *exclude, int K, int32_t *out)
{
	ranked *top = malloc((K > 0 ? K : 1) * sizeof *top);
	if (!top)
		return -1;
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)user;
	uint64_t user_key = rng_next(&s);
	int n = 0;
	for (int64_t c = 0; c < C; c++) {
		if (exclude[cand[c]])
			continue;
		/* distinct items, distinct states: rng_next is a bijection */
		uint64_t t = user_key + (uint64_t)cand[c];
		ranked x = { score ? score[c] : 0, rng_next(&t), cand[c] };
		if (n == K && !before(&x, &top[K - 1]))
			continue;
		int j = n < K ? n++ : K - 1;
		for (; j > 0 && before(&x, &top[j - 1]); j--)
			top[j] = top[j - 1];
		top[j] = x;
	}
	for (int k = 0; k < K; k++)
		out[k] = k < n ? top[k].item : -1;
	free(top);
	return n;
}
