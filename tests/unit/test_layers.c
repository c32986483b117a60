/* test_layers.c - every layer of layers.h against central finite
 * differences, one layer at a time.
 *
 * The scalar is loss = sum(out * G) for a fixed random G (the losses'
 * own scalar for the loss layers), so the backward pass runs with
 * dout = G.  Each backward must also ADD into its gradients: run twice,
 * every gradient doubles. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bf16.h"
#include "layers.h"
#include "tap.h"

#define FD_STEP 1e-3
#define TOL_ABS 2e-3
#define TOL_REL 2e-2

static uint64_t test_rng = 12345;

static float uniform(float lo, float hi)
{
	return lo + (hi - lo) * (float)rng_uniform(&test_rng);
}

static float *random_array(size_t n, float lo, float hi)
{
	float *x = malloc((n ? n : 1) * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = uniform(lo, hi);
	return x;
}

static float *zeros(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

static double dot(const float *a, const float *b, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* One input of a layer and where its gradient goes. */
typedef struct {
	const char *name;
	float *x, *g;
	size_t n;
} input;

typedef struct {
	double (*loss)(void *ctx);   /* forward; the scalar at the current inputs */
	void (*backward)(void *ctx); /* adds d scalar / d input into every g */
	void *ctx;
} layer;

static void zero_grads(input *in, int nin)
{
	for (int i = 0; i < nin; i++)
		memset(in[i].g, 0, in[i].n * sizeof *in[i].g);
}

/* Central differences for every entry of every input against the
 * backward pass; then the backward again on top: gradients double. */
static void check_layer(const char *what, layer ly, input *in, int nin)
{
	zero_grads(in, nin);
	ly.loss(ly.ctx);
	ly.backward(ly.ctx);
	for (int i = 0; i < nin; i++) {
		input *p = &in[i];
		float *analytic = malloc(p->n * sizeof *analytic);
		memcpy(analytic, p->g, p->n * sizeof *analytic);
		double worst = 0.0, worst_num = 0.0, worst_ana = 0.0;
		size_t worst_at = 0;
		int bad = 0;
		for (size_t j = 0; j < p->n; j++) {
			float save = p->x[j];
			/* the steps float can represent, not the ones asked for */
			float up = (float)(save + FD_STEP), down = (float)(save - FD_STEP);
			p->x[j] = up;
			double lp = ly.loss(ly.ctx);
			p->x[j] = down;
			double lm = ly.loss(ly.ctx);
			p->x[j] = save;
			double num = (lp - lm) / ((double)up - (double)down);
			double diff = fabs(num - analytic[j]);
			if (diff > TOL_ABS + TOL_REL * fabs(num)) {
				if (bad++ < 3)
					diag("%s d%s[%zu]: numeric %.7g analytic %.7g", what,
						p->name, j, num, analytic[j]);
			}
			if (diff >= worst) {
				worst = diff;
				worst_at = j;
				worst_num = num;
				worst_ana = analytic[j];
			}
		}
		ok(bad == 0, "%s: d%s, %zu entries match finite differences "
			"(worst |diff| %.2g at [%zu]: numeric %.6g analytic %.6g)",
			what, p->name, p->n, worst, worst_at, worst_num, worst_ana);
		/* the backward adds: a second call doubles the gradient */
		ly.loss(ly.ctx);
		ly.backward(ly.ctx);
		/* relative to the tensor's largest entry: the second call adds
		 * term by term, so small sums round differently */
		double far = 0.0, big = 1e-30;
		for (size_t j = 0; j < p->n; j++)
			big = fabs(analytic[j]) > big ? fabs(analytic[j]) : big;
		for (size_t j = 0; j < p->n; j++) {
			double d = fabs(p->g[j] - 2.0 * analytic[j]) / big;
			far = d > far ? d : far;
		}
		ok(far < 1e-5, "%s: d%s accumulates (second backward doubles it, "
			"worst %.2g of its largest)", what, p->name, far);
		free(analytic);
		/* the other inputs got a second backward too: undo it */
		zero_grads(in, nin);
		ly.loss(ly.ctx);
		ly.backward(ly.ctx);
	}
}

/* ---- embedding ---- */

typedef struct {
	size_t R, E, V;
	int32_t *idx;
	float *table, *dtable, *out, *G;
} emb_ctx;

static double emb_loss(void *c)
{
	emb_ctx *x = c;
	embedding_forward(x->out, x->idx, x->table, x->R, x->E);
	return dot(x->out, x->G, x->R * x->E);
}

static void emb_backward(void *c)
{
	emb_ctx *x = c;
	embedding_backward(x->dtable, x->G, x->idx, x->R, x->E);
}

static void test_embedding(void)
{
	int32_t idx[7] = { 2, -1, 0, 2, 4, -1, 1 }; /* repeats and padding */
	emb_ctx x = { .R = 7, .E = 3, .V = 5, .idx = idx };
	x.table = random_array(x.V * x.E, -1, 1);
	x.dtable = zeros(x.V * x.E);
	x.out = zeros(x.R * x.E);
	x.G = random_array(x.R * x.E, -1, 1);
	input in[] = { { "table", x.table, x.dtable, x.V * x.E } };
	check_layer("embedding", (layer){ emb_loss, emb_backward, &x }, in, 1);
	emb_loss(&x);
	int zero = 1;
	for (size_t e = 0; e < x.E; e++)
		zero &= x.out[1 * x.E + e] == 0.0f && x.out[5 * x.E + e] == 0.0f;
	ok(zero, "embedding: index -1 gives a zero row");
	free(x.table); free(x.dtable); free(x.out); free(x.G);
}

/* ---- linear ---- */

typedef struct {
	size_t R, IC, OC;
	float *inp, *w, *b, *dinp, *dw, *db, *out, *G;
} lin_ctx;

static double lin_loss(void *c)
{
	lin_ctx *x = c;
	linear_forward(x->out, x->inp, x->w, x->b, x->R, x->IC, x->OC);
	return dot(x->out, x->G, x->R * x->OC);
}

static void lin_backward(void *c)
{
	lin_ctx *x = c;
	linear_backward(x->dinp, x->dw, x->b ? x->db : NULL, x->G, x->inp, x->w,
		x->R, x->IC, x->OC);
}

static void test_linear(int bias)
{
	lin_ctx x = { .R = 5, .IC = 6, .OC = 4 };
	x.inp = random_array(x.R * x.IC, -1, 1);
	x.w = random_array(x.OC * x.IC, -1, 1);
	x.b = bias ? random_array(x.OC, -1, 1) : NULL;
	x.dinp = zeros(x.R * x.IC);
	x.dw = zeros(x.OC * x.IC);
	x.db = zeros(x.OC);
	x.out = zeros(x.R * x.OC);
	x.G = random_array(x.R * x.OC, -1, 1);
	input in[] = {
		{ "inp", x.inp, x.dinp, x.R * x.IC },
		{ "w", x.w, x.dw, x.OC * x.IC },
		{ "b", x.b, x.db, x.OC },
	};
	check_layer(bias ? "linear with bias" : "linear without bias",
		(layer){ lin_loss, lin_backward, &x }, in, bias ? 3 : 2);
	/* stale values in out must not leak in without a bias (beta 0) */
	for (size_t i = 0; i < x.R * x.OC; i++)
		x.out[i] = NAN;
	double l = lin_loss(&x);
	ok(isfinite(l), "%s: the output is overwritten, not added to",
		bias ? "linear with bias" : "linear without bias");
	free(x.inp); free(x.w); free(x.b); free(x.dinp); free(x.dw); free(x.db);
	free(x.out); free(x.G);
}

/* ---- relu ---- */

typedef struct {
	size_t n;
	float *inp, *dinp, *out, *G;
} relu_ctx;

static double relu_loss(void *c)
{
	relu_ctx *x = c;
	relu_forward(x->out, x->inp, x->n);
	return dot(x->out, x->G, x->n);
}

static void relu_bwd(void *c)
{
	relu_ctx *x = c;
	relu_backward(x->dinp, x->G, x->out, x->n);
}

static void test_relu(void)
{
	relu_ctx x = { .n = 24 };
	x.inp = random_array(x.n, -1, 1);
	for (size_t i = 0; i < x.n; i++) /* away from the kink, beyond the step */
		if (fabsf(x.inp[i]) < 0.05f)
			x.inp[i] = x.inp[i] < 0 ? -0.05f : 0.05f;
	x.dinp = zeros(x.n);
	x.out = zeros(x.n);
	x.G = random_array(x.n, -1, 1);
	input in[] = { { "inp", x.inp, x.dinp, x.n } };
	check_layer("relu", (layer){ relu_loss, relu_bwd, &x }, in, 1);
	/* in place, as the model uses it */
	float *y = malloc(x.n * sizeof *y);
	memcpy(y, x.inp, x.n * sizeof *y);
	relu_forward(y, y, x.n);
	ok(memcmp(y, x.out, x.n * sizeof *y) == 0, "relu: in place gives the same output");
	/* the backward pass in place: relu_backward's from zero, bit for bit */
	float *d = zeros(x.n), *want = zeros(x.n);
	memcpy(d, x.G, x.n * sizeof *d);
	d[0] = -0.0f;
	relu_backward(want, d, x.out, x.n);
	relu_backward_in_place(d, x.out, x.n);
	ok(memcmp(d, want, x.n * sizeof *d) == 0, "relu_backward_in_place: relu_backward's "
		"gradient from zero, bit for bit");
	free(d); free(want);
	free(y); free(x.inp); free(x.dinp); free(x.out); free(x.G);
}

/* ---- layernorm ---- */

typedef struct {
	size_t R, E;
	float *inp, *g, *b, *dinp, *dg, *db, *out, *mean, *rstd, *G;
} ln_ctx;

static double ln_loss(void *c)
{
	ln_ctx *x = c;
	layernorm_forward(x->out, x->mean, x->rstd, x->inp, x->g, x->b, x->R, x->E);
	return dot(x->out, x->G, x->R * x->E);
}

static void ln_backward(void *c)
{
	ln_ctx *x = c;
	layernorm_backward(x->dinp, x->dg, x->db, x->G, x->inp, x->g, x->mean,
		x->rstd, x->R, x->E);
}

static void test_layernorm(void)
{
	ln_ctx x = { .R = 4, .E = 8 };
	x.inp = random_array(x.R * x.E, -2, 2);
	x.g = random_array(x.E, 0.5, 1.5);
	x.b = random_array(x.E, -0.5, 0.5);
	x.dinp = zeros(x.R * x.E);
	x.dg = zeros(x.E);
	x.db = zeros(x.E);
	x.out = zeros(x.R * x.E);
	x.mean = zeros(x.R);
	x.rstd = zeros(x.R);
	x.G = random_array(x.R * x.E, -1, 1);
	input in[] = {
		{ "inp", x.inp, x.dinp, x.R * x.E },
		{ "g", x.g, x.dg, x.E },
		{ "b", x.b, x.db, x.E },
	};
	check_layer("layernorm", (layer){ ln_loss, ln_backward, &x }, in, 3);
	free(x.inp); free(x.g); free(x.b); free(x.dinp); free(x.dg); free(x.db);
	free(x.out); free(x.mean); free(x.rstd); free(x.G);
}

/* ---- attention ---- */

typedef struct {
	size_t B, E, NH, S, L;
	int64_t *off, *att_off;
	float *q, *k, *v, *dq, *dk, *dv, *out, *att, *scratch, *G;
	float *bias, *dbias; /* (NH,L) or NULL */
} att_ctx;

static double att_loss(void *c)
{
	att_ctx *x = c;
	attention_forward(x->out, x->att, x->q, x->k, x->v, x->bias, x->off, x->att_off,
		x->B, x->E, x->NH, x->L);
	return dot(x->out, x->G, x->S * x->E);
}

static void att_backward(void *c)
{
	att_ctx *x = c;
	attention_backward(x->dq, x->dk, x->dv, x->dbias, x->G, x->att, x->q, x->k, x->v,
		x->off, x->att_off, x->scratch, x->B, x->E, x->NH, x->L);
}

/* Reference: out[s] of slot t of a row, in double, from the definition. */
static double att_reference_error(const att_ctx *x)
{
	size_t D = x->E / x->NH;
	double worst = 0.0;
	for (size_t b = 0; b < x->B; b++) {
		size_t o = x->off[b], n = x->off[b + 1] - o;
		for (size_t h = 0; h < x->NH; h++)
			for (size_t t = 0; t < n; t++) {
				double w[64], mx = -INFINITY, sum = 0.0;
				for (size_t j = 0; j <= t; j++) {
					double e = 0.0;
					for (size_t d = 0; d < D; d++)
						e += (double)x->q[(o + t) * x->E + h * D + d] *
							x->k[(o + j) * x->E + h * D + d];
					w[j] = e / sqrt((double)D) +
						(x->bias ? x->bias[h * x->L + t - j] : 0.0);
					mx = w[j] > mx ? w[j] : mx;
				}
				for (size_t j = 0; j <= t; j++)
					sum += w[j] = exp(w[j] - mx);
				for (size_t d = 0; d < D; d++) {
					double y = 0.0;
					for (size_t j = 0; j <= t; j++)
						y += w[j] / sum * x->v[(o + j) * x->E + h * D + d];
					double diff = fabs(y - x->out[(o + t) * x->E + h * D + d]);
					worst = diff > worst ? diff : worst;
				}
			}
	}
	return worst;
}

/* with_bias: a relative position bias (NH,L) of its own gradient; the
 * query-only attention of inference then agrees with the last slots. */
static void test_attention(int with_bias)
{
	/* rows of a batch with L = 5 slots, stored without padding: row 0 is
	 * full, rows 1 and 3 are left-padded (start 3 and 1), row 2 is all
	 * padding (no slots), row 4 has one item */
	enum { L = 5 };
	int64_t start[] = { 0, 3, L, 1, 4 };
	att_ctx x = { .B = 5, .E = 6, .NH = 2, .L = L };
	int64_t off[6], att_off[6];
	off[0] = att_off[0] = 0;
	for (size_t b = 0; b < x.B; b++) {
		int64_t n = L - start[b];
		off[b + 1] = off[b] + n;
		att_off[b + 1] = att_off[b] + (int64_t)x.NH * n * n;
	}
	x.off = off;
	x.att_off = att_off;
	x.S = off[x.B];
	size_t SE = x.S * x.E;
	x.q = random_array(SE, -1.5, 1.5);
	x.k = random_array(SE, -1.5, 1.5);
	x.v = random_array(SE, -1, 1);
	x.dq = zeros(SE);
	x.dk = zeros(SE);
	x.dv = zeros(SE);
	x.out = zeros(SE);
	x.att = zeros(att_off[x.B]);
	x.scratch = zeros(L * L);
	x.G = random_array(SE, -1, 1);
	if (with_bias) {
		x.bias = random_array(x.NH * L, -1, 1);
		x.dbias = zeros(x.NH * L);
	}
	input in[] = {
		{ "q", x.q, x.dq, SE },
		{ "k", x.k, x.dk, SE },
		{ "v", x.v, x.dv, SE },
		{ "bias", x.bias, x.dbias, x.NH * L },
	};
	att_loss(&x);
	double ref = att_reference_error(&x);
	ok(ref < 1e-5, "attention%s: forward matches a double-precision causal "
		"softmax(q k^T / sqrt(D)%s) v (worst %.2g)", with_bias ? " with bias" : "",
		with_bias ? " + bias[t-j]" : "", ref);
	check_layer(with_bias ? "attention with a relative position bias" :
		"attention (padded and empty rows)",
		(layer){ att_loss, att_backward, &x }, in, with_bias ? 4 : 3);
	/* inference: each non-empty row's last slot as the only query */
	float *qo = zeros(x.B * x.E), *qq = zeros(x.B * x.E), *w = zeros(L);
	int32_t rows[5];
	int64_t first[5];
	size_t T = 0;
	for (size_t b = 0; b < x.B; b++)
		if (off[b + 1] > off[b]) {
			rows[T] = (int32_t)(off[b + 1] - 1);
			first[T] = off[b];
			memcpy(qq + T * x.E, x.q + rows[T] * x.E, x.E * sizeof *qq);
			T++;
		}
	attention_query_forward(qo, w, qq, x.k, x.v, x.bias, rows, first, T, x.E, x.NH, L);
	double far = 0.0;
	for (size_t i = 0; i < T; i++)
		for (size_t e = 0; e < x.E; e++)
			far = fmax(far, fabs(qo[i * x.E + e] - x.out[rows[i] * x.E + e]));
	ok(far < 1e-6, "attention%s: the query-only form gives the last slots' output "
		"(worst %.2g)", with_bias ? " with bias" : "", far);
	free(qo); free(qq); free(w);
	free(x.q); free(x.k); free(x.v); free(x.dq); free(x.dk); free(x.dv);
	free(x.out); free(x.att); free(x.scratch); free(x.G); free(x.bias); free(x.dbias);
}

/* ---- dropout ---- */

typedef struct {
	size_t n;
	float p;
	uint64_t seed;
	uint8_t *mask;
	float *inp, *dinp, *out, *G;
} drop_ctx;

static double drop_loss(void *c)
{
	drop_ctx *x = c;
	uint64_t rng = x->seed; /* the same mask every time */
	dropout_forward(x->out, x->mask, x->inp, x->p, &rng, x->n);
	return dot(x->out, x->G, x->n);
}

static void drop_backward(void *c)
{
	drop_ctx *x = c;
	dropout_backward(x->dinp, x->G, x->mask, x->p, x->n);
}

static void test_dropout(float p)
{
	char what[64];
	drop_ctx x = { .n = 41, .p = p, .seed = 777 }; /* odd: the last pair is half */
	x.mask = calloc(x.n, 1);
	x.inp = random_array(x.n, -1, 1);
	x.dinp = zeros(x.n);
	x.out = zeros(x.n);
	x.G = random_array(x.n, -1, 1);
	input in[] = { { "inp", x.inp, x.dinp, x.n } };
	snprintf(what, sizeof what, "dropout p=%g", (double)p);
	check_layer(what, (layer){ drop_loss, drop_backward, &x }, in, 1);
	drop_loss(&x);
	size_t kept = 0;
	int right = 1;
	for (size_t i = 0; i < x.n; i++) {
		kept += x.mask[i];
		float want = x.mask[i] ? x.inp[i] / (1.0f - p) : 0.0f;
		right &= fabsf(x.out[i] - want) <= 1e-6f * fabsf(want);
	}
	ok(right && (p > 0 ? kept > 0 && kept < x.n : kept == x.n),
		"%s: kept %zu of %zu, scaled by 1/(1-p)", what, kept, x.n);
	free(x.mask); free(x.inp); free(x.dinp); free(x.out); free(x.G);
}

/* ---- softmax cross-entropy over all items ---- */

typedef struct {
	size_t R, N, E, chunk;
	float scale;
	int32_t *target;
	float *z, *v, *dz, *dv, *logits;
} xent_ctx;

static double xent_loss(void *c)
{
	xent_ctx *x = c;
	return x->scale * softmax_xent(NULL, NULL, x->logits, x->z, x->v, x->target,
		x->scale, x->R, x->N, x->E, x->chunk);
}

static void xent_backward(void *c)
{
	xent_ctx *x = c;
	softmax_xent(x->dz, x->dv, x->logits, x->z, x->v, x->target, x->scale,
		x->R, x->N, x->E, x->chunk);
}

/* The summed loss in double precision, from the definition. */
static double xent_reference(const xent_ctx *x)
{
	double total = 0.0;
	double *l = malloc(x->N * sizeof *l);
	for (size_t r = 0; r < x->R; r++) {
		if (x->target[r] < 0)
			continue;
		double mx = -INFINITY, sum = 0.0;
		for (size_t i = 0; i < x->N; i++) {
			l[i] = 0.0;
			for (size_t e = 0; e < x->E; e++)
				l[i] += (double)x->z[r * x->E + e] * x->v[i * x->E + e];
			mx = l[i] > mx ? l[i] : mx;
		}
		for (size_t i = 0; i < x->N; i++)
			sum += exp(l[i] - mx);
		total += mx + log(sum) - l[x->target[r]];
	}
	free(l);
	return total;
}

static void xent_alloc(xent_ctx *x, float zr, float vr)
{
	x->target = malloc(x->R * sizeof *x->target);
	for (size_t r = 0; r < x->R; r++)
		x->target[r] = (int32_t)(rng_next(&test_rng) % x->N);
	x->z = random_array(x->R * x->E, -zr, zr);
	x->v = random_array(x->N * x->E, -vr, vr);
	x->dz = zeros(x->R * x->E);
	x->dv = zeros(x->N * x->E);
	x->logits = zeros(x->chunk * x->N);
}

static void xent_free(xent_ctx *x)
{
	free(x->target); free(x->z); free(x->v); free(x->dz); free(x->dv);
	free(x->logits);
}

static void test_softmax_xent(void)
{
	/* 7 rows in chunks of 3: three chunks, the last one short */
	xent_ctx x = { .R = 7, .N = 9, .E = 4, .chunk = 3, .scale = 0.5f };
	xent_alloc(&x, 1, 1);
	x.target[2] = -1; /* a row without an example */
	input in[] = {
		{ "z", x.z, x.dz, x.R * x.E },
		{ "v", x.v, x.dv, x.N * x.E },
	};
	check_layer("softmax_xent (chunk 3 of 7 rows, a target -1)",
		(layer){ xent_loss, xent_backward, &x }, in, 2);
	zero_grads(in, 2);
	xent_backward(&x);
	int quiet = 1;
	for (size_t e = 0; e < x.E; e++)
		quiet &= x.dz[2 * x.E + e] == 0.0f;
	ok(quiet, "softmax_xent: the row with target -1 gets no gradient");
	double got = softmax_xent(NULL, NULL, x.logits, x.z, x.v, x.target, 1.0f,
		x.R, x.N, x.E, x.chunk);
	double want = xent_reference(&x);
	ok(fabs(got - want) <= 1e-5 * fabs(want),
		"softmax_xent: loss %.9g, double reference %.9g", got, want);
	xent_free(&x);

	/* many items, logits spread wide: the exp approximation over its range */
	xent_ctx w = { .R = 40, .N = 3000, .E = 16, .chunk = 16, .scale = 1.0f };
	xent_alloc(&w, 2, 2);
	w.target[5] = -1;
	got = softmax_xent(NULL, NULL, w.logits, w.z, w.v, w.target, 1.0f,
		w.R, w.N, w.E, w.chunk);
	want = xent_reference(&w);
	ok(fabs(got - want) <= 1e-5 * fabs(want),
		"softmax_xent: loss over %zu items %.9g, double reference %.9g "
		"(relative %.2g)", w.N, got, want, fabs(got - want) / fabs(want));
	xent_free(&w);

	/* the probabilities themselves: with v the identity, logits = z and
	 * dz = softmax(z) - onehot(target) */
	enum { P = 64 };
	xent_ctx id = { .R = 4, .N = P, .E = P, .chunk = 4, .scale = 1.0f };
	xent_alloc(&id, 1, 1);
	memset(id.v, 0, P * P * sizeof *id.v);
	for (size_t i = 0; i < P; i++)
		id.v[i * P + i] = 1.0f;
	for (size_t r = 0; r < id.R; r++) /* logits from -100 to +30 */
		for (size_t i = 0; i < P; i++)
			id.z[r * P + i] = uniform(-100.0f, 30.0f) / (float)(r + 1);
	softmax_xent(id.dz, NULL, id.logits, id.z, id.v, id.target, 1.0f,
		id.R, id.N, id.E, id.chunk);
	double worst_rel = 0.0, worst_abs = 0.0;
	for (size_t r = 0; r < id.R; r++) {
		const float *zr = id.z + r * P;
		double mx = -INFINITY, sum = 0.0;
		for (size_t i = 0; i < P; i++)
			mx = zr[i] > mx ? zr[i] : mx;
		for (size_t i = 0; i < P; i++)
			sum += exp(zr[i] - mx);
		for (size_t i = 0; i < P; i++) {
			double p = exp(zr[i] - mx) / sum;
			double got_p = id.dz[r * P + i] + ((int32_t)i == id.target[r]);
			double a = fabs(got_p - p);
			worst_abs = a > worst_abs ? a : worst_abs;
			/* relative error where float can hold it: not at the
			 * target, whose p - 1 rounds away small p; not below
			 * e^-46, where the clamp of exp at e^-87 may show */
			if ((int32_t)i != id.target[r] && p > 1e-20 && a / p > worst_rel)
				worst_rel = a / p;
		}
	}
	ok(worst_rel < 1e-5 && worst_abs < 1e-6,
		"softmax_xent: probabilities against double exp (worst relative %.2g "
		"for p > 1e-20, worst absolute %.2g)", worst_rel, worst_abs);
	xent_free(&id);
}

/* ---- sampled softmax, negatives shared by the batch ---- */

typedef struct {
	size_t T, N, E, M, chunk;
	float scale;
	const float *log_q;
	int32_t *target, *neg;
	float *z, *v, *dz, *dv, *logits, *vn, *dvn, *trash_z, *trash_v;
} shr_ctx;

static double shr_loss(void *c)
{
	shr_ctx *x = c;
	return x->scale * shared_xent(x->trash_z, x->trash_v, x->logits, x->vn, x->dvn,
		x->z, x->v, x->target, x->neg, x->log_q, x->scale, x->T, x->M, x->E, x->chunk);
}

static void shr_backward(void *c)
{
	shr_ctx *x = c;
	shared_xent(x->dz, x->dv, x->logits, x->vn, x->dvn, x->z, x->v, x->target,
		x->neg, x->log_q, x->scale, x->T, x->M, x->E, x->chunk);
}

static void test_shared(int with_log_q)
{
	char what[80];
	shr_ctx x = { .T = 7, .N = 9, .E = 4, .M = 5, .chunk = 3, .scale = 0.6f };
	float log_q[9];
	for (size_t i = 0; i < x.N; i++)
		log_q[i] = -1.5f - 0.25f * (float)i;
	x.log_q = with_log_q ? log_q : NULL;
	int32_t target[7] = { 0, 3, 5, 3, 1, 8, 2 };
	int32_t neg[5] = { 3, 7, 7, 0, 6 }; /* hits of rows 0, 1, 3; 7 twice */
	x.target = target;
	x.neg = neg;
	x.z = random_array(x.T * x.E, -1, 1);
	x.v = random_array(x.N * x.E, -1, 1);
	x.dz = zeros(x.T * x.E);
	x.dv = zeros(x.N * x.E);
	x.trash_z = zeros(x.T * x.E);
	x.trash_v = zeros(x.N * x.E);
	x.logits = zeros(x.chunk * x.M);
	x.vn = zeros(x.M * x.E);
	x.dvn = zeros(x.M * x.E);
	input in[] = {
		{ "z", x.z, x.dz, x.T * x.E },
		{ "v", x.v, x.dv, x.N * x.E },
	};
	snprintf(what, sizeof what, "shared_xent%s (chunk 3 of 7)",
		with_log_q ? " with log-Q" : "");
	check_layer(what, (layer){ shr_loss, shr_backward, &x }, in, 2);
	free(x.z); free(x.v); free(x.dz); free(x.dv); free(x.trash_z);
	free(x.trash_v); free(x.logits); free(x.vn); free(x.dvn);
}

/* ---- the logits in bf16 (softmax_xent_bf16, shared_xent_bf16) ----
 * Their float versions are checked above against finite differences; a
 * bf16 version must give the same loss and gradients to bf16's precision
 * (operands rounded to 8 bits of mantissa: about 0.4% each, less once
 * summed). */

static double rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0.0, m = 0.0;
	for (size_t i = 0; i < n; i++) {
		d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
		m += (double)b[i] * b[i];
	}
	return sqrt(d / (m > 0 ? m : 1));
}

static void test_bf16_xent(size_t R, size_t N, size_t E, int sampled)
{
	size_t M = sampled ? N / 2 + 1 : N;
	float *z = random_array(R * E, -1, 1), *v = random_array(N * E, -1, 1);
	float *dz = zeros(R * E), *dv = zeros(N * E), *dz16 = zeros(R * E), *dv16 = zeros(N * E);
	float *logits = zeros((sampled ? SHARED_CHUNK : R) * M);
	float *vn = zeros(M * E), *dvn = zeros(M * E), log_q[512];
	int32_t *target = malloc(R * sizeof *target), neg[512];
	for (size_t r = 0; r < R; r++)
		target[r] = (int32_t)(rng_next(&test_rng) % N);
	if (!sampled) /* a row without an example */
		target[R / 2] = -1;
	for (size_t j = 0; j < M; j++)
		neg[j] = (int32_t)(rng_next(&test_rng) % N);
	neg[0] = target[0]; /* an accidental hit */
	for (size_t i = 0; i < N; i++)
		log_q[i] = -1.0f - 0.01f * (float)i;
	bf16_work w;
	void *mem = malloc(bf16_work_bytes(M, E));
	bf16_work_point(&w, mem, M, E);
	double want, got;
	if (sampled) {
		want = shared_xent(dz, dv, logits, vn, dvn, z, v, target, neg, log_q, 0.5f,
			R, M, E, SHARED_CHUNK);
		got = shared_xent_bf16(dz16, dv16, &w, vn, dvn, z, v, target, neg, log_q, 0.5f,
			R, M, E);
	} else {
		want = softmax_xent(dz, dv, logits, z, v, target, 0.5f, R, N, E, R);
		got = softmax_xent_bf16(dz16, dv16, &w, z, v, target, 0.5f, R, N, E);
	}
	double ez = rel_diff(dz16, dz, R * E), ev = rel_diff(dv16, dv, N * E);
	ok(fabs(got - want) < 2e-3 * fabs(want) && ez < 1e-2 && ev < 1e-2,
		"%s (%zu rows, %zu %s, E %zu): loss %.6g against float's %.6g, gradients "
		"%.2g and %.2g apart", sampled ? "shared_xent_bf16" : "softmax_xent_bf16", R, M,
		sampled ? "negatives" : "items", E, got, want, ez, ev);
	if (!sampled) {
		int quiet = 1;
		for (size_t e = 0; e < E; e++)
			quiet &= dz16[R / 2 * E + e] == 0.0f;
		ok(quiet, "softmax_xent_bf16: the row with target -1 gets no gradient");
		/* the loss alone, no gradient asked */
		double alone = softmax_xent_bf16(NULL, NULL, &w, z, v, target, 0.5f, R, N, E);
		ok(alone == got, "softmax_xent_bf16 without gradients: the same loss");
	}
	free(z), free(v), free(dz), free(dv), free(dz16), free(dv16), free(logits);
	free(vn), free(dvn), free(target), free(mem);
}

int main(void)
{
	test_embedding();
	test_linear(1);
	test_linear(0);
	test_relu();
	test_layernorm();
	test_attention(0);
	test_attention(1);
	test_dropout(0.3f);
	test_dropout(0.0f);
	test_softmax_xent();
	test_shared(1);
	test_shared(0);
	if (!bf16_supported()) {
		ok(1, "# SKIP this CPU has no AVX-512 BF16: the bf16 logits are not used");
		return done();
	}
	test_bf16_xent(7, 9, 4, 0);       /* a row tile, short */
	test_bf16_xent(300, 217, 70, 0);  /* chunks of rows, partial panels */
	test_bf16_xent(301, 300, 64, 1);
	test_bf16_xent(5, 40, 20, 1);
	return done();
}
