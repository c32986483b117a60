/* model_infer.c - item and user vectors of a trained model. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

int model_item_vectors(model *m, float *out)
{
	const model_config *c = &m->c;
	features_begin(m, NULL);
	if (!has_item_mlp(c)) {
		memcpy(out, m->p.item_emb, (size_t)c->N * c->E * sizeof *out);
		features_end(m);
		return 0;
	}
	/* the hidden layer, without the training's other buffers */
	float *ih = malloc((size_t)c->N * c->F * sizeof *ih);
	if (ih)
		item_forward(m, ih, out, 0, c->N);
	features_end(m);
	free(ih);
	return ih ? 0 : -1;
}

static void *worker_forward(void *arg)
{
	worker *wk = arg;
	if (wk->T)
		user_forward(wk->m, wk);
	return NULL;
}

int model_user_vectors(model *m, const int32_t *users, const int32_t *hist,
	int64_t B, float *out)
{
	const model_config *c = &m->c;
	int64_t L = c->L, chunk = 256 * (m->nworkers ? m->nworkers : 1);
	if (alloc_workers(m, m->capacity > 256 ? m->capacity : 256, m->nworkers, m->trainable, NULL, 0))
		return -1;
	int32_t *targets = malloc((size_t)chunk * L * sizeof *targets);
	if (!targets)
		return -1;
	features_begin(m, NULL);
	for (int64_t b0 = 0; b0 < B; b0 += chunk) {
		int64_t n = B - b0 < chunk ? B - b0 : chunk;
		/* the one example of a row is its last slot */
		for (int64_t i = 0; i < n * L; i++)
			targets[i] = (i % L == L - 1 && hist[b0 * L + i] >= 0) ? 0 : -1;
		int64_t per = m->capacity, done = 0;
		while (done < n) {
			int64_t part = n - done < per ? n - done : per; /* no share can exceed it */
			share_rows(m, users + b0 + done, hist + (b0 + done) * L,
				targets + done * L, part, 0, NULL);
			run_workers(m, worker_forward);
			memset(out + (b0 + done) * c->E, 0, part * c->E * sizeof *out);
			for (int w = 0; w < m->nworkers; w++) {
				worker *wk = &m->wk[w];
				int64_t first = wk->users - (users + b0 + done);
				for (int64_t i = 0; i < wk->T; i++)
					memcpy(out + (b0 + done + first + wk->a.ubatch[i]) * c->E,
						wk->a.z + i * c->E, c->E * sizeof *out);
			}
			done += part;
		}
	}
	features_end(m);
	free(targets);
	return 0;
}
