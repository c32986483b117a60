/* model_memory.c - the model's working memory: each worker's activations
 * and gradients, and the item MLP's, each in one block (model_impl.h). */
#include "bf16.h"
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

/* Carves typed arrays out of one block; run once without a block, it
 * measures the block. */
typedef struct {
	char *base;
	size_t used;
} carver;

static void *take(carver *cv, size_t n, size_t size)
{
	size_t at = (cv->used + 63) & ~(size_t)63; /* each array on a cache line */
	cv->used = at + n * size;
	return cv->base ? cv->base + at : NULL;
}

/* Lay out the activations of B rows; with train, also what the backward
 * pass and the loss need. */
static void acts_layout(carver *cv, const model_config *c, acts *a, int64_t B,
	int loss, int precision, int64_t M, int train)
{
	size_t L = c->L, E = c->E, F = c->F, N = c->N, NH = c->NH;
	size_t S = B * L, T = S; /* the most a batch of B rows has */
	a->B = B;
	a->off = take(cv, B + 1, sizeof *a->off);
	a->att_off = take(cv, B + 1, sizeof *a->att_off);
	a->slot_item = take(cv, S, sizeof *a->slot_item);
	a->slot_row = take(cv, S, sizeof *a->slot_row);
	a->slot_pos = take(cv, S, sizeof *a->slot_pos);
	a->rows = take(cv, T, sizeof *a->rows);
	a->tgt = take(cv, T, sizeof *a->tgt);
	a->ubatch = take(cv, T, sizeof *a->ubatch);
	a->tpad = take(cv, T, sizeof *a->tpad);
	a->first = take(cv, T, sizeof *a->first);
	a->z = take(cv, T * E, sizeof *a->z);
	if (c->arch == ARCH_SEED) {
		a->x = take(cv, S * E, sizeof *a->x);
		a->k = take(cv, S * E, sizeof *a->k);
		a->v = take(cv, S * E, sizeof *a->v);
		a->u = take(cv, B * E, sizeof *a->u);
		a->qu = take(cv, B * E, sizeof *a->qu);
		a->q = take(cv, S * E, sizeof *a->q);
		a->a = take(cv, S * E, sizeof *a->a);
		a->att = take(cv, B * NH * L * L, sizeof *a->att);
		a->ag = take(cv, T * E, sizeof *a->ag);
		a->o = take(cv, T * E, sizeof *a->o);
		a->c = take(cv, T * 2 * E, sizeof *a->c);
		a->h1 = take(cv, T * F, sizeof *a->h1);
	} else {
		a->emb = take(cv, S * E, sizeof *a->emb);
		a->mask0 = take(cv, S * E, sizeof *a->mask0);
		for (int i = 0; i < c->blocks; i++) {
			block_acts *b = &a->blk[i];
			b->x = take(cv, S * E, sizeof *b->x);
			b->ln1 = take(cv, S * E, sizeof *b->ln1);
			b->mean1 = take(cv, S, sizeof *b->mean1);
			b->rstd1 = take(cv, S, sizeof *b->rstd1);
			b->q = take(cv, S * E, sizeof *b->q);
			b->k = take(cv, S * E, sizeof *b->k);
			b->v = take(cv, S * E, sizeof *b->v);
			b->a = take(cv, S * E, sizeof *b->a);
			b->att = take(cv, B * NH * L * L, sizeof *b->att);
			b->ao = take(cv, S * E, sizeof *b->ao);
			b->mask_a = take(cv, S * E, sizeof *b->mask_a);
			b->xm = take(cv, S * E, sizeof *b->xm);
			b->ln2 = take(cv, S * E, sizeof *b->ln2);
			b->mean2 = take(cv, S, sizeof *b->mean2);
			b->rstd2 = take(cv, S, sizeof *b->rstd2);
			b->f1 = take(cv, S * F, sizeof *b->f1);
			b->f2 = take(cv, S * E, sizeof *b->f2);
			b->mask_f = take(cv, S * E, sizeof *b->mask_f);
		}
		a->out = take(cv, S * E, sizeof *a->out);
		a->xf = take(cv, T * E, sizeof *a->xf);
		a->meanf = take(cv, T, sizeof *a->meanf);
		a->rstdf = take(cv, T, sizeof *a->rstdf);
		a->qscratch = take(cv, L, sizeof *a->qscratch);
	}
	if (!train)
		return;
	a->dz = take(cv, T * E, sizeof *a->dz);
	if (has_item_mlp(c))
		a->div = take(cv, N * E, sizeof *a->div);
	/* a row's candidates: every item, or the shared negatives */
	if (loss == LOSS_SAMPLED) {
		a->vn = take(cv, M * E, sizeof *a->vn);
		a->dvn = take(cv, M * E, sizeof *a->dvn);
		if (precision == PRECISION_BF16)
			bf16_work_point(&a->bw, take(cv, bf16_work_bytes(M, E), 1), M, E);
		else
			a->logits = take(cv, SHARED_CHUNK * (size_t)M, sizeof *a->logits);
	} else if (precision == PRECISION_BF16) {
		bf16_work_point(&a->bw, take(cv, bf16_work_bytes(N, E), 1), N, E);
	} else {
		a->logits = take(cv, LOGIT_CHUNK * N, sizeof *a->logits);
	}
	a->scratch = take(cv, L * L, sizeof *a->scratch);
	if (c->arch == ARCH_SEED) {
		a->dh1 = take(cv, T * F, sizeof *a->dh1);
		a->dh1_pre = take(cv, T * F, sizeof *a->dh1_pre);
		a->dc = take(cv, T * 2 * E, sizeof *a->dc);
		a->dproj = take(cv, T * E, sizeof *a->dproj);
		a->dag = take(cv, T * E, sizeof *a->dag);
		a->da = take(cv, S * E, sizeof *a->da);
		a->dq = take(cv, S * E, sizeof *a->dq);
		a->dk = take(cv, S * E, sizeof *a->dk);
		a->dv = take(cv, S * E, sizeof *a->dv);
		a->dqu = take(cv, B * E, sizeof *a->dqu);
		a->du = take(cv, B * E, sizeof *a->du);
		a->dhist = take(cv, S * E, sizeof *a->dhist);
	} else {
		block_grads *g = &a->bg;
		a->dxf = take(cv, T * E, sizeof *a->dxf);
		a->dx = take(cv, S * E, sizeof *a->dx);
		g->df2 = take(cv, S * E, sizeof *g->df2);
		g->df1 = take(cv, S * F, sizeof *g->df1);
		g->dln2 = take(cv, S * E, sizeof *g->dln2);
		g->dao = take(cv, S * E, sizeof *g->dao);
		g->da = take(cv, S * E, sizeof *g->da);
		g->dq = take(cv, S * E, sizeof *g->dq);
		g->dk = take(cv, S * E, sizeof *g->dk);
		g->dv = take(cv, S * E, sizeof *g->dv);
		g->dln1 = take(cv, S * E, sizeof *g->dln1);
		a->demb = take(cv, S * E, sizeof *a->demb);
	}
}

static int acts_alloc(const model_config *c, acts *a, int64_t B, int loss,
	int precision, int64_t M, int train, size_t *bytes)
{
	carver cv = { NULL, 0 };
	acts_layout(&cv, c, a, B, loss, precision, M, train);
	*bytes = cv.used;
	if (!(cv.base = calloc(1, cv.used)))
		return -1;
	void *mem = cv.base;
	cv.used = 0;
	acts_layout(&cv, c, a, B, loss, precision, M, train);
	a->mem = mem;
	return 0;
}

static void item_layout(carver *cv, model *m)
{
	size_t N = m->c.N, E = m->c.E, F = m->c.F;
	m->ih = take(cv, N * F, sizeof *m->ih);
	m->iv = take(cv, N * E, sizeof *m->iv);
	m->div = take(cv, N * E, sizeof *m->div);
	m->dih = take(cv, N * F, sizeof *m->dih);
	m->dih_pre = take(cv, N * F, sizeof *m->dih_pre);
}

static int item_alloc(model *m, size_t *bytes)
{
	carver cv = { NULL, 0 };
	item_layout(&cv, m);
	*bytes = cv.used;
	if (!(m->item_mem = cv.base = calloc(1, cv.used)))
		return -1;
	cv.used = 0;
	item_layout(&cv, m);
	return 0;
}

/* Touched rows when a step touches few of the item table's (model_impl.h). */
static int touched_alloc(model *m, size_t *bytes)
{
	touched_rows *tr = &m->tr;
	size_t N = m->c.N;
	/* an item MLP or features give every row of item_emb a gradient */
	tr->on = m->loss != LOSS_SOFTMAX && !has_item_mlp(&m->c) && !model_has_features(&m->c);
	if (!tr->on)
		return 0;
	tr->off = (size_t)(m->p.item_emb - m->w);
	*bytes = N * (2 * sizeof *tr->rows + sizeof *tr->stamp) +
		(m->parts > 1 ? N * m->c.E * sizeof *tr->pack : 0);
	if (!tr->rows && (!(tr->rows = malloc(N * sizeof *tr->rows)) ||
	    !(tr->prev = malloc(N * sizeof *tr->prev)) ||
	    !(tr->stamp = calloc(N, sizeof *tr->stamp))))
		return -1;
	if (m->parts > 1 && !tr->pack && !(tr->pack = malloc(N * m->c.E * sizeof *tr->pack)))
		return -1;
	return 0;
}

void touched_free(touched_rows *tr)
{
	free(tr->rows);
	free(tr->prev);
	free(tr->stamp);
	free(tr->pack);
	memset(tr, 0, sizeof *tr);
}

void free_workers(model *m)
{
	for (int i = 0; i < MAX_THREADS; i++) {
		free(m->wk[i].a.mem);
		memset(&m->wk[i].a, 0, sizeof m->wk[i].a);
		free(m->wk[i].g);
		m->wk[i].g = NULL;
	}
	m->capacity = 0;
}

int alloc_workers(model *m, int64_t B, int threads, int train, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	size_t bytes = 0;
	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (m->capacity >= B && m->nworkers == threads && m->trainable >= train)
		return 0;
	free_workers(m);
	m->nworkers = threads;
	for (int i = 0; i < threads; i++) {
		worker *wk = &m->wk[i];
		if (acts_alloc(c, &wk->a, B, m->loss, m->precision, m->M, train, &bytes))
			return nomemf(err, errlen, train ? "a thread's activations of a batch"
				: "a thread's activations", bytes);
		if (!(wk->g = calloc(m->n_params, sizeof *wk->g)))
			return nomemf(err, errlen, "a thread's gradient of every weight",
				m->n_params * sizeof *wk->g);
		point(m, &wk->dp, wk->g);
		wk->m = m;
		wk->id = i;
	}
	if (has_item_mlp(c) && !m->item_mem && item_alloc(m, &bytes))
		return nomemf(err, errlen, "the item tower's activations", bytes);
	if (train && touched_alloc(m, &bytes))
		return nomemf(err, errlen, "the list of the item rows a step touches", bytes);
	m->capacity = B;
	m->trainable = train;
	return 0;
}

int model_train_alloc(model *m, int64_t B, int threads, char *err, size_t errlen)
{
	return alloc_workers(m, B, threads, 1, err, errlen);
}

int model_infer_alloc(model *m, int64_t B, int threads)
{
	return alloc_workers(m, B, threads, 0, NULL, 0);
}

int model_set_precision(model *m, int precision, char *err, size_t errlen)
{
	if (precision < 0 || precision >= PRECISION_END)
		return errorf(err, errlen, "precision %d: not a precision of the model", precision);
	if (precision == PRECISION_BF16 && !bf16_supported())
		return errorf(err, errlen, "bf16 products need a CPU with AVX-512 BF16; this one has none");
	if (precision != m->precision)
		m->capacity = 0; /* other buffers: reallocate */
	m->precision = precision;
	return 0;
}

int model_set_loss(model *m, int loss, int64_t M, const sampler *q, char *err, size_t errlen)
{
	if (loss < 0 || loss >= LOSS_END)
		return errorf(err, errlen, "loss %d: not a loss of the model", loss);
	if (loss == LOSS_SAMPLED && M < 1)
		return errorf(err, errlen, "the sampled loss needs negatives, not %lld", (long long)M);
	if (loss == LOSS_SAMPLED && (!q || q->N != m->c.N))
		return errorf(err, errlen, "the sampled loss needs a sampler over the model's %lld items",
			(long long)m->c.N);
	if (M != m->M || loss != m->loss)
		m->capacity = 0; /* the loss's buffers differ: reallocate */
	if (loss == LOSS_SAMPLED && M != m->M) {
		free(m->neg);
		if (!(m->neg = malloc(M * sizeof *m->neg)))
			return nomemf(err, errlen, "the shared negatives", M * sizeof *m->neg);
	}
	m->loss = loss;
	m->M = M;
	m->q = q;
	return 0;
}
