/* model.c - the two towers over the layers of layers.c (see model.h). */
#include "model.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dist.h"
#include "ids.h"
#include "layers.h"

void openblas_set_num_threads(int);

#define MAX_TENSORS (8 + 16 * MAX_BLOCKS + 12)
#define LOGIT_CHUNK 512 /* rows of logits held at once: (512,N) floats */
#define MAX_THREADS 16

typedef struct {
	const char *name;
	int rank;
	uint64_t dims[2];
	size_t offset; /* in floats */
	int init;      /* how to initialise: see init_tensor() */
	int fan_in;
} tensor_spec;

enum { INIT_EMB, INIT_LINEAR, INIT_ONE, INIT_ZERO };

/* Activations of one block of the tt tower, each (R,E) unless noted. */
typedef struct {
	float *x;            /* block input */
	float *ln1, *mean1, *rstd1; /* mean, rstd (R) */
	float *q, *k, *v, *a;
	float *att;          /* (B,NH,L,L) */
	float *ao;           /* attention output projection, after dropout */
	uint8_t *mask_a;     /* (R,E) */
	float *xm;           /* x + ao */
	float *ln2, *mean2, *rstd2;
	float *f1;           /* (R,F) after ReLU */
	float *f2;           /* after dropout */
	uint8_t *mask_f;     /* (R,E) */
} block_acts;

typedef struct {
	int64_t B;           /* capacity in rows */
	/* a batch's filled slots, stored without padding: row b is the slots
	 * off[b]..off[b+1]-1 of every (S,...) activation */
	int64_t S;
	int64_t *off;        /* (B+1) */
	int64_t *att_off;    /* (B+1) where row b's attention weights start */
	int32_t *slot_item;  /* (S) item in the slot */
	int32_t *slot_row;   /* (S) batch row of the slot */
	int32_t *slot_pos;   /* (S) position 0..L-1 of the slot in its padded row */
	int32_t *rows;       /* (T) slot of each example */
	int32_t *tgt;        /* (T) target of each example */
	int32_t *ubatch;     /* (T) batch row of each example */
	int32_t *tpad;       /* (T) index b*L+t of each example in the padded batch */
	int32_t *negs;       /* (T,M) each example's sampled negatives */
	float *lscratch;     /* (1+M) */
	/* seed tower */
	float *x, *k, *v, *u, *qu, *q, *a, *att;
	float *ag, *o, *c, *h1, *z;      /* (T,E) (T,E) (T,2E) (T,F) (T,E) */
	float *du;                       /* (B,E) */
	/* tt tower */
	block_acts blk[MAX_BLOCKS];
	float *x0;           /* (R,E) embeddings + positions, before dropout */
	uint8_t *mask0;
	float *xf;           /* (T,E) gathered final block output */
	float *meanf, *rstdf;
	/* gradients of activations, reused across layers */
	float *d1, *d2, *d3, *d4, *d5, *d6; /* each (R, max(2E,F)) */
	float *dz, *div;     /* (T,E), (N,E) */
	float *scratch;      /* (L,L) */
	float *qscratch;     /* (L) */
	int64_t *first;      /* (T) first slot of each example's row */
	float *logits;       /* (LOGIT_CHUNK,N) */
} acts;

/* A thread's share of a batch: its rows' activations and gradients. */
typedef struct {
	acts a;
	float *g;            /* gradients of this share, the layout of model.w */
	params dp;
	/* the job */
	struct model *m;
	const int32_t *users, *hist, *targets; /* this share's rows */
	const int32_t *negatives;              /* (B,L,M) or NULL */
	int64_t B, T;
	float scale;         /* 1 / examples in the whole batch */
	uint64_t rng;
	double loss;
	int train;
	int id;              /* 0..nworkers-1: which slice of shared work */
} worker;

struct model {
	model_config c;
	size_t n_params, n_tensors;
	tensor_spec spec[MAX_TENSORS];
	float *w, *g, *m1, *m2; /* weights, gradients, Adam moments: same layout */
	params p, dp;
	int nworkers;
	worker wk[MAX_THREADS];
	int part, parts;     /* this process's part of each training batch, of parts */
	int64_t capacity;    /* rows each worker's activations hold */
	int trainable;       /* the workers hold what training needs too */
	float *ih, *iv, *dih, *div; /* item tower: (N,F) (N,E) (N,F) (N,E) */
	const float *iv_now; /* this step's item vectors: iv or the table */
	int loss;            /* enum loss */
	int64_t M;           /* negatives per example */
	const float *log_q;  /* (N) log sampling probabilities, or NULL */
	struct { float lr, beta1, beta2, eps, wd, c1, c2; } adam; /* this step's */
};

static void add_tensor(model *m, const char *name, int rank, uint64_t d0,
	uint64_t d1, int init, int fan_in)
{
	tensor_spec *t = &m->spec[m->n_tensors++];
	t->name = name;
	t->rank = rank;
	t->dims[0] = d0;
	t->dims[1] = rank > 1 ? d1 : 0;
	t->offset = m->n_params;
	t->init = init;
	t->fan_in = fan_in;
	m->n_params += d0 * (rank > 1 ? d1 : 1);
}

static const char *block_names[MAX_BLOCKS][16];

static void name_blocks(void)
{
	static char buf[MAX_BLOCKS][16][24];
	static const char *suffix[16] = { "ln1_g", "ln1_b", "wq", "bq", "wk", "bk",
		"wv", "bv", "wo", "bo", "ln2_g", "ln2_b", "ff1_w", "ff1_b", "ff2_w", "ff2_b" };
	if (block_names[0][0])
		return;
	for (int i = 0; i < MAX_BLOCKS; i++)
		for (int j = 0; j < 16; j++) {
			snprintf(buf[i][j], sizeof buf[i][j], "block%d.%s", i, suffix[j]);
			block_names[i][j] = buf[i][j];
		}
}

/* The tensor list of a configuration; its order is the buffer layout. */
static void layout(model *m)
{
	const model_config *c = &m->c;
	uint64_t E = c->E, F = c->F;
	name_blocks();
	m->n_tensors = m->n_params = 0;
	if (c->arch == ARCH_SEED) {
		add_tensor(m, "user_emb", 2, c->U, E, INIT_EMB, 0);
		add_tensor(m, "hist_emb", 2, c->N, E, INIT_EMB, 0);
	}
	add_tensor(m, "item_emb", 2, c->N, E, INIT_EMB, 0);
	if (c->arch == ARCH_TT && c->positions)
		add_tensor(m, "pos_emb", 2, c->L, E, INIT_EMB, 0);
	int nb = c->arch == ARCH_SEED ? 1 : c->blocks;
	for (int i = 0; i < nb; i++) {
		const char **n = block_names[i];
		int tt = c->arch == ARCH_TT;
		if (tt) {
			add_tensor(m, n[0], 1, E, 0, INIT_ONE, 0);
			add_tensor(m, n[1], 1, E, 0, INIT_ZERO, 0);
		}
		for (int j = 2; j < 10; j += 2) {
			add_tensor(m, n[j], 2, E, E, INIT_LINEAR, E);
			add_tensor(m, n[j + 1], 1, E, 0, INIT_LINEAR, E);
		}
		if (tt) {
			add_tensor(m, n[10], 1, E, 0, INIT_ONE, 0);
			add_tensor(m, n[11], 1, E, 0, INIT_ZERO, 0);
			add_tensor(m, n[12], 2, F, E, INIT_LINEAR, E);
			add_tensor(m, n[13], 1, F, 0, INIT_LINEAR, E);
			add_tensor(m, n[14], 2, E, F, INIT_LINEAR, F);
			add_tensor(m, n[15], 1, E, 0, INIT_LINEAR, F);
		}
	}
	if (c->arch == ARCH_TT) {
		add_tensor(m, "lnf_g", 1, E, 0, INIT_ONE, 0);
		add_tensor(m, "lnf_b", 1, E, 0, INIT_ZERO, 0);
	} else {
		add_tensor(m, "ufc1_w", 2, F, 2 * E, INIT_LINEAR, 2 * E);
		add_tensor(m, "ufc1_b", 1, F, 0, INIT_LINEAR, 2 * E);
		add_tensor(m, "ufc2_w", 2, E, F, INIT_LINEAR, F);
		add_tensor(m, "ufc2_b", 1, E, 0, INIT_LINEAR, F);
	}
	if (c->arch == ARCH_SEED || c->item_mlp) {
		add_tensor(m, "ifc1_w", 2, F, E, INIT_LINEAR, E);
		add_tensor(m, "ifc1_b", 1, F, 0, INIT_LINEAR, E);
		add_tensor(m, "ifc2_w", 2, E, F, INIT_LINEAR, F);
		add_tensor(m, "ifc2_b", 1, E, 0, INIT_LINEAR, F);
	}
}

static float *find(model *m, float *base, const char *name)
{
	for (size_t i = 0; i < m->n_tensors; i++)
		if (strcmp(m->spec[i].name, name) == 0)
			return base + m->spec[i].offset;
	return NULL;
}

static void point(model *m, params *p, float *base)
{
	memset(p, 0, sizeof *p);
	p->user_emb = find(m, base, "user_emb");
	p->item_emb = find(m, base, "item_emb");
	p->hist_emb = find(m, base, "hist_emb");
	if (!p->hist_emb)
		p->hist_emb = p->item_emb;
	p->pos_emb = find(m, base, "pos_emb");
	for (int i = 0; i < MAX_BLOCKS; i++) {
		block_params *b = &p->blk[i];
		float **f[16] = { &b->ln1_g, &b->ln1_b, &b->wq, &b->bq, &b->wk, &b->bk,
			&b->wv, &b->bv, &b->wo, &b->bo, &b->ln2_g, &b->ln2_b,
			&b->ff1_w, &b->ff1_b, &b->ff2_w, &b->ff2_b };
		for (int j = 0; j < 16; j++)
			*f[j] = find(m, base, block_names[i][j]);
	}
	p->lnf_g = find(m, base, "lnf_g");
	p->lnf_b = find(m, base, "lnf_b");
	p->ufc1_w = find(m, base, "ufc1_w");
	p->ufc1_b = find(m, base, "ufc1_b");
	p->ufc2_w = find(m, base, "ufc2_w");
	p->ufc2_b = find(m, base, "ufc2_b");
	p->ifc1_w = find(m, base, "ifc1_w");
	p->ifc1_b = find(m, base, "ifc1_b");
	p->ifc2_w = find(m, base, "ifc2_w");
	p->ifc2_b = find(m, base, "ifc2_b");
}

model *model_new(const model_config *c, char *err, size_t errlen)
{
	const char *why = NULL;
	if (c->arch != ARCH_SEED && c->arch != ARCH_TT)
		why = "unknown architecture";
	else if (c->U < 1 || c->N < 1)
		why = "no users or no items";
	else if (c->E < 1 || c->F < 1 || c->NH < 1 || c->L < 1 || c->E > 4096 || c->F > 65536 || c->L > 4096)
		why = "sizes out of range (dim 1..4096, hidden 1..65536, history 1..4096)";
	else if (c->E % c->NH)
		why = "the embedding width must be a multiple of the number of heads";
	else if (c->arch == ARCH_TT && (c->blocks < 1 || c->blocks > MAX_BLOCKS))
		why = "blocks must be 1..8";
	else if (c->dropout < 0 || c->dropout >= 1)
		why = "dropout must be in [0,1)";
	else if (c->U > INT32_MAX || c->N > INT32_MAX)
		why = "more than 2^31 users or items";
	if (why) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	model *m = calloc(1, sizeof *m);
	if (!m)
		goto oom;
	m->c = *c;
	m->parts = 1;
	layout(m);
	m->w = calloc(m->n_params, sizeof *m->w);
	m->g = calloc(m->n_params, sizeof *m->g);
	if (!m->w || !m->g)
		goto oom;
	point(m, &m->p, m->w);
	point(m, &m->dp, m->g);
	return m;
oom:
	snprintf(err, errlen, "out of memory for the model");
	model_free(m);
	return NULL;
}

static void free_acts(acts *a)
{
	free(a->off); free(a->att_off); free(a->slot_item); free(a->slot_row);
	free(a->slot_pos); free(a->rows); free(a->tgt); free(a->ubatch);
	free(a->tpad); free(a->negs); free(a->lscratch);
	free(a->x); free(a->k); free(a->v); free(a->u); free(a->qu); free(a->q);
	free(a->a); free(a->att); free(a->ag); free(a->o); free(a->c); free(a->h1);
	free(a->z); free(a->du);
	for (int i = 0; i < MAX_BLOCKS; i++) {
		block_acts *b = &a->blk[i];
		free(b->x); free(b->ln1); free(b->mean1); free(b->rstd1); free(b->q);
		free(b->k); free(b->v); free(b->a); free(b->att); free(b->ao);
		free(b->mask_a); free(b->xm); free(b->ln2); free(b->mean2);
		free(b->rstd2); free(b->f1); free(b->f2); free(b->mask_f);
	}
	free(a->x0); free(a->mask0); free(a->xf); free(a->meanf); free(a->rstdf);
	free(a->d1); free(a->d2); free(a->d3); free(a->d4); free(a->d5); free(a->d6);
	free(a->dz); free(a->div); free(a->scratch); free(a->logits);
	free(a->qscratch); free(a->first);
	memset(a, 0, sizeof *a);
}

void model_free(model *m)
{
	if (!m)
		return;
	for (int i = 0; i < MAX_THREADS; i++) {
		free_acts(&m->wk[i].a);
		free(m->wk[i].g);
	}
	free(m->ih); free(m->iv); free(m->dih); free(m->div);
	free(m->w);
	free(m->g);
	free(m->m1);
	free(m->m2);
	free(m);
}

const model_config *model_cfg(const model *m) { return &m->c; }
size_t model_num_params(const model *m) { return m->n_params; }
float *model_weights(model *m) { return m->w; }
float *model_grads(model *m) { return m->g; }
size_t model_num_tensors(const model *m) { return m->n_tensors; }

const char *model_tensor(const model *m, size_t i, int *rank, uint64_t dims[2], size_t *offset)
{
	const tensor_spec *t = &m->spec[i];
	*rank = t->rank;
	dims[0] = t->dims[0];
	dims[1] = t->dims[1];
	*offset = t->offset;
	return t->name;
}

static float gauss(uint64_t *rng)
{
	double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
	return (float)(sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2));
}

void model_init_weights(model *m, uint64_t seed)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	float emb_std = 1.0f / sqrtf((float)m->c.E);
	for (size_t i = 0; i < m->n_tensors; i++) {
		tensor_spec *t = &m->spec[i];
		size_t n = t->dims[0] * (t->rank > 1 ? t->dims[1] : 1);
		float *w = m->w + t->offset;
		for (size_t j = 0; j < n; j++) {
			switch (t->init) {
			case INIT_EMB: w[j] = emb_std * gauss(&rng); break;
			case INIT_LINEAR: /* PyTorch's default for nn.Linear */
				w[j] = (float)((2.0 * rng_uniform(&rng) - 1.0) / sqrt(t->fan_in));
				break;
			case INIT_ONE: w[j] = 1.0f; break;
			default: w[j] = 0.0f;
			}
		}
	}
}

#define ALLOC(p, n) do { if (!((p) = calloc((n), sizeof *(p)))) return -1; } while (0)

/* Activations for B rows; with train, also what the backward pass and the
 * loss need. */
static int acts_alloc(const model_config *c, acts *a, int64_t B, int64_t M,
	int inbatch, int train)
{
	size_t L = c->L, E = c->E, F = c->F, N = c->N, R = B * L;
	size_t W = 2 * E > F ? 2 * E : F;
	a->B = B;
	ALLOC(a->off, B + 1); ALLOC(a->att_off, B + 1); ALLOC(a->slot_item, R);
	ALLOC(a->slot_row, R); ALLOC(a->slot_pos, R);
	ALLOC(a->rows, R); ALLOC(a->tgt, R); ALLOC(a->ubatch, R); ALLOC(a->tpad, R);
	ALLOC(a->z, R * E); ALLOC(a->qscratch, L); ALLOC(a->first, R);
	if (c->arch == ARCH_SEED) {
		ALLOC(a->x, R * E); ALLOC(a->k, R * E); ALLOC(a->v, R * E);
		ALLOC(a->u, B * E); ALLOC(a->qu, B * E); ALLOC(a->q, R * E);
		ALLOC(a->a, R * E); ALLOC(a->att, B * c->NH * L * L);
		ALLOC(a->ag, R * E); ALLOC(a->o, R * E); ALLOC(a->c, R * 2 * E);
		ALLOC(a->h1, R * F); ALLOC(a->du, B * E);
	} else {
		ALLOC(a->x0, R * E); ALLOC(a->mask0, R * E);
		for (int i = 0; i < c->blocks; i++) {
			block_acts *b = &a->blk[i];
			ALLOC(b->x, R * E); ALLOC(b->ln1, R * E); ALLOC(b->mean1, R);
			ALLOC(b->rstd1, R); ALLOC(b->q, R * E); ALLOC(b->k, R * E);
			ALLOC(b->v, R * E); ALLOC(b->a, R * E);
			ALLOC(b->att, B * c->NH * L * L); ALLOC(b->ao, R * E);
			ALLOC(b->mask_a, R * E); ALLOC(b->xm, R * E); ALLOC(b->ln2, R * E);
			ALLOC(b->mean2, R); ALLOC(b->rstd2, R); ALLOC(b->f1, R * F);
			ALLOC(b->f2, R * E); ALLOC(b->mask_f, R * E);
		}
		ALLOC(a->xf, R * E); ALLOC(a->meanf, R); ALLOC(a->rstdf, R);
	}
	if (!train)
		return 0;
	ALLOC(a->negs, R * M + 1); ALLOC(a->lscratch, M + 1); ALLOC(a->dz, R * E);
	ALLOC(a->d1, R * W); ALLOC(a->d2, R * W); ALLOC(a->d3, R * W);
	ALLOC(a->d4, R * W); ALLOC(a->d5, R * W); ALLOC(a->d6, R * W);
	ALLOC(a->div, N * E);
	ALLOC(a->scratch, L * L);
	/* in-batch logits are (chunk, examples), the others (chunk, items) */
	ALLOC(a->logits, (size_t)LOGIT_CHUNK * (inbatch && R > N ? R : N));
	return 0;
}

static int alloc_workers(model *m, int64_t B, int threads, int train)
{
	const model_config *c = &m->c;
	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (m->capacity >= B && m->nworkers == threads && m->trainable >= train)
		return 0;
	for (int i = 0; i < MAX_THREADS; i++) {
		free_acts(&m->wk[i].a);
		free(m->wk[i].g);
		m->wk[i].g = NULL;
	}
	m->capacity = 0;
	m->nworkers = threads;
	for (int i = 0; i < threads; i++) {
		worker *wk = &m->wk[i];
		if (acts_alloc(c, &wk->a, B, m->M, m->loss == LOSS_INBATCH, train))
			return -1;
		ALLOC(wk->g, m->n_params);
		point(m, &wk->dp, wk->g);
		wk->m = m;
		wk->id = i;
	}
	if (!m->iv) {
		ALLOC(m->ih, (size_t)c->N * c->F); ALLOC(m->iv, (size_t)c->N * c->E);
		ALLOC(m->dih, (size_t)c->N * c->F); ALLOC(m->div, (size_t)c->N * c->E);
	}
	m->capacity = B;
	m->trainable = train;
	return 0;
}

int model_train_alloc(model *m, int64_t B, int threads)
{
	return alloc_workers(m, B, threads, 1);
}

int model_infer_alloc(model *m, int64_t B, int threads)
{
	return alloc_workers(m, B, threads, 0);
}

int model_set_loss(model *m, int loss, int64_t M, const float *log_q)
{
	if ((loss == LOSS_SAMPLED || loss == LOSS_BCE) && M < 1)
		return -1;
	if (M != m->M || (loss == LOSS_INBATCH) != (m->loss == LOSS_INBATCH))
		m->capacity = 0; /* the loss's buffers differ: reallocate */
	m->loss = loss;
	m->M = M;
	m->log_q = log_q;
	return 0;
}

int model_adam_alloc(model *m)
{
	if (!m->m1) {
		ALLOC(m->m1, m->n_params);
		ALLOC(m->m2, m->n_params);
	}
	return 0;
}

/* Worker wk's slice [*lo, *hi) of n things. */
static void slice(const worker *wk, size_t n, size_t *lo, size_t *hi)
{
	int W = wk->m->nworkers;
	*lo = n * wk->id / W;
	*hi = n * (wk->id + 1) / W;
}

static int has_item_mlp(const model_config *c)
{
	return c->arch == ARCH_SEED || c->item_mlp;
}

/* The item tower over a worker's slice of the items: iv (N,E) and ih
 * (N,F), shared, each worker writing its own rows.  A matrix product's
 * rounding depends on how many rows it is given, so the rows go in fixed
 * chunks: the vectors are the same however many workers there are. */
#define ITEM_CHUNK 256

static void *item_forward_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	const model_config *c = &m->c;
	size_t lo, hi, E = c->E, F = c->F, N = c->N;
	slice(wk, (N + ITEM_CHUNK - 1) / ITEM_CHUNK, &lo, &hi);
	for (size_t i = lo * ITEM_CHUNK; i < hi * ITEM_CHUNK && i < N; i += ITEM_CHUNK) {
		size_t n = N - i < ITEM_CHUNK ? N - i : ITEM_CHUNK;
		float *ih = m->ih + i * F;
		linear_forward(ih, m->p.item_emb + i * E, m->p.ifc1_w, m->p.ifc1_b, n, E, F);
		relu_forward(ih, ih, n * F);
		linear_forward(m->iv + i * E, ih, m->p.ifc2_w, m->p.ifc2_b, n, F, E);
	}
	return NULL;
}

/* The item vectors' gradient summed over the workers, over a worker's
 * slice of the items. */
static void *item_grad_sum_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	size_t lo, hi, E = m->c.E;
	slice(wk, m->c.N, &lo, &hi);
	float *div = m->div + lo * E;
	memset(div, 0, (hi - lo) * E * sizeof *div);
	for (int w = 0; w < m->nworkers; w++) {
		const float *d = m->wk[w].a.div + lo * E;
		for (size_t i = 0; i < (hi - lo) * E; i++)
			div[i] += d[i];
	}
	return NULL;
}

/* Backward through the item tower over a worker's slice of the items, as
 * one of all parts' workers, from the item vectors' gradient summed over
 * them, into this worker's own gradients (summed with the others'
 * afterwards): the same sums in the same order however the workers are
 * spread over processes. */
static void *item_backward_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	const model_config *c = &m->c;
	size_t E = c->E, F = c->F, shares = (size_t)m->nworkers * m->parts;
	size_t share = (size_t)m->nworkers * m->part + wk->id;
	size_t lo = c->N * share / shares, hi = c->N * (share + 1) / shares, n = hi - lo;
	float *div = m->div + lo * E, *dih = m->dih + lo * F, *ih = m->ih + lo * F;
	memset(dih, 0, n * F * sizeof *dih);
	linear_backward(dih, wk->dp.ifc2_w, wk->dp.ifc2_b, div, ih, m->p.ifc2_w, n, F, E);
	for (size_t i = 0; i < n * F; i++)
		if (ih[i] <= 0.0f)
			dih[i] = 0.0f;
	linear_backward(wk->dp.item_emb + lo * E, wk->dp.ifc1_w, wk->dp.ifc1_b, dih,
		m->p.item_emb + lo * E, m->p.ifc1_w, n, E, F);
	return NULL;
}

/* The model's gradient: the sum of the workers', in a fixed order. */
static void *grad_sum_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	size_t lo, hi;
	slice(wk, m->n_params, &lo, &hi);
	memcpy(m->g + lo, m->wk[0].g + lo, (hi - lo) * sizeof *m->g);
	for (int w = 1; w < m->nworkers; w++) {
		const float *g = m->wk[w].g;
		for (size_t i = lo; i < hi; i++)
			m->g[i] += g[i];
	}
	return NULL;
}

static void *adam_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	size_t lo, hi;
	float lr = m->adam.lr, b1 = m->adam.beta1, b2 = m->adam.beta2;
	float eps = m->adam.eps, wd = m->adam.wd, c1 = m->adam.c1, c2 = m->adam.c2;
	slice(wk, m->n_params, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		float g = m->g[i];
		m->m1[i] = b1 * m->m1[i] + (1.0f - b1) * g;
		m->m2[i] = b2 * m->m2[i] + (1.0f - b2) * g * g;
		float mh = m->m1[i] / c1, vh = m->m2[i] / c2;
		m->w[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * m->w[i]);
	}
	return NULL;
}

/* Lay out a batch's filled slots without padding and find its examples;
 * returns their count T. */
static int64_t gather_targets(acts *a, const int32_t *hist, const int32_t *targets,
	int64_t B, int64_t L, int64_t NH)
{
	int64_t T = 0, S = 0;
	a->off[0] = a->att_off[0] = 0;
	for (int64_t b = 0; b < B; b++) {
		int64_t s = 0;
		while (s < L && hist[b * L + s] < 0)
			s++;
		for (int64_t t = s; t < L; t++, S++) {
			a->slot_item[S] = hist[b * L + t];
			a->slot_row[S] = (int32_t)b;
			a->slot_pos[S] = (int32_t)t;
			if (targets[b * L + t] >= 0) {
				a->rows[T] = (int32_t)S;
				a->tgt[T] = targets[b * L + t];
				a->ubatch[T] = (int32_t)b;
				a->tpad[T] = (int32_t)(b * L + t);
				T++;
			}
		}
		a->off[b + 1] = S;
		a->att_off[b + 1] = a->att_off[b] + NH * (L - s) * (L - s);
	}
	a->S = S;
	return T;
}

static void gather_rows(float *out, const float *in, const int32_t *rows, int64_t T, size_t E)
{
	for (int64_t i = 0; i < T; i++)
		memcpy(out + i * E, in + (size_t)rows[i] * E, E * sizeof *out);
}

static void scatter_rows(float *out, const float *in, const int32_t *rows, int64_t T, size_t E)
{
	for (int64_t i = 0; i < T; i++) {
		float *o = out + (size_t)rows[i] * E;
		const float *g = in + i * E;
		for (size_t e = 0; e < E; e++)
			o[e] += g[e];
	}
}

/* Seed user tower: z (T,E) for the target rows. */
static void seed_forward(model *m, worker *wk, const int32_t *users, int64_t B, int64_t T)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p;
	block_params *k = &p->blk[0];
	size_t E = c->E, F = c->F, S = a->S;
	embedding_forward(a->x, a->slot_item, p->hist_emb, S, E);
	linear_forward(a->k, a->x, k->wk, k->bk, S, E, E);
	linear_forward(a->v, a->x, k->wv, k->bv, S, E, E);
	embedding_forward(a->u, users, p->user_emb, B, E);
	linear_forward(a->qu, a->u, k->wq, k->bq, B, E, E);
	for (size_t r = 0; r < S; r++) /* the user's query in every slot */
		memcpy(a->q + r * E, a->qu + (size_t)a->slot_row[r] * E, E * sizeof *a->q);
	attention_forward(a->a, a->att, a->q, a->k, a->v, a->off, a->att_off, B, E, c->NH);
	gather_rows(a->ag, a->a, a->rows, T, E);
	linear_forward(a->o, a->ag, k->wo, k->bo, T, E, E);
	for (int64_t i = 0; i < T; i++) {
		memcpy(a->c + i * 2 * E, a->u + (size_t)a->ubatch[i] * E, E * sizeof *a->c);
		memcpy(a->c + i * 2 * E + E, a->o + i * E, E * sizeof *a->c);
	}
	linear_forward(a->h1, a->c, p->ufc1_w, p->ufc1_b, T, 2 * E, F);
	relu_forward(a->h1, a->h1, T * F);
	linear_forward(a->z, a->h1, p->ufc2_w, p->ufc2_b, T, F, E);
}

static void seed_backward(model *m, worker *wk, const int32_t *users, int64_t B, int64_t T)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p, *dp = &wk->dp;
	block_params *k = &p->blk[0], *dk = &dp->blk[0];
	size_t E = c->E, F = c->F, S = a->S;
	/* scratch buffers, each reused once its value is consumed */
	float *dh1 = a->d1, *dc = a->d2, *dout = a->d6, *dag = a->d3, *da = a->d4;
	float *dq = a->d5, *dkeys = a->d6, *dvals = a->d1, *dqu = a->d3, *dx = a->d4;

	memset(dh1, 0, T * F * sizeof *dh1);
	linear_backward(dh1, dp->ufc2_w, dp->ufc2_b, a->dz, a->h1, p->ufc2_w, T, F, E);
	for (size_t i = 0; i < T * F; i++)
		if (a->h1[i] <= 0.0f)
			dh1[i] = 0.0f;
	memset(dc, 0, T * 2 * E * sizeof *dc);
	linear_backward(dc, dp->ufc1_w, dp->ufc1_b, dh1, a->c, p->ufc1_w, T, 2 * E, F);
	/* dc (T,2E) = [d user embedding | d attention output] */
	memset(a->du, 0, B * E * sizeof *a->du);
	for (int64_t i = 0; i < T; i++) {
		float *o = a->du + (size_t)a->ubatch[i] * E;
		const float *g = dc + i * 2 * E;
		for (size_t e = 0; e < E; e++)
			o[e] += g[e];
		memcpy(dout + i * E, g + E, E * sizeof *dout);
	}
	memset(dag, 0, T * E * sizeof *dag);
	linear_backward(dag, dk->wo, dk->bo, dout, a->ag, k->wo, T, E, E);
	memset(da, 0, S * E * sizeof *da);
	scatter_rows(da, dag, a->rows, T, E);
	memset(dq, 0, S * E * sizeof *dq);
	memset(dkeys, 0, S * E * sizeof *dkeys);
	memset(dvals, 0, S * E * sizeof *dvals);
	attention_backward(dq, dkeys, dvals, da, a->att, a->q, a->k, a->v, a->off,
		a->att_off, a->scratch, B, E, c->NH);
	/* the query is the same for every slot of a row */
	memset(dqu, 0, B * E * sizeof *dqu);
	for (size_t r = 0; r < S; r++) {
		float *o = dqu + (size_t)a->slot_row[r] * E;
		const float *g = dq + r * E;
		for (size_t e = 0; e < E; e++)
			o[e] += g[e];
	}
	linear_backward(a->du, dk->wq, dk->bq, dqu, a->u, k->wq, B, E, E);
	embedding_backward(dp->user_emb, a->du, users, B, E);
	memset(dx, 0, S * E * sizeof *dx);
	linear_backward(dx, dk->wk, dk->bk, dkeys, a->x, k->wk, S, E, E);
	linear_backward(dx, dk->wv, dk->bv, dvals, a->x, k->wv, S, E, E);
	embedding_backward(dp->hist_emb, dx, a->slot_item, S, E);
}

/* Inference needs the last block's output at the examples' slots only:
 * keys and values over every slot, the rest over those T rows. */
static void last_block_queries(model *m, worker *wk, int i, int64_t T)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	block_acts *b = &a->blk[i];
	block_params *w = &m->p.blk[i];
	size_t E = c->E, F = c->F, R = a->S;
	layernorm_forward(b->ln1, b->mean1, b->rstd1, b->x, w->ln1_g, w->ln1_b, R, E);
	linear_forward(b->k, b->ln1, w->wk, w->bk, R, E, E);
	linear_forward(b->v, b->ln1, w->wv, w->bv, R, E, E);
	gather_rows(b->xm, b->ln1, a->rows, T, E);
	linear_forward(b->q, b->xm, w->wq, w->bq, T, E, E);
	for (int64_t t = 0; t < T; t++)
		a->first[t] = a->off[a->ubatch[t]];
	attention_query_forward(b->a, a->qscratch, b->q, b->k, b->v, a->rows, a->first,
		T, E, c->NH);
	linear_forward(b->ao, b->a, w->wo, w->bo, T, E, E);
	gather_rows(b->xm, b->x, a->rows, T, E);
	for (size_t j = 0; j < T * E; j++)
		b->xm[j] += b->ao[j];
	layernorm_forward(b->ln2, b->mean2, b->rstd2, b->xm, w->ln2_g, w->ln2_b, T, E);
	linear_forward(b->f1, b->ln2, w->ff1_w, w->ff1_b, T, E, F);
	relu_forward(b->f1, b->f1, T * F);
	linear_forward(b->f2, b->f1, w->ff2_w, w->ff2_b, T, F, E);
	for (size_t j = 0; j < T * E; j++)
		a->xf[j] = b->xm[j] + b->f2[j];
	layernorm_forward(a->z, a->meanf, a->rstdf, a->xf, m->p.lnf_g, m->p.lnf_b, T, E);
}

/* tt user tower: z (T,E) for the target rows. */
static void tt_forward(model *m, worker *wk, int64_t B, int64_t T, uint64_t *rng, int train)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p;
	size_t E = c->E, F = c->F, R = a->S;
	float pd = train ? c->dropout : 0.0f;
	embedding_forward(a->x0, a->slot_item, p->item_emb, R, E);
	if (p->pos_emb)
		for (size_t r = 0; r < R; r++) {
			float *x = a->x0 + r * E;
			const float *pe = p->pos_emb + (size_t)a->slot_pos[r] * E;
			for (size_t e = 0; e < E; e++)
				x[e] += pe[e];
		}
	dropout_forward(a->blk[0].x, a->mask0, a->x0, pd, rng, R * E);
	for (int i = 0; i < c->blocks; i++) {
		block_acts *b = &a->blk[i];
		block_params *w = &p->blk[i];
		if (!train && i == c->blocks - 1) {
			last_block_queries(m, wk, i, T);
			return;
		}
		layernorm_forward(b->ln1, b->mean1, b->rstd1, b->x, w->ln1_g, w->ln1_b, R, E);
		linear_forward(b->q, b->ln1, w->wq, w->bq, R, E, E);
		linear_forward(b->k, b->ln1, w->wk, w->bk, R, E, E);
		linear_forward(b->v, b->ln1, w->wv, w->bv, R, E, E);
		attention_forward(b->a, b->att, b->q, b->k, b->v, a->off, a->att_off, B, E, c->NH);
		linear_forward(b->ao, b->a, w->wo, w->bo, R, E, E);
		dropout_forward(b->ao, b->mask_a, b->ao, pd, rng, R * E);
		for (size_t j = 0; j < R * E; j++)
			b->xm[j] = b->x[j] + b->ao[j];
		layernorm_forward(b->ln2, b->mean2, b->rstd2, b->xm, w->ln2_g, w->ln2_b, R, E);
		linear_forward(b->f1, b->ln2, w->ff1_w, w->ff1_b, R, E, F);
		relu_forward(b->f1, b->f1, R * F);
		linear_forward(b->f2, b->f1, w->ff2_w, w->ff2_b, R, F, E);
		dropout_forward(b->f2, b->mask_f, b->f2, pd, rng, R * E);
		float *out = i + 1 < c->blocks ? a->blk[i + 1].x : a->x0; /* x0 reused */
		for (size_t j = 0; j < R * E; j++)
			out[j] = b->xm[j] + b->f2[j];
	}
	gather_rows(a->xf, a->x0, a->rows, T, E);
	layernorm_forward(a->z, a->meanf, a->rstdf, a->xf, p->lnf_g, p->lnf_b, T, E);
}

static void tt_backward(model *m, worker *wk, int64_t B, int64_t T)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p, *dp = &wk->dp;
	size_t E = c->E, F = c->F, R = a->S;
	float pd = c->dropout;
	float *dxf = a->d1, *dx = a->d2, *tmp = a->d3, *df1 = a->d4;
	float *dq = a->d5, *dk = a->d6, *dv = a->d3;

	memset(dxf, 0, T * E * sizeof *dxf);
	layernorm_backward(dxf, dp->lnf_g, dp->lnf_b, a->dz, a->xf, p->lnf_g,
		a->meanf, a->rstdf, T, E);
	memset(dx, 0, R * E * sizeof *dx);
	scatter_rows(dx, dxf, a->rows, T, E);
	for (int i = c->blocks - 1; i >= 0; i--) {
		block_acts *b = &a->blk[i];
		block_params *w = &p->blk[i], *dw = &dp->blk[i];
		/* out = xm + dropout(ff(ln2(xm))): dx flows to xm directly */
		memset(tmp, 0, R * E * sizeof *tmp);
		dropout_backward(tmp, dx, b->mask_f, pd, R * E);
		memset(df1, 0, R * F * sizeof *df1);
		linear_backward(df1, dw->ff2_w, dw->ff2_b, tmp, b->f1, w->ff2_w, R, F, E);
		for (size_t j = 0; j < R * F; j++)
			if (b->f1[j] <= 0.0f)
				df1[j] = 0.0f;
		memset(tmp, 0, R * E * sizeof *tmp);
		linear_backward(tmp, dw->ff1_w, dw->ff1_b, df1, b->ln2, w->ff1_w, R, E, F);
		layernorm_backward(dx, dw->ln2_g, dw->ln2_b, tmp, b->xm, w->ln2_g,
			b->mean2, b->rstd2, R, E);
		/* xm = x + dropout(wo . attention(q, k, v)) */
		memset(tmp, 0, R * E * sizeof *tmp);
		dropout_backward(tmp, dx, b->mask_a, pd, R * E);
		float *da = df1; /* df1 is consumed; every scratch holds (R,max(2E,F)) */
		memset(da, 0, R * E * sizeof *da);
		linear_backward(da, dw->wo, dw->bo, tmp, b->a, w->wo, R, E, E);
		memset(dq, 0, R * E * sizeof *dq);
		memset(dk, 0, R * E * sizeof *dk);
		memset(dv, 0, R * E * sizeof *dv);
		attention_backward(dq, dk, dv, da, b->att, b->q, b->k, b->v, a->off,
			a->att_off, a->scratch, B, E, c->NH);
		float *dln = da;
		memset(dln, 0, R * E * sizeof *dln);
		linear_backward(dln, dw->wq, dw->bq, dq, b->ln1, w->wq, R, E, E);
		linear_backward(dln, dw->wk, dw->bk, dk, b->ln1, w->wk, R, E, E);
		linear_backward(dln, dw->wv, dw->bv, dv, b->ln1, w->wv, R, E, E);
		layernorm_backward(dx, dw->ln1_g, dw->ln1_b, dln, b->x, w->ln1_g,
			b->mean1, b->rstd1, R, E);
	}
	/* x = dropout(item_emb[hist] + pos_emb[slot]) */
	memset(tmp, 0, R * E * sizeof *tmp);
	dropout_backward(tmp, dx, a->mask0, pd, R * E);
	if (dp->pos_emb)
		for (size_t r = 0; r < R; r++) {
			float *o = dp->pos_emb + (size_t)a->slot_pos[r] * E;
			for (size_t e = 0; e < E; e++)
				o[e] += tmp[r * E + e];
		}
	embedding_backward(dp->item_emb, tmp, a->slot_item, R, E);
}

/* The user tower over a worker's rows: z (T,E) for its examples. */
static void forward(model *m, worker *wk)
{
	if (m->c.arch == ARCH_SEED)
		seed_forward(m, wk, wk->users, wk->B, wk->T);
	else
		tt_forward(m, wk, wk->B, wk->T, &wk->rng, wk->train);
}

/* A worker's forward, loss and backward into its own gradient buffer. */
static void *worker_step(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	const model_config *c = &m->c;
	acts *a = &wk->a;
	memset(wk->g, 0, m->n_params * sizeof *wk->g);
	wk->loss = 0.0;
	/* without an item MLP the item vectors are the table: its gradient
	 * takes the logits' gradient directly; with one, item_backward_part
	 * sums every worker's, an empty share's too */
	float *div = (c->arch == ARCH_TT && !c->item_mlp) ? wk->dp.item_emb : a->div;
	if (div == a->div)
		memset(div, 0, (size_t)c->N * c->E * sizeof *div);
	if (wk->T == 0)
		return NULL;
	forward(m, wk);
	memset(a->dz, 0, wk->T * c->E * sizeof *a->dz);
	switch (m->loss) {
	case LOSS_SOFTMAX:
		wk->loss = softmax_xent(a->dz, div, a->logits, a->z, m->iv_now, a->tgt,
			wk->scale, wk->T, c->N, c->E, LOGIT_CHUNK);
		break;
	case LOSS_SAMPLED:
	case LOSS_BCE:
		for (int64_t i = 0; i < wk->T; i++)
			memcpy(a->negs + i * m->M, wk->negatives + (size_t)a->tpad[i] * m->M,
				m->M * sizeof *a->negs);
		wk->loss = sampled_loss(a->dz, div, a->z, m->iv_now, a->tgt, a->negs, m->M,
			m->loss == LOSS_SAMPLED ? m->log_q : NULL, m->loss == LOSS_BCE,
			wk->scale, wk->T, c->E, a->lscratch);
		break;
	default: /* scratch d5, d6 are free until the backward pass */
		wk->loss = inbatch_xent(a->dz, div, a->logits, a->d5, a->d6, a->z,
			m->iv_now, a->tgt, m->log_q, wk->scale, wk->T, c->E, LOGIT_CHUNK);
	}
	if (c->arch == ARCH_SEED)
		seed_backward(m, wk, wk->users, wk->B, wk->T);
	else
		tt_backward(m, wk, wk->B, wk->T);
	return NULL;
}

static void *worker_forward(void *arg)
{
	worker *wk = arg;
	if (wk->T)
		forward(wk->m, wk);
	return NULL;
}

/* Run fn on every worker with a job, on threads, BLAS single-threaded
 * inside each (the workers are the parallelism). */
static void run_workers(model *m, void *(*fn)(void *))
{
	pthread_t th[MAX_THREADS];
	int started[MAX_THREADS] = { 0 };
	if (m->nworkers == 1) {
		fn(&m->wk[0]);
		return;
	}
	/* BLAS's own threads would spin beside ours: ours are the parallelism */
	openblas_set_num_threads(1);
	for (int i = 1; i < m->nworkers; i++)
		started[i] = pthread_create(&th[i], NULL, fn, &m->wk[i]) == 0;
	fn(&m->wk[0]);
	for (int i = 1; i < m->nworkers; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			fn(&m->wk[i]); /* no thread to be had: do it here */
	}
}

void model_set_parts(model *m, int part, int parts)
{
	m->part = part;
	m->parts = parts > 1 ? parts : 1;
}

/* The examples in rows [b0, b1): targets at filled slots. */
static int64_t count_examples(const int32_t *hist, const int32_t *targets,
	int64_t b0, int64_t b1, int64_t L)
{
	int64_t T = 0;
	for (int64_t i = b0 * L; i < b1 * L; i++)
		T += hist[i] >= 0 && targets[i] >= 0;
	return T;
}

/* Give each worker a contiguous share of the rows, balanced by filled
 * slots, and lay out its slots; returns the examples in all shares.  In
 * training, the shares are those of all parts' workers, and this
 * process's workers take this part's. */
static int64_t share_rows(model *m, const int32_t *users, const int32_t *hist,
	const int32_t *targets, const int32_t *negatives, int64_t B, int train,
	uint64_t *rng)
{
	const model_config *c = &m->c;
	int64_t L = c->L, filled = 0, total = 0;
	int parts = train && m->parts > 1 ? m->parts : 1;
	int shares = m->nworkers * parts, first = parts > 1 ? m->nworkers * m->part : 0;
	for (int64_t i = 0; i < B * L; i++)
		filled += hist[i] >= 0;
	int64_t b = 0, acc = 0;
	for (int s = 0; s < shares; s++) {
		int64_t b0 = b, goal = filled * (s + 1) / shares;
		while (b < B && (acc < goal || s == shares - 1)) {
			for (int64_t t = 0; t < L; t++)
				acc += hist[b * L + t] >= 0;
			b++;
		}
		uint64_t share_rng = rng ? rng_next(rng) : 0;
		if (s < first || s >= first + m->nworkers) { /* another process's */
			total += count_examples(hist, targets, b0, b, L);
			continue;
		}
		worker *wk = &m->wk[s - first];
		wk->users = users + b0;
		wk->negatives = negatives ? negatives + b0 * L * m->M : NULL;
		wk->hist = hist + b0 * L;
		wk->targets = targets + b0 * L;
		wk->B = b - b0;
		wk->train = train;
		wk->rng = share_rng;
		wk->T = gather_targets(&wk->a, wk->hist, wk->targets, wk->B, L, c->NH);
		total += wk->T;
	}
	return total;
}

double model_step_grad(model *m, const batch *bt, uint64_t *rng, int64_t *examples)
{
	const model_config *c = &m->c;
	int64_t T = share_rows(m, bt->users, bt->hist, bt->targets,
		m->loss == LOSS_SAMPLED || m->loss == LOSS_BCE ? bt->negatives : NULL,
		bt->B, 1, rng);
	*examples = T;
	if (T == 0) {
		memset(m->g, 0, m->n_params * sizeof *m->g);
		return 0.0;
	}
	if (has_item_mlp(c))
		run_workers(m, item_forward_part);
	m->iv_now = has_item_mlp(c) ? m->iv : m->p.item_emb;
	for (int w = 0; w < m->nworkers; w++)
		m->wk[w].scale = 1.0f / T;
	run_workers(m, worker_step);
	if (has_item_mlp(c)) {
		run_workers(m, item_grad_sum_part);
		if (m->parts > 1)
			dist_sum_f32(m->div, (size_t)c->N * c->E);
		run_workers(m, item_backward_part);
	}
	run_workers(m, grad_sum_part);
	double loss = 0.0;
	for (int w = 0; w < m->nworkers; w++)
		loss += m->wk[w].loss;
	if (m->parts > 1) {
		dist_sum_f32(m->g, m->n_params);
		dist_sum_f64(&loss, 1);
	}
	return loss / T;
}

int model_adam(model *m, float lr, float beta1, float beta2, float eps,
	float weight_decay, int64_t step)
{
	/* the update is split over the workers: there must be some */
	if (model_adam_alloc(m) || (!m->nworkers && alloc_workers(m, 1, 1, 0)))
		return -1;
	m->adam.lr = lr;
	m->adam.beta1 = beta1;
	m->adam.beta2 = beta2;
	m->adam.eps = eps;
	m->adam.wd = weight_decay;
	m->adam.c1 = 1.0f - powf(beta1, (float)step);
	m->adam.c2 = 1.0f - powf(beta2, (float)step);
	run_workers(m, adam_part);
	return 0;
}

int model_item_vectors(model *m, float *out)
{
	const model_config *c = &m->c;
	if (c->arch == ARCH_TT && !c->item_mlp) {
		memcpy(out, m->p.item_emb, (size_t)c->N * c->E * sizeof *out);
		return 0;
	}
	/* the item tower needs its activation buffers, but no batch rows */
	float *ih = malloc((size_t)c->N * c->F * sizeof *ih);
	if (!ih)
		return -1;
	linear_forward(ih, m->p.item_emb, m->p.ifc1_w, m->p.ifc1_b, c->N, c->E, c->F);
	relu_forward(ih, ih, (size_t)c->N * c->F);
	linear_forward(out, ih, m->p.ifc2_w, m->p.ifc2_b, c->N, c->F, c->E);
	free(ih);
	return 0;
}

int model_user_vectors(model *m, const int32_t *users, const int32_t *hist,
	int64_t B, float *out)
{
	const model_config *c = &m->c;
	int64_t L = c->L, chunk = 256 * (m->nworkers ? m->nworkers : 1);
	if (alloc_workers(m, m->capacity > 256 ? m->capacity : 256, m->nworkers, m->trainable))
		return -1;
	int32_t *targets = malloc((size_t)chunk * L * sizeof *targets);
	if (!targets)
		return -1;
	for (int64_t b0 = 0; b0 < B; b0 += chunk) {
		int64_t n = B - b0 < chunk ? B - b0 : chunk;
		/* the one example of a row is its last slot */
		for (int64_t i = 0; i < n * L; i++)
			targets[i] = (i % L == L - 1 && hist[b0 * L + i] >= 0) ? 0 : -1;
		int64_t per = m->capacity, done = 0;
		while (done < n) {
			int64_t part = n - done < per ? n - done : per; /* no share can exceed it */
			share_rows(m, users + b0 + done, hist + (b0 + done) * L,
				targets + done * L, NULL, part, 0, NULL);
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
	free(targets);
	return 0;
}

/* ---- the model stream ---- */

static const char *arch_name(int arch) { return arch == ARCH_SEED ? "seed" : "tt"; }

int model_write(tts_writer *w, const model *m, const prep *ids, const char *extra_meta)
{
	const model_config *c = &m->c;
	char meta[1024];
	snprintf(meta, sizeof meta,
		"kind=model\nproducer=tt-fit\narch=%s\nusers=%lld\nitems=%lld\n"
		"dim=%d\nhidden=%d\nheads=%d\nhistory=%d\nblocks=%d\n"
		"item_mlp=%d\npositions=%d\ndropout=%g\nparameters=%zu\n",
		arch_name(c->arch), (long long)c->U, (long long)c->N, c->E, c->F, c->NH,
		c->L, c->blocks, c->item_mlp, c->positions, (double)c->dropout, m->n_params);
	size_t n = strlen(meta), extra = extra_meta ? strlen(extra_meta) : 0;
	char *all = malloc(n + extra + 1);
	if (!all)
		return -1;
	memcpy(all, meta, n);
	memcpy(all + n, extra_meta ? extra_meta : "", extra + 1);
	int rc = tts_write_meta(w, all);
	free(all);
	if (rc)
		return -1;
	for (size_t i = 0; i < m->n_tensors; i++) {
		const tensor_spec *t = &m->spec[i];
		if (tts_write(w, t->name, TTS_F32, t->rank, t->dims, m->w + t->offset))
			return -1;
	}
	return ids_write(w, ids);
}

static int meta_int(const char *meta, const char *key, int64_t *v, char *err, size_t errlen)
{
	char buf[64], *end;
	if (!tts_meta_get(meta, key, buf, sizeof buf)) {
		snprintf(err, errlen, "meta: no %s=", key);
		return -1;
	}
	*v = strtoll(buf, &end, 10);
	if (end == buf || *end) {
		snprintf(err, errlen, "meta: %s=%s is not an integer", key, buf);
		return -1;
	}
	return 0;
}

int model_config_parse(const char *meta, model_config *c, char *err, size_t errlen)
{
	char buf[64];
	memset(c, 0, sizeof *c);
	if (!tts_meta_get(meta, "kind", buf, sizeof buf) || strcmp(buf, "model") != 0) {
		snprintf(err, errlen, "not a model stream (kind=%s)",
			tts_meta_get(meta, "kind", buf, sizeof buf) ? buf : "?");
		return -1;
	}
	if (!tts_meta_get(meta, "arch", buf, sizeof buf) ||
	    (strcmp(buf, "seed") && strcmp(buf, "tt"))) {
		snprintf(err, errlen, "meta: arch= must be seed or tt");
		return -1;
	}
	c->arch = strcmp(buf, "seed") == 0 ? ARCH_SEED : ARCH_TT;
	int64_t v[9];
	const char *keys[9] = { "users", "items", "dim", "hidden", "heads", "history",
		"blocks", "item_mlp", "positions" };
	for (int i = 0; i < 9; i++)
		if (meta_int(meta, keys[i], &v[i], err, errlen))
			return -1;
	for (int i = 2; i < 9; i++)
		if (v[i] < 0 || v[i] > 65536) {
			snprintf(err, errlen, "meta: %s=%lld out of range", keys[i], (long long)v[i]);
			return -1;
		}
	c->U = v[0]; c->N = v[1]; c->E = (int)v[2]; c->F = (int)v[3];
	c->NH = (int)v[4]; c->L = (int)v[5]; c->blocks = (int)v[6];
	c->item_mlp = (int)v[7]; c->positions = (int)v[8];
	if (tts_meta_get(meta, "dropout", buf, sizeof buf))
		c->dropout = strtof(buf, NULL);
	return 0;
}

int model_read(tts_reader *r, model **out, prep *ids, char **meta_out, char *err, size_t errlen)
{
	tts_header h;
	char *meta = NULL;
	model *m = NULL;
	unsigned char *loaded = NULL;
	memset(ids, 0, sizeof *ids);
	*out = NULL;
	int rc = tts_next(r, &h);
	if (rc <= 0 || strcmp(h.name, "meta") != 0 || h.dtype != TTS_TEXT) {
		snprintf(err, errlen, "%s", rc < 0 ? tts_reader_error(r) : "the stream does not start with a meta record");
		return -1;
	}
	meta = tts_read_alloc(r, &h, 1 << 20);
	model_config c;
	if (!meta) {
		snprintf(err, errlen, "record meta: %s", tts_reader_error(r));
		goto fail;
	}
	if (model_config_parse(meta, &c, err, errlen))
		goto fail;
	if (!(m = model_new(&c, err, errlen)))
		goto fail;
	ids->n_users = c.U;
	ids->n_items = c.N;
	loaded = calloc(m->n_tensors, 1);
	if (!loaded)
		goto oom;
	while ((rc = tts_next(r, &h)) == 1) {
		size_t i;
		for (i = 0; i < m->n_tensors; i++)
			if (strcmp(m->spec[i].name, h.name) == 0)
				break;
		if (i < m->n_tensors) {
			const tensor_spec *t = &m->spec[i];
			if (h.dtype != TTS_F32 || h.rank != t->rank || h.dims[0] != t->dims[0] ||
			    (t->rank > 1 && h.dims[1] != t->dims[1])) {
				snprintf(err, errlen, "weight %s: expected f32 (%llu%s%llu) for this architecture",
					t->name, (unsigned long long)t->dims[0], t->rank > 1 ? "," : "",
					t->rank > 1 ? (unsigned long long)t->dims[1] : 0ULL);
				if (t->rank == 1)
					snprintf(err, errlen, "weight %s: expected f32 (%llu) for this architecture",
						t->name, (unsigned long long)t->dims[0]);
				goto fail;
			}
			if (tts_read_data(r, m->w + t->offset, h.nbytes)) {
				snprintf(err, errlen, "%s", tts_reader_error(r));
				goto fail;
			}
			loaded[i] = 1;
		} else if ((rc = ids_read_record(r, &h, ids, err, errlen)) != 0) {
			if (rc < 0)
				goto fail;
		} else if (strncmp(h.name, "block", 5) == 0 || strstr(h.name, "_emb") ||
			   strstr(h.name, "fc") || strncmp(h.name, "lnf", 3) == 0) {
			snprintf(err, errlen, "weight %s: not part of a %s model with these options",
				h.name, arch_name(c.arch));
			goto fail;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		goto fail;
	}
	for (size_t i = 0; i < m->n_tensors; i++)
		if (!loaded[i]) {
			snprintf(err, errlen, "weight %s: missing", m->spec[i].name);
			goto fail;
		}
	if (!ids->user_ids || !ids->item_ids) {
		snprintf(err, errlen, "record %s: missing", ids->user_ids ? "item_ids" : "user_ids");
		goto fail;
	}
	free(loaded);
	*out = m;
	if (meta_out)
		*meta_out = meta;
	else
		free(meta);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(loaded);
	free(meta);
	model_free(m);
	prep_free(ids);
	return -1;
}
