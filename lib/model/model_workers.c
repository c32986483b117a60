/* model_workers.c - a training step over threads and processes: a batch's
 * rows shared out to workers, their gradients summed in a fixed order. */
#include "model_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "dist.h"
#include "prof.h"

void openblas_set_num_threads(int);

void slice(const worker *wk, size_t n, size_t *lo, size_t *hi)
{
	int W = wk->m->nworkers;
	*lo = n * wk->id / W;
	*hi = n * (wk->id + 1) / W;
}

/* The item MLP over a worker's slice of the items, in whole chunks, into
 * the shared ih and iv, each worker writing its own rows. */
static void *item_forward_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	size_t lo, hi, N = m->c.N;
	slice(wk, (N + ITEM_CHUNK - 1) / ITEM_CHUNK, &lo, &hi);
	item_forward(m, m->ih, m->iv, lo * ITEM_CHUNK, hi * ITEM_CHUNK < N ? hi * ITEM_CHUNK : N);
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


/* Backward through the item MLP over a worker's slice of the items, as
 * one of all parts' workers, from the item vectors' gradient summed over
 * them, into this worker's own gradients (summed with the others'
 * afterwards): the same sums in the same order however the workers are
 * spread over processes. */
static void *item_backward_part(void *arg)
{
	worker *wk = arg;
	model *m = wk->m;
	size_t N = m->c.N, shares = (size_t)m->nworkers * m->parts;
	size_t share = (size_t)m->nworkers * m->part + wk->id;
	item_backward(m, &wk->dp, N * share / shares, N * (share + 1) / shares);
	return NULL;
}

#define TOUCHED_AHEAD 4

/* Every array a span function reads at weight index at, for E weights. */
static void prefetch_row(const model *m, size_t at, size_t E)
{
	const float *arrays[] = { m->w, m->g, m->m1, m->m2 };
	for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
		if (arrays[k])
			for (size_t e = 0; e < E; e += 64 / sizeof(float))
				__builtin_prefetch(arrays[k] + at + e);
	for (int w = 0; w < m->nworkers; w++)
		for (size_t e = 0; e < E; e += 64 / sizeof(float))
			__builtin_prefetch(m->wk[w].g + at + e);
}

void for_each_span(model *m, worker *wk, span_fn *fn)
{
	size_t lo, hi;
	const touched_rows *tr = &m->tr;
	if (!tr->on) {
		slice(wk, m->n_params, &lo, &hi);
		fn(m, wk, lo, hi);
		return;
	}
	/* the dense parameters are those before and after the item table */
	size_t E = m->c.E, a = tr->off, b = tr->off + (size_t)m->c.N * E;
	slice(wk, m->n_params - (b - a), &lo, &hi);
	if (lo < a)
		fn(m, wk, lo, hi < a ? hi : a);
	if (hi > a)
		fn(m, wk, (lo > a ? lo : a) + (b - a), hi + (b - a));
	slice(wk, tr->n, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		/* the rows are scattered over tables larger than the caches:
		 * ask for a later row's lines while this one is worked on */
		if (i + TOUCHED_AHEAD < hi)
			prefetch_row(m, a + (size_t)tr->rows[i + TOUCHED_AHEAD] * E, E);
		fn(m, wk, a + (size_t)tr->rows[i] * E, a + ((size_t)tr->rows[i] + 1) * E);
	}
}

/* The model's gradient: the sum of the workers', in a fixed order. */
static void grad_sum_span(model *m, worker *wk, size_t lo, size_t hi)
{
	memcpy(m->g + lo, m->wk[0].g + lo, (hi - lo) * sizeof *m->g);
	for (int w = 1; w < m->nworkers; w++) {
		const float *g = m->wk[w].g;
		for (size_t i = lo; i < hi; i++)
			m->g[i] += g[i];
	}
}

static void *grad_sum_part(void *arg)
{
	worker *wk = arg;
	double prof_t0 = PROF_BEGIN();
	for_each_span(wk->m, wk, grad_sum_span);
	PROF_END(PROF_GRADSUM, prof_t0);
	return NULL;
}

/* A worker's gradient before its step: zero where the step can write. */
static void zero_grads(model *m, worker *wk)
{
	const touched_rows *tr = &m->tr;
	if (!tr->on) {
		memset(wk->g, 0, m->n_params * sizeof *wk->g);
		return;
	}
	size_t E = m->c.E, a = tr->off, b = tr->off + (size_t)m->c.N * E;
	memset(wk->g, 0, a * sizeof *wk->g);
	memset(wk->g + b, 0, (m->n_params - b) * sizeof *wk->g);
	for (int64_t i = 0; i < tr->n; i++)
		memset(wk->g + a + (size_t)tr->rows[i] * E, 0, E * sizeof *wk->g);
}

/* List the item rows a batch touches: every item in its histories and
 * targets, and the negatives.  The model's gradient stays exact: rows of
 * the last step that this one leaves are zeroed. */
static void list_touched(model *m, const batch *bt)
{
	touched_rows *tr = &m->tr;
	int32_t *t = tr->prev;
	tr->prev = tr->rows;
	tr->rows = t;
	tr->n_prev = tr->n;
	tr->n = 0;
	if (++tr->step == 0) { /* wrapped: stamps of 2^32 steps ago would match */
		memset(tr->stamp, 0, (size_t)m->c.N * sizeof *tr->stamp);
		tr->step = 1;
	}
#define TOUCH(item) do { int32_t it_ = (item); \
	if (it_ >= 0 && tr->stamp[it_] != tr->step) { \
		tr->stamp[it_] = tr->step; tr->rows[tr->n++] = it_; } } while (0)
	for (int64_t i = 0; i < bt->B * bt->L; i++) {
		TOUCH(bt->hist[i]);
		TOUCH(bt->targets[i]);
	}
	if (m->loss == LOSS_SAMPLED)
		for (int64_t j = 0; j < m->M; j++)
			TOUCH(m->neg[j]);
#undef TOUCH
	size_t E = m->c.E;
	for (int64_t i = 0; i < tr->n_prev; i++)
		if (tr->stamp[tr->prev[i]] != tr->step)
			memset(m->g + tr->off + (size_t)tr->prev[i] * E, 0, E * sizeof *m->g);
}

/* The gradient summed over the processes: with touched rows, the dense
 * parameters and the rows packed, when fewer than the whole table. */
static void sum_over_parts(model *m)
{
	touched_rows *tr = &m->tr;
	size_t E = m->c.E, NE = (size_t)m->c.N * E;
	if (!tr->on || (size_t)tr->n * E >= NE) {
		dist_sum_f32(m->g, m->n_params);
		return;
	}
	dist_sum_f32(m->g, tr->off);
	dist_sum_f32(m->g + tr->off + NE, m->n_params - tr->off - NE);
	for (int64_t i = 0; i < tr->n; i++)
		memcpy(tr->pack + i * E, m->g + tr->off + (size_t)tr->rows[i] * E, E * sizeof *m->g);
	dist_sum_f32(tr->pack, tr->n * E);
	for (int64_t i = 0; i < tr->n; i++)
		memcpy(m->g + tr->off + (size_t)tr->rows[i] * E, tr->pack + i * E, E * sizeof *m->g);
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

/* A worker's forward, loss and backward into its own gradient buffer. */
static void worker_step_timed(worker *wk);
static void *worker_step(void *arg)
{
	double prof_t0 = PROF_BEGIN();
	worker_step_timed(arg);
	PROF_END(PROF_STEP, prof_t0);
	return NULL;
}

static void worker_step_timed(worker *wk)
{
	model *m = wk->m;
	const model_config *c = &m->c;
	acts *a = &wk->a;
	zero_grads(m, wk);
	wk->loss = 0.0;
	/* without an item MLP the item vectors are the table: its gradient
	 * takes the logits' gradient directly; with one, item_backward_part
	 * sums every worker's, an empty share's too */
	float *div = (c->arch == ARCH_TT && !c->item_mlp) ? wk->dp.item_emb : a->div;
	if (div == a->div)
		memset(div, 0, (size_t)c->N * c->E * sizeof *div);
	if (wk->T == 0)
		return;
	user_forward(m, wk);
	memset(a->dz, 0, wk->T * c->E * sizeof *a->dz);
	switch (m->loss) {
	case LOSS_SOFTMAX:
		if (m->precision == PRECISION_BF16) {
			wk->loss = softmax_xent_bf16(a->dz, div, &a->bw, a->z, m->iv_now,
				a->tgt, wk->scale, wk->T, c->N, c->E);
			break;
		}
		wk->loss = softmax_xent(a->dz, div, a->logits, a->z, m->iv_now, a->tgt,
			wk->scale, wk->T, c->N, c->E, LOGIT_CHUNK);
		break;
	default: /* LOSS_SAMPLED; uniform draws' log-Q is a constant: no softmax sees it */
		if (m->precision == PRECISION_BF16) {
			wk->loss = shared_xent_bf16(a->dz, div, &a->bw, a->vn, a->dvn, a->z,
				m->iv_now, a->tgt, m->neg, m->q->cdf ? m->q->log_q : NULL,
				wk->scale, wk->T, m->M, c->E);
			break;
		}
		wk->loss = shared_xent(a->dz, div, a->logits, a->vn, a->dvn, a->z,
			m->iv_now, a->tgt, m->neg, m->q->cdf ? m->q->log_q : NULL,
			wk->scale, wk->T, m->M, c->E, SHARED_CHUNK);
	}
	user_backward(m, wk);
}

/* The threads of workers 1..n, made once for a model: a step runs its
 * workers three to five times, and making a thread costs about as much
 * as a small batch's share of a step.  A thread that finished waits for
 * the next run a little while awake (the caller's serial part between
 * two runs is short), then asleep. */
struct worker_pool {
	int workers;                /* the model's workers it was made for */
	int n;                      /* threads made: workers 1..n */
	pthread_t th[MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	_Atomic uint64_t run;       /* how many runs were started */
	_Atomic int pending;        /* threads of this run not yet done */
	_Atomic int quit;
	void *(*_Atomic fn)(void *);
};

#define POOL_SPINS 4096

static void pause_a_little(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Worker wk's thread: the pool is its model's. */
static void *pool_thread(void *arg)
{
	worker *wk = arg;
	struct worker_pool *p = wk->m->pool;
	uint64_t seen = 0;
	prof_slot = wk->id;
	for (;;) {
		for (int i = 0; i < POOL_SPINS && atomic_load(&p->run) == seen && !atomic_load(&p->quit); i++)
			pause_a_little();
		pthread_mutex_lock(&p->mu);
		while (atomic_load(&p->run) == seen && !atomic_load(&p->quit))
			pthread_cond_wait(&p->go, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (atomic_load(&p->quit))
			return NULL;
		seen = atomic_load(&p->run);
		atomic_load(&p->fn)(wk);
		if (atomic_fetch_sub(&p->pending, 1) == 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

void pool_stop(model *m)
{
	struct worker_pool *p = m->pool;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->quit, 1);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i <= p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p);
	m->pool = NULL;
}

/* Threads for workers 1..nworkers-1, as many as can be had (the others
 * run on the caller's). */
static void pool_start(model *m)
{
	struct worker_pool *p = calloc(1, sizeof *p);
	if (!p)
		return;
	p->workers = m->nworkers;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	m->pool = p; /* before the threads, which find it there */
	for (int i = 1; i < m->nworkers; i++) {
		if (pthread_create(&p->th[i], NULL, pool_thread, &m->wk[i]) != 0)
			break;
		p->n = i;
	}
}

/* Run fn on every worker, on the pool's threads, BLAS single-threaded
 * inside each (the workers are the parallelism). */
void run_workers(model *m, void *(*fn)(void *))
{
	if (m->nworkers == 1) {
		fn(&m->wk[0]);
		return;
	}
	if (m->pool && m->pool->workers != m->nworkers)
		pool_stop(m);
	if (!m->pool)
		pool_start(m);
	struct worker_pool *p = m->pool;
	int threads = p ? p->n : 0;
	/* BLAS's own threads would spin beside ours: ours are the parallelism */
	openblas_set_num_threads(1);
	if (threads) {
		atomic_store(&p->fn, fn);
		atomic_store(&p->pending, threads);
		pthread_mutex_lock(&p->mu);
		atomic_fetch_add(&p->run, 1);
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
	}
	fn(&m->wk[0]);
	for (int i = threads + 1; i < m->nworkers; i++)
		fn(&m->wk[i]); /* no thread to be had: do it here */
	double prof_t0 = PROF_BEGIN();
	if (threads) {
		for (int i = 0; i < POOL_SPINS && atomic_load(&p->pending); i++)
			pause_a_little();
		pthread_mutex_lock(&p->mu);
		while (atomic_load(&p->pending))
			pthread_cond_wait(&p->done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	PROF_END(PROF_WAIT, prof_t0);
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
 * process's workers take this part's.  rng (or NULL) seeds each share's
 * dropout. */
int64_t share_rows(model *m, const int32_t *users, const int32_t *hist,
	const int32_t *targets, int64_t B, int train, uint64_t *rng)
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

static double step_grad(model *m, const batch *bt, uint64_t *rng, int64_t *examples);
double model_step_grad(model *m, const batch *bt, uint64_t *rng, int64_t *examples)
{
	double prof_t0 = PROF_BEGIN();
	double loss = step_grad(m, bt, rng, examples);
	PROF_END(PROF_TOTAL, prof_t0);
	return loss;
}

static double step_grad(model *m, const batch *bt, uint64_t *rng, int64_t *examples)
{
	const model_config *c = &m->c;
	/* the negatives shared by the batch: drawn first, so they are the same
	 * however the rows are shared out, on every process */
	if (m->loss == LOSS_SAMPLED)
		for (int64_t j = 0; j < m->M; j++)
			m->neg[j] = sampler_draw(m->q, rng);
	features_begin(m, rng); /* before the shares, as the negatives */
	int64_t T = share_rows(m, bt->users, bt->hist, bt->targets, bt->B, 1, rng);
	*examples = T;
	if (T == 0) {
		memset(m->g, 0, m->n_params * sizeof *m->g);
		m->tr.n = 0;
		features_end(m);
		return 0.0;
	}
	if (m->tr.on)
		list_touched(m, bt);
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
		sum_over_parts(m);
		dist_sum_f64(&loss, 1);
	}
	features_backward(m);
	return loss / T;
}
