/* rec.c - one history in, its top-K out, over a model loaded once. */
#include "rec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "prep.h"
#include "error.h"

int rec_open(recommender *r, tts_reader *in, int max_k, int threads, char *err,
	size_t errlen)
{
	prep ids;
	memset(r, 0, sizeof *r);
	if (model_read(in, &r->m, &ids, NULL, err, errlen) != 0)
		return -1;
	const model_config *c = model_cfg(r->m);
	if (c->arch == ARCH_SEED) {
		prep_free(&ids);
		rec_close(r);
		return errorf(err, errlen, "a model of the seed architecture has a "
			"learned vector per user, so it cannot serve a new history "
			"(train with --arch tt)");
	}
	/* the item ids and titles move from the model's id maps to the items */
	r->items.n = c->N;
	r->items.dim = c->E;
	r->items.ids = ids.item_ids, ids.item_ids = NULL;
	r->items.titles = ids.titles, ids.titles = NULL;
	r->items.names = ids.item_names, ids.item_names = NULL;
	prep_free(&ids);
	r->max_k = max_k;
	r->items.vectors = malloc((size_t)c->N * c->E * sizeof *r->items.vectors);
	r->hist = malloc(c->L * sizeof *r->hist);
	/* a history's distinct items, then the excluded ones: at most 2N */
	r->seen = malloc((2 * c->N + 1) * sizeof *r->seen);
	r->last_query = calloc(c->N ? c->N : 1, sizeof *r->last_query);
	r->user = malloc(c->E * sizeof *r->user);
	r->ws = topk_workspace_new(max_k, threads);
	if (!r->items.vectors || !r->hist || !r->seen || !r->last_query || !r->user ||
	    !r->ws || model_item_vectors(r->m, r->items.vectors) != 0 ||
	    model_infer_alloc(r->m, 1, 1) != 0) {
		rec_close(r);
		return errorf(err, errlen, "out of memory");
	}
	rec_item(r, 0); /* sorts the id index now rather than at the first query */
	return 0;
}

void rec_close(recommender *r)
{
	model_free(r->m);
	embed_items_free(&r->items);
	topk_workspace_free(r->ws);
	free(r->hist);
	free(r->seen);
	free(r->last_query);
	free(r->user);
	free(r->excluded);
	free(r->is_excluded);
	free(r->unit);
	memset(r, 0, sizeof *r);
}

int64_t rec_item(recommender *r, int64_t id)
{
	return embed_items_find(&r->items, id);
}

int rec_exclude(recommender *r, int32_t item)
{
	/* each item at most once: room for all of them, and a mark each */
	int64_t N = model_cfg(r->m)->N;
	if (!r->excluded) {
		r->excluded = malloc((N ? N : 1) * sizeof *r->excluded);
		r->is_excluded = calloc(N ? N : 1, 1);
		if (!r->excluded || !r->is_excluded)
			return -1;
	}
	if (item < 0 || item >= N || r->is_excluded[item])
		return 0;
	r->is_excluded[item] = 1;
	r->excluded[r->n_excluded++] = item;
	return 0;
}

/* The distinct items of a history into r->seen, in order of first
 * appearance; how many. */
static int64_t distinct(recommender *r, const int32_t *history, int64_t S)
{
	const model_config *c = model_cfg(r->m);
	if (++r->query == 0) { /* the stamps wrapped: start them afresh */
		memset(r->last_query, 0, c->N * sizeof *r->last_query);
		r->query = 1;
	}
	int64_t n = 0;
	for (int64_t s = 0; s < S; s++) {
		int32_t i = history[s];
		if (i < 0 || i >= c->N || r->last_query[i] == r->query)
			continue;
		r->last_query[i] = r->query;
		r->seen[n++] = i;
	}
	return n;
}

static int no_answer(int k, int32_t *out_items, float *out_scores)
{
	for (int j = 0; j < k; j++)
		out_items[j] = -1, out_scores[j] = -INFINITY;
	return 0;
}

/* The search for query (E) over table (N,E), the n items of r->seen and
 * the excluded ones left out. */
static int search(recommender *r, const float *query, const float *table, int64_t n,
	int k, int32_t *out_items, float *out_scores)
{
	const model_config *c = model_cfg(r->m);
	if (r->n_excluded) /* excluded is NULL when there are none */
		memcpy(r->seen + n, r->excluded, r->n_excluded * sizeof *r->seen);
	int64_t offsets[2] = { 0, n + r->n_excluded };
	return topk_search(query, 1, table, c->N, c->E, k, offsets, r->seen, out_items,
		out_scores, r->ws);
}

int rec_query(recommender *r, const int32_t *history, int64_t S, int k,
	int32_t *out_items, float *out_scores)
{
	const model_config *c = model_cfg(r->m);
	if (k < 1 || k > r->max_k)
		return -1;
	int64_t n = distinct(r, history, S);
	if (n == 0)
		return no_answer(k, out_items, out_scores);
	int32_t user = 0;
	history_row(r->hist, r->seen, n, c->L);
	if (model_user_vectors(r->m, &user, r->hist, 1, r->user) != 0)
		return -1;
	return search(r, r->user, r->items.vectors, n, k, out_items, out_scores);
}

int rec_similar(recommender *r, const int32_t *items, int64_t S, int k,
	int32_t *out_items, float *out_scores)
{
	const model_config *c = model_cfg(r->m);
	if (k < 1 || k > r->max_k)
		return -1;
	if (!r->unit) {
		if (!(r->unit = malloc(((size_t)c->N * c->E + 1) * sizeof *r->unit)))
			return -1;
		topk_unit_rows(r->items.vectors, c->N, c->E, r->unit);
	}
	int64_t n = distinct(r, items, S);
	if (n == 0)
		return no_answer(k, out_items, out_scores);
	memset(r->user, 0, c->E * sizeof *r->user);
	for (int64_t j = 0; j < n; j++)
		for (int d = 0; d < c->E; d++)
			r->user[d] += r->unit[(size_t)r->seen[j] * c->E + d];
	/* at unit length, so that the scores are the cosines said (a sum of
	 * S unit vectors scores up to S) */
	topk_unit_rows(r->user, 1, c->E, r->user);
	return search(r, r->user, r->unit, n, k, out_items, out_scores);
}
