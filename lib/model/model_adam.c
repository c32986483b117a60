/* model_adam.c - Adam(W) over the flat weights, split over the workers;
 * with touched rows (model_impl.h), lazily: the item table's rows that the
 * step touched, and the dense parameters. */
#include "model_impl.h"
#include "prof.h"

#include <math.h>
#include <stdlib.h>

int model_adam_alloc(model *m, char *err, size_t errlen)
{
	if ((!m->m1 && !(m->m1 = calloc(m->n_params, sizeof *m->m1))) ||
	    (!m->m2 && !(m->m2 = calloc(m->n_params, sizeof *m->m2))))
		return nomemf(err, errlen, "the optimiser's moments", 2 * m->n_params * sizeof *m->m1);
	return 0;
}

static void adam_span(model *m, worker *wk, size_t lo, size_t hi)
{
	float lr = m->adam.lr, b1 = m->adam.beta1, b2 = m->adam.beta2;
	float eps = m->adam.eps, wd = m->adam.wd, c1 = m->adam.c1, c2 = m->adam.c2;
	float *restrict w = m->w, *restrict m1 = m->m1, *restrict m2 = m->m2;
	const float *restrict g = m->g;
	for (size_t i = lo; i < hi; i++) {
		m1[i] = b1 * m1[i] + (1.0f - b1) * g[i];
		m2[i] = b2 * m2[i] + (1.0f - b2) * g[i] * g[i];
		float mh = m1[i] / c1, vh = m2[i] / c2;
		w[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * w[i]);
	}
}

static void *adam_part(void *arg)
{
	worker *wk = arg;
	double prof_t0 = PROF_BEGIN();
	for_each_span(wk->m, wk, adam_span);
	PROF_END(PROF_ADAM, prof_t0);
	return NULL;
}

int model_adam(model *m, float lr, float beta1, float beta2, float eps,
	float weight_decay, int64_t step, char *err, size_t errlen)
{
	int rc;
	/* the update is split over the workers: there must be some */
	if ((rc = model_adam_alloc(m, err, errlen)) != 0 ||
	    (!m->nworkers && (rc = alloc_workers(m, 1, 1, 0, err, errlen)) != 0))
		return rc;
	m->adam.lr = lr;
	m->adam.beta1 = beta1;
	m->adam.beta2 = beta2;
	m->adam.eps = eps;
	m->adam.wd = weight_decay;
	m->adam.c1 = 1.0f - powf(beta1, (float)step);
	m->adam.c2 = 1.0f - powf(beta2, (float)step);
	double prof_t0 = PROF_BEGIN();
	run_workers(m, adam_part);
	PROF_END(PROF_TOTAL, prof_t0);
	return 0;
}
