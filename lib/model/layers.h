/*
 * layers.h - the model's layers, each a forward/backward pair.
 *
 * Argument order (after llm.c): outputs, then cached values, then inputs
 * and weights, dimensions last.  Backward functions ADD into every
 * gradient they are given (so shared weights accumulate); a NULL gradient
 * pointer means "not needed".  All arrays are row-major float.
 *
 * Shapes use the dimension letters of dims.h; R is a layer's rows.
 */
#ifndef LAYERS_H
#define LAYERS_H

#include "rng.h"
#include <stddef.h>
#include <stdint.h>

/* out (R,E) = table[idx[r]], zero where idx[r] < 0.  table is (V,E). */
void embedding_forward(float *out, const int32_t *idx, const float *table,
	size_t R, size_t E);
/* dtable (V,E) += dout rows scattered by idx. */
void embedding_backward(float *dtable, const float *dout, const int32_t *idx,
	size_t R, size_t E);

/* out (R,OC) = inp (R,IC) . w^T + b; w is (OC,IC) as in PyTorch, b (OC) or NULL. */
void linear_forward(float *out, const float *inp, const float *w, const float *b,
	size_t R, size_t IC, size_t OC);
/* dinp (R,IC) += dout . w; dw (OC,IC) += dout^T . inp; db (OC) += sum of dout rows. */
void linear_backward(float *dinp, float *dw, float *db, const float *dout,
	const float *inp, const float *w, size_t R, size_t IC, size_t OC);

/* out = max(inp, 0), n elements; out may equal inp. */
void relu_forward(float *out, const float *inp, size_t n);
/* dinp += dout where out > 0.  out is the forward output. */
void relu_backward(float *dinp, const float *dout, const float *out, size_t n);
/* d becomes relu_backward's dinp from zero: d where out > 0, else 0
 * (+0, as 0 + d would be), without a second buffer. */
void relu_backward_in_place(float *d, const float *out, size_t n);

/* Per row of inp (R,E): out = (x - mean) * rstd * g + b; caches mean, rstd (R). */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
	const float *g, const float *b, size_t R, size_t E);
void layernorm_backward(float *dinp, float *dg, float *db, const float *dout,
	const float *inp, const float *g, const float *mean, const float *rstd,
	size_t R, size_t E);

/*
 * Masked multi-head scaled dot-product attention over B rows of varying
 * length, stored without padding: row b is the slots off[b]..off[b+1]-1
 * of q, k, v and out, each (S,E) with E = NH*D and S = off[B].  Slot t of
 * a row attends to the slots 0..t of the same row (causal).  att caches
 * the weights: row b's NH (n,n) matrices start at att_off[b], with
 * att_off[b+1] = att_off[b] + NH*n*n.
 * bias (NH,L) or NULL, L at least the longest row: a relative position
 * bias, the score of slot t against slot j of head h is
 * q_t.k_j / sqrt(D) + bias[h][t-j] (t-j the key's distance back).
 */
void attention_forward(float *out, float *att, const float *q, const float *k,
	const float *v, const float *bias, const int64_t *off, const int64_t *att_off,
	size_t B, size_t E, size_t NH, size_t L);
/* scratch holds (n,n) floats for the longest row; dbias (NH,L) += the
 * scores' gradients summed by distance, when not NULL. */
void attention_backward(float *dq, float *dk, float *dv, float *dbias, const float *dout,
	const float *att, const float *q, const float *k, const float *v,
	const int64_t *off, const int64_t *att_off, float *scratch, size_t B,
	size_t E, size_t NH, size_t L);

/*
 * The same attention for T chosen queries only (inference: the last slot
 * of each row): query i, q (T,E), sits at slot rows[i] of k, v (S,E) and
 * attends to the slots first[i]..rows[i], with bias (NH,L) or NULL as
 * attention_forward's.  out is (T,E), scratch holds the longest row's
 * slots.  No backward.
 */
void attention_query_forward(float *out, float *scratch, const float *q, const float *k,
	const float *v, const float *bias, const int32_t *rows, const int64_t *first,
	size_t T, size_t E, size_t NH, size_t L);

/* Inverted dropout: out = inp * mask / (1-p), mask (n) bytes drawn from rng. */
void dropout_forward(float *out, uint8_t *mask, const float *inp, float p,
	uint64_t *rng, size_t n);
void dropout_backward(float *dinp, const float *dout, const uint8_t *mask,
	float p, size_t n);

/*
 * Full softmax cross-entropy of rows of z (R,E) against all items v (N,E):
 * logits = z . v^T, loss = mean over the rows with target >= 0 of
 * -log softmax(logits)[target].  Returns the SUM of the row losses; the
 * caller divides.  With dz/dv non-NULL, adds scale * d(sum)/dz, /dv.
 * logits is scratch of (chunk,N) floats; rows are done chunk at a time.
 */
double softmax_xent(float *dz, float *dv, float *logits, const float *z,
	const float *v, const int32_t *target, float scale, size_t R, size_t N,
	size_t E, size_t chunk);

/*
 * Sampled softmax with negatives shared by the whole batch: each row of z
 * (T,E) is scored against its target and the same M items neg (M), one
 * matrix product for all rows.  Every logit is corrected by -log_q[item]
 * (the log-Q correction for sampling by q) when log_q is not NULL, and a
 * negative equal to a row's target drops out of that row (an accidental
 * hit).  vn, dvn are (M,E) scratch, logits (chunk,M), chunk at most
 * SHARED_CHUNK.  Returns the summed loss; adds scale * the gradient to
 * dz (T,E) and dv (N,E).
 */
#define SHARED_CHUNK 64 /* rows of logits at once: (64,M) stays in cache */
double shared_xent(float *dz, float *dv, float *logits, float *vn, float *dvn,
	const float *z, const float *v, const int32_t *target, const int32_t *neg,
	const float *log_q, float scale, size_t T, size_t M, size_t E, size_t chunk);

/*
 * softmax_xent and shared_xent with the three products of the logits in
 * bf16 with float sums (bf16.h): the same loss and gradients to bf16's
 * precision, in about 0.6 of their time (ML-1M, bench/peer.sh's
 * profiles).  The logits are made a few rows at a time (BF16_ROWS) and
 * turned into their gradient, in bf16, while in cache; w's buffers are
 * sized by bf16_work_bytes.
 */
typedef struct {
	uint32_t *vp, *vq;   /* v packed: for the logits (v^T), for dz (v) */
	uint32_t *zr, *zt;   /* a chunk of z packed: rows, columns */
	uint32_t *gr, *gp;   /* its logits' gradient packed: rows, panels */
	float *rows;         /* (BF16_ROWS,N) logits */
	float *dvt;          /* (E,N) dv^T of the call */
} bf16_work;
/* The bytes of w's buffers for n candidates of E, and w pointed into mem,
 * those bytes (64-byte aligned; NULL: pointers only measured). */
size_t bf16_work_bytes(size_t n, size_t E);
void bf16_work_point(bf16_work *w, void *mem, size_t n, size_t E);
#define BF16_ROWS 6
#define BF16_CHUNK 128 /* rows of a chunk: its two packed gradients stay in cache */
double softmax_xent_bf16(float *dz, float *dv, bf16_work *w, const float *z,
	const float *v, const int32_t *target, float scale, size_t R, size_t N,
	size_t E);

double shared_xent_bf16(float *dz, float *dv, bf16_work *w, float *vn, float *dvn,
	const float *z, const float *v, const int32_t *target, const int32_t *neg,
	const float *log_q, float scale, size_t T, size_t M, size_t E);

#endif
