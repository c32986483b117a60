/* evaluate.c - a model's HR, NDCG, MRR and coverage on a split. */
#include "evaluate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "topk.h"

const char *const split_names[2] = { "test", "valid" };

#define EVAL_CHUNK 1024 /* users per top-K call */

int64_t split_target(const prep *p, int64_t u, int split)
{
	return split == SPLIT_VALID ? p->valid[u] : p->test[u];
}

int64_t split_users(const prep *p, int split)
{
	int64_t n = 0, a;
	for (int64_t u = 0; u < p->n_users; u++)
		n += prep_targets(p, u, split == SPLIT_TEST, &a) > 0;
	return n;
}

int evaluate(model *m, const prep *p, int split, const int *ks, int nks,
	int threads, metrics_result *res, char *err, size_t errlen)
{
	const model_config *c = model_cfg(m);
	int64_t L = c->L, E = c->E, N = c->N;
	metrics mt;
	if (metrics_init(&mt, ks, nks, N, err, errlen))
		return -1;
	int K = mt.kmax;
	float *items = malloc((size_t)N * E * sizeof *items);
	float *users = malloc((size_t)EVAL_CHUNK * E * sizeof *users);
	int32_t *hist = malloc((size_t)EVAL_CHUNK * L * sizeof *hist);
	int32_t *uidx = malloc(EVAL_CHUNK * sizeof *uidx);
	int64_t *tbegin = malloc(EVAL_CHUNK * sizeof *tbegin), *tn = malloc(EVAL_CHUNK * sizeof *tn);
	int64_t *seen_off = malloc((EVAL_CHUNK + 1) * sizeof *seen_off);
	int32_t *seen = malloc((p->n_inter + 1) * sizeof *seen);
	int32_t *top = malloc((size_t)EVAL_CHUNK * K * sizeof *top);
	float *scores = malloc((size_t)EVAL_CHUNK * K * sizeof *scores);
	topk_workspace *ws = topk_workspace_new(K, threads);
	int rc = -1;
	if (!items || !users || !hist || !uidx || !tbegin || !tn || !seen_off || !seen || !top || !scores || !ws) {
		snprintf(err, errlen, "out of memory for evaluation");
		goto out;
	}
	if (model_item_vectors(m, items)) {
		snprintf(err, errlen, "out of memory for the item vectors");
		goto out;
	}
	for (int64_t u0 = 0; u0 < p->n_users;) {
		int64_t B = 0, S = 0;
		seen_off[0] = 0;
		for (; u0 < p->n_users && B < EVAL_CHUNK; u0++) {
			int64_t pos;
			if ((tn[B] = prep_targets(p, u0, split == SPLIT_TEST, &pos)) == 0)
				continue;
			uidx[B] = (int32_t)u0;
			tbegin[B] = pos;
			history_row(hist + B * L, p->items + p->offsets[u0], pos - p->offsets[u0], L);
			/* seen: the user's items before the target */
			for (int64_t j = p->offsets[u0]; j < pos; j++)
				seen[S++] = p->items[j];
			seen_off[++B] = S;
		}
		if (B == 0)
			break;
		if (model_user_vectors(m, uidx, hist, B, users)) {
			snprintf(err, errlen, "out of memory for the user vectors");
			goto out;
		}
		if (topk_search(users, B, items, N, (int)E, K, seen_off, seen, top,
			scores, ws)) {
			snprintf(err, errlen, "top-k: %s", topk_error(ws));
			goto out;
		}
		for (int64_t b = 0; b < B; b++)
			metrics_add_targets(&mt, top + b * K, K, p->items + tbegin[b], tn[b]);
	}
	if (mt.users == 0) {
		snprintf(err, errlen, "no user has a %s target", split == SPLIT_TEST ?
			"test" : "validation");
		goto out;
	}
	metrics_finish(&mt, res);
	rc = 0;
out:
	metrics_free(&mt);
	free(items); free(users); free(hist); free(uidx); free(tbegin); free(tn);
	free(seen_off); free(seen); free(top); free(scores);
	topk_workspace_free(ws);
	return rc;
}
