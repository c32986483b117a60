/* layers.c - forward/backward pairs of the model's layers (see layers.h). */
#include "layers.h"
#include "bf16.h"
#include "prof.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Loops compiled assuming no float operation traps (-fno-trapping-math,
 * which changes no result): GCC then computes both sides of a select
 * and vectorises, where otherwise it branches element by element around
 * any float operation under a condition. */
#define NO_TRAPS __attribute__((optimize("no-trapping-math")))

void embedding_forward(float *out, const int32_t *idx, const float *table,
	size_t R, size_t E)
{
	for (size_t r = 0; r < R; r++) {
		if (idx[r] < 0)
			memset(out + r * E, 0, E * sizeof *out);
		else
			memcpy(out + r * E, table + (size_t)idx[r] * E, E * sizeof *out);
	}
}

void embedding_backward(float *dtable, const float *dout, const int32_t *idx,
	size_t R, size_t E)
{
	for (size_t r = 0; r < R; r++) {
		if (idx[r] < 0)
			continue;
		float *row = dtable + (size_t)idx[r] * E;
		const float *g = dout + r * E;
		for (size_t e = 0; e < E; e++)
			row[e] += g[e];
	}
}

void linear_forward(float *out, const float *inp, const float *w, const float *b,
	size_t R, size_t IC, size_t OC)
{
	if (R == 0)
		return;
	double prof_t0 = PROF_BEGIN();
	float beta = 0.0f;
	if (b) {
		for (size_t r = 0; r < R; r++)
			memcpy(out + r * OC, b, OC * sizeof *out);
		beta = 1.0f;
	}
	/* out (R,OC) = inp (R,IC) . w^T, w stored (OC,IC) row-major */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, OC, IC,
		1.0f, inp, IC, w, IC, beta, out, OC);
	PROF_END(IC == OC ? PROF_QKVO : PROF_FF, prof_t0);
}

void linear_backward(float *dinp, float *dw, float *db, const float *dout,
	const float *inp, const float *w, size_t R, size_t IC, size_t OC)
{
	if (R == 0)
		return;
	double prof_t0 = PROF_BEGIN();
	if (dinp) /* dinp (R,IC) += dout (R,OC) . w (OC,IC) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, IC, OC,
			1.0f, dout, OC, w, IC, 1.0f, dinp, IC);
	if (dw) /* dw (OC,IC) += dout^T (OC,R) . inp (R,IC) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, R,
			1.0f, dout, OC, inp, IC, 1.0f, dw, IC);
	if (db)
		for (size_t r = 0; r < R; r++)
			for (size_t o = 0; o < OC; o++)
				db[o] += dout[r * OC + o];
	PROF_END(IC == OC ? PROF_QKVO : PROF_FF, prof_t0);
}

void relu_forward(float *out, const float *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = inp[i] > 0.0f ? inp[i] : 0.0f; /* a select, not a branch or a libm call */
}

void relu_backward(float *dinp, const float *dout, const float *out, size_t n)
{
	/* a select, the signs being random; dout read always, so that the
	 * compiler need not branch around the read */
	for (size_t i = 0; i < n; i++) {
		float d = dout[i];
		dinp[i] += out[i] > 0.0f ? d : 0.0f;
	}
}

NO_TRAPS void relu_backward_in_place(float *d, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = out[i] > 0.0f ? 0.0f + d[i] : 0.0f;
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
	const float *g, const float *b, size_t R, size_t E)
{
	const float eps = 1e-5f;
	for (size_t r = 0; r < R; r++) {
		const float *x = inp + r * E;
		float m = 0.0f, var = 0.0f;
		for (size_t e = 0; e < E; e++)
			m += x[e];
		m /= E;
		for (size_t e = 0; e < E; e++)
			var += (x[e] - m) * (x[e] - m);
		var /= E;
		float s = 1.0f / sqrtf(var + eps);
		float *y = out + r * E;
		for (size_t e = 0; e < E; e++)
			y[e] = (x[e] - m) * s * g[e] + b[e];
		mean[r] = m;
		rstd[r] = s;
	}
}

void layernorm_backward(float *dinp, float *dg, float *db, const float *dout,
	const float *inp, const float *g, const float *mean, const float *rstd,
	size_t R, size_t E)
{
	for (size_t r = 0; r < R; r++) {
		const float *dy = dout + r * E, *x = inp + r * E;
		float m = mean[r], s = rstd[r];
		float dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
		for (size_t e = 0; e < E; e++) {
			float norm = (x[e] - m) * s;
			float dnorm = g[e] * dy[e];
			dnorm_mean += dnorm;
			dnorm_norm_mean += dnorm * norm;
		}
		dnorm_mean /= E;
		dnorm_norm_mean /= E;
		float *dx = dinp + r * E;
		for (size_t e = 0; e < E; e++) {
			float norm = (x[e] - m) * s;
			float dnorm = g[e] * dy[e];
			if (db)
				db[e] += dy[e];
			if (dg)
				dg[e] += norm * dy[e];
			dx[e] += (dnorm - dnorm_mean - norm * dnorm_norm_mean) * s;
		}
	}
}

void attention_forward(float *out, float *att, const float *q, const float *k,
	const float *v, const float *bias, const int64_t *off, const int64_t *att_off,
	size_t B, size_t E, size_t NH, size_t L)
{
	double prof_t0 = PROF_BEGIN();
	size_t D = E / NH;
	float scale = 1.0f / sqrtf((float)D);
	for (size_t b = 0; b < B; b++) {
		size_t n = off[b + 1] - off[b], base = off[b] * E;
		for (size_t h = 0; h < NH && n; h++) {
			float *P = att + att_off[b] + h * n * n; /* (n,n) */
			/* P = scale * Q K^T; Q, K (n,D) with leading dimension E */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, D,
				scale, q + base + h * D, E, k + base + h * D, E, 0.0f, P, n);
			for (size_t t = 0; t < n; t++) {
				float *row = P + t * n;
				if (bias) /* + bias[h][t-j]: key j is t-j slots back */
					for (size_t j = 0; j <= t; j++)
						row[j] += bias[h * L + t - j];
				float mx = row[0], sum = 0.0f;
				for (size_t j = 1; j <= t; j++)
					mx = row[j] > mx ? row[j] : mx;
				for (size_t j = 0; j <= t; j++) {
					row[j] = expf(row[j] - mx);
					sum += row[j];
				}
				float inv = 1.0f / sum;
				for (size_t j = 0; j <= t; j++)
					row[j] *= inv;
				for (size_t j = t + 1; j < n; j++)
					row[j] = 0.0f;
			}
			/* O (n,D) = P (n,n) . V (n,D) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, D, n,
				1.0f, P, n, v + base + h * D, E, 0.0f, out + base + h * D, E);
		}
	}
	PROF_END(PROF_ATTENTION, prof_t0);
}

void attention_backward(float *dq, float *dk, float *dv, float *dbias, const float *dout,
	const float *att, const float *q, const float *k, const float *v,
	const int64_t *off, const int64_t *att_off, float *scratch, size_t B,
	size_t E, size_t NH, size_t L)
{
	double prof_t0 = PROF_BEGIN();
	size_t D = E / NH;
	float scale = 1.0f / sqrtf((float)D);
	for (size_t b = 0; b < B; b++) {
		size_t n = off[b + 1] - off[b], base = off[b] * E;
		for (size_t h = 0; h < NH && n; h++) {
			size_t o = base + h * D;
			const float *P = att + att_off[b] + h * n * n;
			float *dP = scratch; /* (n,n) */
			/* dP = dO (n,D) . V^T */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, D,
				1.0f, dout + o, E, v + o, E, 0.0f, dP, n);
			/* dV (n,D) += P^T . dO */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, D, n,
				1.0f, P, n, dout + o, E, 1.0f, dv + o, E);
			/* softmax backward, row by row: dS = P * (dP - <P, dP>) */
			for (size_t t = 0; t < n; t++) {
				const float *p = P + t * n;
				float *d = dP + t * n, dot = 0.0f;
				for (size_t j = 0; j <= t; j++)
					dot += p[j] * d[j];
				for (size_t j = 0; j <= t; j++)
					d[j] = p[j] * (d[j] - dot);
				for (size_t j = t + 1; j < n; j++)
					d[j] = 0.0f;
				if (dbias) /* S[t][j] holds bias[h][t-j] once */
					for (size_t j = 0; j <= t; j++)
						dbias[h * L + t - j] += d[j];
			}
			/* dQ += scale dS . K; dK += scale dS^T . Q */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, D, n,
				scale, dP, n, k + o, E, 1.0f, dq + o, E);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, D, n,
				scale, dP, n, q + o, E, 1.0f, dk + o, E);
		}
	}
	PROF_END(PROF_ATTENTION, prof_t0);
}

void attention_query_forward(float *out, float *scratch, const float *q, const float *k,
	const float *v, const float *bias, const int32_t *rows, const int64_t *first,
	size_t T, size_t E, size_t NH, size_t L)
{
	size_t D = E / NH;
	float scale = 1.0f / sqrtf((float)D), *w = scratch;
	for (size_t i = 0; i < T; i++) {
		size_t n = (size_t)rows[i] - first[i] + 1;
		const float *kb = k + first[i] * E, *vb = v + first[i] * E;
		float *o = out + i * E;
		memset(o, 0, E * sizeof *o);
		for (size_t h = 0; h < NH; h++) {
			const float *qh = q + i * E + h * D;
			float mx = -INFINITY, sum = 0.0f;
			for (size_t j = 0; j < n; j++) {
				float s = 0.0f;
				for (size_t d = 0; d < D; d++)
					s += qh[d] * kb[j * E + h * D + d];
				w[j] = s * scale;
				if (bias) /* the query is slot n-1: key j is n-1-j back */
					w[j] += bias[h * L + n - 1 - j];
				mx = w[j] > mx ? w[j] : mx;
			}
			for (size_t j = 0; j < n; j++) {
				w[j] = expf(w[j] - mx);
				sum += w[j];
			}
			for (size_t j = 0; j < n; j++) {
				float p = w[j] / sum;
				for (size_t d = 0; d < D; d++)
					o[h * D + d] += p * vb[j * E + h * D + d];
			}
		}
	}
}

void dropout_forward(float *out, uint8_t *mask, const float *inp, float p,
	uint64_t *rng, size_t n)
{
	if (p <= 0.0f) {
		if (out != inp)
			memcpy(out, inp, n * sizeof *out);
		memset(mask, 1, n);
		return;
	}
	float keep = 1.0f / (1.0f - p);
	uint32_t threshold = (uint32_t)(p * 4294967296.0);
	for (size_t i = 0; i < n; i += 2) {
		uint64_t r = rng_next(rng);
		for (size_t j = i; j < i + 2 && j < n; j++, r >>= 32) {
			mask[j] = (uint32_t)r >= threshold;
			out[j] = mask[j] ? inp[j] * keep : 0.0f;
		}
	}
}

NO_TRAPS void dropout_backward(float *dinp, const float *dout, const uint8_t *mask,
	float p, size_t n)
{
	float keep = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
	for (size_t i = 0; i < n; i++) { /* a select, as relu_backward's */
		float d = dout[i] * keep, x = dinp[i];
		dinp[i] = mask[i] ? x + d : x;
	}
}

/* exp(x) for x <= 0 in softmax: a polynomial the compiler vectorises;
 * relative error about 2e-7, exact enough for float training.  (The
 * softmaxes are NO_TRAPS: otherwise GCC keeps the NaN test below as a
 * branch and floorf as a call, and leaves the loops around exp_neg
 * scalar; they were a third of a training step.) */
NO_TRAPS static inline float exp_neg(float x)
{
	if (x < -87.0f)
		x = -87.0f;
	float t = x * 1.44269504f; /* log2(e) */
	float fi = floorf(t), f = t - fi;
	float p = 1.8775767e-3f;
	p = p * f + 8.9893397e-3f;
	p = p * f + 5.5826318e-2f;
	p = p * f + 2.4015361e-1f;
	p = p * f + 6.9315308e-1f;
	p = p * f + 9.9999994e-1f;
	/* a NaN stays NaN through p; its exponent must not be converted */
	int32_t e = fi == fi ? (int32_t)fi : 0;
	uint32_t bits = (uint32_t)(e + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* Reductions in 8 independent lanes, so the compiler can vectorise them
 * without reassociating floats on its own. */
NO_TRAPS static inline float max8(const float *x, size_t n)
{
	float m[8];
	size_t i = 0;
	for (int l = 0; l < 8; l++)
		m[l] = x[0];
	for (; i + 8 <= n; i += 8)
		for (int l = 0; l < 8; l++)
			m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
	for (; i < n; i++)
		m[0] = x[i] > m[0] ? x[i] : m[0];
	for (int l = 1; l < 8; l++)
		m[0] = m[l] > m[0] ? m[l] : m[0];
	return m[0];
}

NO_TRAPS static inline float sum8(const float *x, size_t n)
{
	float s[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int l = 0; l < 8; l++)
			s[l] += x[i + l];
	for (; i < n; i++)
		s[0] += x[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

__attribute__((target_clones("avx2", "default"))) NO_TRAPS
static double softmax_rows(float *logits, const int32_t *target, float scale,
	size_t c, size_t N)
{
	double loss = 0.0;
	for (size_t r = 0; r < c; r++) {
		float *row = logits + r * N;
		if (target[r] < 0) {
			memset(row, 0, N * sizeof *row);
			continue;
		}
		float mx = max8(row, N);
		for (size_t i = 0; i < N; i++)
			row[i] = exp_neg(row[i] - mx);
		float sum = sum8(row, N);
		double p_target = row[target[r]] / sum;
		/* a NaN must reach the caller, not hide behind the floor */
		loss += isnan(p_target) ? p_target : -log(p_target > 1e-30 ? p_target : 1e-30);
		float inv = scale / sum;
		for (size_t i = 0; i < N; i++)
			row[i] *= inv;
		row[target[r]] -= scale;
	}
	return loss;
}

double softmax_xent(float *dz, float *dv, float *logits, const float *z,
	const float *v, const int32_t *target, float scale, size_t R, size_t N,
	size_t E, size_t chunk)
{
	double prof_t0 = PROF_BEGIN();
	double loss = 0.0;
	for (size_t r0 = 0; r0 < R; r0 += chunk) {
		size_t c = R - r0 < chunk ? R - r0 : chunk;
		const float *zc = z + r0 * E;
		/* logits (c,N) = z (c,E) . v^T, v (N,E) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, N, E,
			1.0f, zc, E, v, E, 0.0f, logits, N);
		/* rows become scale * (softmax - onehot): the logits' gradient */
		loss += softmax_rows(logits, target + r0, scale, c, N);
		if (dz) /* dz (c,E) += G (c,N) . v (N,E) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c, E, N,
				1.0f, logits, N, v, E, 1.0f, dz + r0 * E, E);
		if (dv) /* dv (N,E) += G^T (N,c) . z (c,E) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, E, c,
				1.0f, logits, N, zc, E, 1.0f, dv, E);
	}
	PROF_END(PROF_LOGITS, prof_t0);
	return loss;
}

/* Lays out (or, at NULL, measures) w's buffers: a cache line each. */
static size_t bf16_layout(bf16_work *w, char *mem, size_t n, size_t E)
{
	size_t kn = bf16_pairs(n), ke = bf16_pairs(E), kc = bf16_pairs(BF16_CHUNK), used = 0;
#define PART(p, count) (used = (used + 63) & ~(size_t)63, \
	(p) = mem ? (void *)(mem + used) : NULL, used += (count) * sizeof *(p))
	PART(w->vp, bf16_panels(n) * BF16_PANEL * ke);
	PART(w->vq, bf16_panels(E) * BF16_PANEL * kn);
	PART(w->zr, BF16_CHUNK * ke);
	PART(w->zt, E * kc);
	PART(w->gr, BF16_CHUNK * kn);
	PART(w->gp, bf16_panels(n) * BF16_PANEL * kc);
	PART(w->rows, BF16_ROWS * n);
	PART(w->dvt, E * n);
#undef PART
	return used;
}

size_t bf16_work_bytes(size_t n, size_t E)
{
	bf16_work w;
	return bf16_layout(&w, NULL, n, E);
}

void bf16_work_point(bf16_work *w, void *mem, size_t n, size_t E)
{
	bf16_layout(w, mem, n, E);
}

/* The bf16 products' steps, shared by softmax_xent_bf16 and
 * shared_xent_bf16: v packed once a call; a chunk of z packed; its
 * logits made BF16_ROWS rows at a time, and their gradient packed while
 * in cache; the chunk's products into dz and dv^T; dv^T added to dv. */
static void bf16_begin(bf16_work *w, const float *v, size_t N, size_t E, int dz, int dv)
{
	bf16_pack_panels_t(w->vp, v, E, E, N);
	if (dz)
		bf16_pack_panels(w->vq, BF16_PANEL * bf16_pairs(N), v, E, N, E);
	if (dv)
		memset(w->dvt, 0, E * N * sizeof *w->dvt);
}

/* rows (m,N) = z (m,E) . v^T for the chunk's rows i.. */
static void bf16_logits(bf16_work *w, size_t i, size_t m, size_t N, size_t E)
{
	size_t ke = bf16_pairs(E);
	bf16_gemm(w->rows, N, w->zr + i * ke, ke, w->vp, BF16_PANEL * ke, m, N, ke, 0);
}

/* the rows' gradient G, packed as dz's left operand and dv^T's right one */
static void bf16_keep(bf16_work *w, size_t i, size_t m, size_t N, int dz, int dv)
{
	size_t kn = bf16_pairs(N);
	if (dz)
		bf16_pack_rows(w->gr + i * kn, kn, w->rows, N, m, N);
	if (dv) /* i is even: its rows are pair i/2 of the panels */
		bf16_pack_panels(w->gp + BF16_PANEL * (i / 2), BF16_PANEL * bf16_pairs(BF16_CHUNK),
			w->rows, N, m, N);
}

static void bf16_chunk_grads(bf16_work *w, float *dz, int dv, const float *zc, size_t c,
	size_t N, size_t E)
{
	size_t kn = bf16_pairs(N);
	if (dz) /* dz (c,E) += G (c,N) . v (N,E) */
		bf16_gemm(dz, E, w->gr, kn, w->vq, BF16_PANEL * kn, c, E, kn, 1);
	if (dv) { /* dv^T (E,N) += z^T (E,c) . G (c,N) */
		size_t kr = bf16_pairs(c);
		bf16_pack_rows_t(w->zt, kr, zc, E, E, c);
		bf16_gemm(w->dvt, N, w->zt, kr, w->gp, BF16_PANEL * bf16_pairs(BF16_CHUNK),
			E, N, kr, 1);
	}
}

static void bf16_end(bf16_work *w, float *dv, size_t N, size_t E)
{
	if (dv) /* dv (N,E) += dv^T's transpose */
		for (size_t n = 0; n < N; n++)
			for (size_t e = 0; e < E; e++)
				dv[n * E + e] += w->dvt[e * N + n];
}

double softmax_xent_bf16(float *dz, float *dv, bf16_work *w, const float *z,
	const float *v, const int32_t *target, float scale, size_t R, size_t N,
	size_t E)
{
	double prof_t0 = PROF_BEGIN();
	double loss = 0.0;
	bf16_begin(w, v, N, E, dz != NULL, dv != NULL);
	for (size_t r0 = 0; r0 < R; r0 += BF16_CHUNK) {
		size_t c = R - r0 < BF16_CHUNK ? R - r0 : BF16_CHUNK;
		bf16_pack_rows(w->zr, bf16_pairs(E), z + r0 * E, E, c, E);
		for (size_t i = 0; i < c; i += BF16_ROWS) {
			size_t m = c - i < BF16_ROWS ? c - i : BF16_ROWS;
			bf16_logits(w, i, m, N, E);
			loss += softmax_rows(w->rows, target + r0 + i, scale, m, N);
			bf16_keep(w, i, m, N, dz != NULL, dv != NULL);
		}
		bf16_chunk_grads(w, dz ? dz + r0 * E : NULL, dv != NULL, z + r0 * E, c, N, E);
	}
	bf16_end(w, dv, N, E);
	PROF_END(PROF_LOGITS, prof_t0);
	return loss;
}

/* The rows of shared_xent's logits (c,M) against the negatives neg (M),
 * lt (c) the target logits, each row's log-Q already applied: rows become
 * scale * softmax over [target, negatives], a negative equal to the
 * row's target left out; lt[i] becomes scale * (p_target - 1). */
__attribute__((target_clones("avx2", "default"))) NO_TRAPS
static double shared_rows(float *logits, float *lt, const int32_t *target,
	const int32_t *neg, float scale, size_t c, size_t M)
{
	double loss = 0.0;
	for (size_t i = 0; i < c; i++) {
		float *row = logits + i * M;
		int32_t own = target[i];
		float mx = max8(row, M);
		mx = lt[i] > mx ? lt[i] : mx;
		for (size_t j = 0; j < M; j++)
			row[j] = exp_neg(row[j] - mx);
		for (size_t j = 0; j < M; j++)
			row[j] = neg[j] == own ? 0.0f : row[j]; /* an accidental hit */
		float et = exp_neg(lt[i] - mx);
		double sum = (double)sum8(row, M) + et, p_target = et / sum;
		/* a NaN must reach the caller, not hide behind the floor */
		loss += isnan(p_target) ? p_target : -log(p_target > 1e-30 ? p_target : 1e-30);
		float inv = (float)(scale / sum);
		for (size_t j = 0; j < M; j++)
			row[j] *= inv;
		lt[i] = (float)(scale * (p_target - 1.0));
	}
	return loss;
}

/* shared_rows of rows z (c,E), their logits against the negatives made:
 * the targets' logits lt (c) and the log-Q correction first */
static double shared_rows_of(float *logits, float *lt, const float *z, const float *v,
	const int32_t *target, const int32_t *neg, const float *log_q, float scale,
	size_t c, size_t M, size_t E)
{
	for (size_t i = 0; i < c; i++) {
		const float *zi = z + i * E, *vt = v + (size_t)target[i] * E;
		float s = 0.0f;
		for (size_t e = 0; e < E; e++)
			s += zi[e] * vt[e];
		lt[i] = s;
		if (log_q) {
			float *row = logits + i * M;
			lt[i] -= log_q[target[i]];
			for (size_t j = 0; j < M; j++)
				row[j] -= log_q[neg[j]];
		}
	}
	return shared_rows(logits, lt, target, neg, scale, c, M);
}

/* the targets' part of the gradient, row by row: lt (c) from shared_rows */
static void shared_target_grads(float *dz, float *dv, const float *lt, const float *z,
	const float *v, const int32_t *target, size_t c, size_t E)
{
	for (size_t i = 0; i < c; i++) {
		const float *zi = z + i * E, *vt = v + (size_t)target[i] * E;
		float *dzi = dz + i * E, *dvt = dv + (size_t)target[i] * E;
		for (size_t e = 0; e < E; e++) {
			dzi[e] += lt[i] * vt[e];
			dvt[e] += lt[i] * zi[e];
		}
	}
}

double shared_xent(float *dz, float *dv, float *logits, float *vn, float *dvn,
	const float *z, const float *v, const int32_t *target, const int32_t *neg,
	const float *log_q, float scale, size_t T, size_t M, size_t E, size_t chunk)
{
	double prof_t0 = PROF_BEGIN();
	double loss = 0.0;
	float lt[SHARED_CHUNK];
	if (chunk > SHARED_CHUNK)
		chunk = SHARED_CHUNK;
	embedding_forward(vn, neg, v, M, E);
	memset(dvn, 0, M * E * sizeof *dvn);
	for (size_t r0 = 0; r0 < T; r0 += chunk) {
		size_t c = T - r0 < chunk ? T - r0 : chunk;
		const float *zc = z + r0 * E;
		/* logits (c,M) = z (c,E) . vn^T */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, M, E,
			1.0f, zc, E, vn, E, 0.0f, logits, M);
		loss += shared_rows_of(logits, lt, zc, v, target + r0, neg, log_q, scale, c, M, E);
		shared_target_grads(dz + r0 * E, dv, lt, zc, v, target + r0, c, E);
		/* dz (c,E) += G (c,M) . vn (M,E); dvn (M,E) += G^T (M,c) . z (c,E) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c, E, M,
			1.0f, logits, M, vn, E, 1.0f, dz + r0 * E, E);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, E, c,
			1.0f, logits, M, zc, E, 1.0f, dvn, E);
	}
	embedding_backward(dv, dvn, neg, M, E);
	PROF_END(PROF_LOGITS, prof_t0);
	return loss;
}

double shared_xent_bf16(float *dz, float *dv, bf16_work *w, float *vn, float *dvn,
	const float *z, const float *v, const int32_t *target, const int32_t *neg,
	const float *log_q, float scale, size_t T, size_t M, size_t E)
{
	double prof_t0 = PROF_BEGIN();
	double loss = 0.0;
	float lt[BF16_ROWS];
	embedding_forward(vn, neg, v, M, E);
	memset(dvn, 0, M * E * sizeof *dvn);
	bf16_begin(w, vn, M, E, 1, 1);
	for (size_t r0 = 0; r0 < T; r0 += BF16_CHUNK) {
		size_t c = T - r0 < BF16_CHUNK ? T - r0 : BF16_CHUNK;
		const float *zc = z + r0 * E;
		bf16_pack_rows(w->zr, bf16_pairs(E), zc, E, c, E);
		for (size_t i = 0; i < c; i += BF16_ROWS) {
			size_t m = c - i < BF16_ROWS ? c - i : BF16_ROWS;
			bf16_logits(w, i, m, M, E);
			loss += shared_rows_of(w->rows, lt, zc + i * E, v, target + r0 + i, neg,
				log_q, scale, m, M, E);
			shared_target_grads(dz + (r0 + i) * E, dv, lt, zc + i * E, v,
				target + r0 + i, m, E);
			bf16_keep(w, i, m, M, 1, 1);
		}
		bf16_chunk_grads(w, dz + r0 * E, 1, zc, c, M, E);
	}
	bf16_end(w, dvn, M, E);
	embedding_backward(dv, dvn, neg, M, E);
	PROF_END(PROF_LOGITS, prof_t0);
	return loss;
}
