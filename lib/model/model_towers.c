/* model_towers.c - the towers' forward and backward passes over a
 * worker's share of a batch (model.h describes the towers). */
#include "model_impl.h"

#include <string.h>

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
static void seed_forward(model *m, worker *wk)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p;
	block_params *k = &p->blk[0];
	size_t E = c->E, F = c->F, S = a->S, B = wk->B, T = wk->T;
	embedding_forward(a->x, a->slot_item, p->hist_emb, S, E);
	linear_forward(a->k, a->x, k->wk, k->bk, S, E, E);
	linear_forward(a->v, a->x, k->wv, k->bv, S, E, E);
	embedding_forward(a->u, wk->users, p->user_emb, B, E);
	linear_forward(a->qu, a->u, k->wq, k->bq, B, E, E);
	for (size_t r = 0; r < S; r++) /* the user's query in every slot */
		memcpy(a->q + r * E, a->qu + (size_t)a->slot_row[r] * E, E * sizeof *a->q);
	attention_forward(a->a, a->att, a->q, a->k, a->v, NULL, a->off, a->att_off, B, E,
		c->NH, c->L);
	gather_rows(a->ag, a->a, a->rows, T, E);
	linear_forward(a->o, a->ag, k->wo, k->bo, T, E, E);
	for (size_t i = 0; i < T; i++) {
		memcpy(a->c + i * 2 * E, a->u + (size_t)a->ubatch[i] * E, E * sizeof *a->c);
		memcpy(a->c + i * 2 * E + E, a->o + i * E, E * sizeof *a->c);
	}
	linear_forward(a->h1, a->c, p->ufc1_w, p->ufc1_b, T, 2 * E, F);
	relu_forward(a->h1, a->h1, T * F);
	linear_forward(a->z, a->h1, p->ufc2_w, p->ufc2_b, T, F, E);
}

static void seed_backward(model *m, worker *wk)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p, *dp = &wk->dp;
	block_params *kw = &p->blk[0], *dkw = &dp->blk[0];
	size_t E = c->E, F = c->F, S = a->S, B = wk->B, T = wk->T;

	/* z = ufc2(relu(ufc1(c))), c = [u | o] */
	memset(a->dh1, 0, T * F * sizeof *a->dh1);
	linear_backward(a->dh1, dp->ufc2_w, dp->ufc2_b, a->dz, a->h1, p->ufc2_w, T, F, E);
	memset(a->dh1_pre, 0, T * F * sizeof *a->dh1_pre);
	relu_backward(a->dh1_pre, a->dh1, a->h1, T * F);
	memset(a->dc, 0, T * 2 * E * sizeof *a->dc);
	linear_backward(a->dc, dp->ufc1_w, dp->ufc1_b, a->dh1_pre, a->c, p->ufc1_w, T, 2 * E, F);
	memset(a->du, 0, B * E * sizeof *a->du);
	for (size_t i = 0; i < T; i++) {
		float *o = a->du + (size_t)a->ubatch[i] * E;
		const float *g = a->dc + i * 2 * E;
		for (size_t e = 0; e < E; e++)
			o[e] += g[e];
		memcpy(a->dproj + i * E, g + E, E * sizeof *a->dproj);
	}
	/* o = wo . ag, ag the attention output at the examples' slots */
	memset(a->dag, 0, T * E * sizeof *a->dag);
	linear_backward(a->dag, dkw->wo, dkw->bo, a->dproj, a->ag, kw->wo, T, E, E);
	memset(a->da, 0, S * E * sizeof *a->da);
	scatter_rows(a->da, a->dag, a->rows, T, E);
	memset(a->dq, 0, S * E * sizeof *a->dq);
	memset(a->dk, 0, S * E * sizeof *a->dk);
	memset(a->dv, 0, S * E * sizeof *a->dv);
	attention_backward(a->dq, a->dk, a->dv, NULL, a->da, a->att, a->q, a->k, a->v, a->off,
		a->att_off, a->scratch, B, E, c->NH, c->L);
	/* the query is the same for every slot of a row */
	memset(a->dqu, 0, B * E * sizeof *a->dqu);
	for (size_t r = 0; r < S; r++) {
		float *o = a->dqu + (size_t)a->slot_row[r] * E;
		const float *g = a->dq + r * E;
		for (size_t e = 0; e < E; e++)
			o[e] += g[e];
	}
	linear_backward(a->du, dkw->wq, dkw->bq, a->dqu, a->u, kw->wq, B, E, E);
	embedding_backward(dp->user_emb, a->du, wk->users, B, E);
	memset(a->dhist, 0, S * E * sizeof *a->dhist);
	linear_backward(a->dhist, dkw->wk, dkw->bk, a->dk, a->x, kw->wk, S, E, E);
	linear_backward(a->dhist, dkw->wv, dkw->bv, a->dv, a->x, kw->wv, S, E, E);
	embedding_backward(dp->hist_emb, a->dhist, a->slot_item, S, E);
}

/* Inference needs the last block's output at the examples' slots only:
 * keys and values over every slot, the rest over those T rows. */
static void last_block_queries(model *m, worker *wk, int i)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	block_acts *b = &a->blk[i];
	block_params *w = &m->p.blk[i];
	size_t E = c->E, F = c->F, S = a->S, T = wk->T;
	layernorm_forward(b->ln1, b->mean1, b->rstd1, b->x, w->ln1_g, w->ln1_b, S, E);
	linear_forward(b->k, b->ln1, w->wk, w->bk, S, E, E);
	linear_forward(b->v, b->ln1, w->wv, w->bv, S, E, E);
	/* xm holds the examples' ln1 until it holds their x + ao */
	gather_rows(b->xm, b->ln1, a->rows, T, E);
	linear_forward(b->q, b->xm, w->wq, w->bq, T, E, E);
	for (size_t t = 0; t < T; t++)
		a->first[t] = a->off[a->ubatch[t]];
	attention_query_forward(b->a, a->qscratch, b->q, b->k, b->v, w->rel_bias, a->rows,
		a->first, T, E, c->NH, c->L);
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
	user_features_forward(m, wk);
}

/* tt user tower: z (T,E) for the target rows. */
static void tt_forward(model *m, worker *wk)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	params *p = &m->p;
	size_t E = c->E, F = c->F, S = a->S, T = wk->T;
	float pd = wk->train ? c->dropout : 0.0f;
	uint64_t *rng = &wk->rng;
	embedding_forward(a->emb, a->slot_item, p->item_emb, S, E);
	if (p->pos_emb)
		for (size_t r = 0; r < S; r++) {
			float *x = a->emb + r * E;
			const float *pe = p->pos_emb + (size_t)a->slot_pos[r] * E;
			for (size_t e = 0; e < E; e++)
				x[e] += pe[e];
		}
	dropout_forward(a->blk[0].x, a->mask0, a->emb, pd, rng, S * E);
	for (int i = 0; i < c->blocks; i++) {
		block_acts *b = &a->blk[i];
		block_params *w = &p->blk[i];
		if (!wk->train && i == c->blocks - 1) {
			last_block_queries(m, wk, i);
			return;
		}
		layernorm_forward(b->ln1, b->mean1, b->rstd1, b->x, w->ln1_g, w->ln1_b, S, E);
		linear_forward(b->q, b->ln1, w->wq, w->bq, S, E, E);
		linear_forward(b->k, b->ln1, w->wk, w->bk, S, E, E);
		linear_forward(b->v, b->ln1, w->wv, w->bv, S, E, E);
		attention_forward(b->a, b->att, b->q, b->k, b->v, w->rel_bias, a->off, a->att_off,
			wk->B, E, c->NH, c->L);
		linear_forward(b->ao, b->a, w->wo, w->bo, S, E, E);
		dropout_forward(b->ao, b->mask_a, b->ao, pd, rng, S * E);
		for (size_t j = 0; j < S * E; j++)
			b->xm[j] = b->x[j] + b->ao[j];
		layernorm_forward(b->ln2, b->mean2, b->rstd2, b->xm, w->ln2_g, w->ln2_b, S, E);
		linear_forward(b->f1, b->ln2, w->ff1_w, w->ff1_b, S, E, F);
		relu_forward(b->f1, b->f1, S * F);
		linear_forward(b->f2, b->f1, w->ff2_w, w->ff2_b, S, F, E);
		dropout_forward(b->f2, b->mask_f, b->f2, pd, rng, S * E);
		float *out = i + 1 < c->blocks ? a->blk[i + 1].x : a->out;
		for (size_t j = 0; j < S * E; j++)
			out[j] = b->xm[j] + b->f2[j];
	}
	gather_rows(a->xf, a->out, a->rows, T, E);
	layernorm_forward(a->z, a->meanf, a->rstdf, a->xf, p->lnf_g, p->lnf_b, T, E);
	user_features_forward(m, wk);
}

static void tt_backward(model *m, worker *wk)
{
	const model_config *c = &m->c;
	acts *a = &wk->a;
	block_grads *g = &a->bg;
	params *p = &m->p, *dp = &wk->dp;
	size_t E = c->E, F = c->F, S = a->S, T = wk->T;
	float pd = c->dropout;

	/* z = lnf(xf) + the user's feature rows: dz reaches both whole */
	user_features_backward(m, wk);
	memset(a->dxf, 0, T * E * sizeof *a->dxf);
	layernorm_backward(a->dxf, dp->lnf_g, dp->lnf_b, a->dz, a->xf, p->lnf_g,
		a->meanf, a->rstdf, T, E);
	memset(a->dx, 0, S * E * sizeof *a->dx);
	scatter_rows(a->dx, a->dxf, a->rows, T, E);
	for (int i = c->blocks - 1; i >= 0; i--) {
		block_acts *b = &a->blk[i];
		block_params *w = &p->blk[i], *dw = &dp->blk[i];
		/* out = xm + dropout(ff(ln2(xm))): dx flows to xm directly */
		memset(g->df2, 0, S * E * sizeof *g->df2);
		dropout_backward(g->df2, a->dx, b->mask_f, pd, S * E);
		memset(g->df1, 0, S * F * sizeof *g->df1);
		linear_backward(g->df1, dw->ff2_w, dw->ff2_b, g->df2, b->f1, w->ff2_w, S, F, E);
		relu_backward_in_place(g->df1, b->f1, S * F);
		memset(g->dln2, 0, S * E * sizeof *g->dln2);
		linear_backward(g->dln2, dw->ff1_w, dw->ff1_b, g->df1, b->ln2, w->ff1_w, S, E, F);
		layernorm_backward(a->dx, dw->ln2_g, dw->ln2_b, g->dln2, b->xm, w->ln2_g,
			b->mean2, b->rstd2, S, E);
		/* xm = x + dropout(wo . attention(q, k, v, rel_bias)) */
		memset(g->dao, 0, S * E * sizeof *g->dao);
		dropout_backward(g->dao, a->dx, b->mask_a, pd, S * E);
		memset(g->da, 0, S * E * sizeof *g->da);
		linear_backward(g->da, dw->wo, dw->bo, g->dao, b->a, w->wo, S, E, E);
		memset(g->dq, 0, S * E * sizeof *g->dq);
		memset(g->dk, 0, S * E * sizeof *g->dk);
		memset(g->dv, 0, S * E * sizeof *g->dv);
		attention_backward(g->dq, g->dk, g->dv, dw->rel_bias, g->da, b->att, b->q, b->k,
			b->v, a->off, a->att_off, a->scratch, wk->B, E, c->NH, c->L);
		memset(g->dln1, 0, S * E * sizeof *g->dln1);
		linear_backward(g->dln1, dw->wq, dw->bq, g->dq, b->ln1, w->wq, S, E, E);
		linear_backward(g->dln1, dw->wk, dw->bk, g->dk, b->ln1, w->wk, S, E, E);
		linear_backward(g->dln1, dw->wv, dw->bv, g->dv, b->ln1, w->wv, S, E, E);
		layernorm_backward(a->dx, dw->ln1_g, dw->ln1_b, g->dln1, b->x, w->ln1_g,
			b->mean1, b->rstd1, S, E);
	}
	/* x = dropout(emb), emb = item_emb[hist] + pos_emb[slot] */
	memset(a->demb, 0, S * E * sizeof *a->demb);
	dropout_backward(a->demb, a->dx, a->mask0, pd, S * E);
	if (dp->pos_emb)
		for (size_t r = 0; r < S; r++) {
			float *o = dp->pos_emb + (size_t)a->slot_pos[r] * E;
			for (size_t e = 0; e < E; e++)
				o[e] += a->demb[r * E + e];
		}
	embedding_backward(dp->item_emb, a->demb, a->slot_item, S, E);
}

void user_forward(model *m, worker *wk)
{
	if (m->c.arch == ARCH_SEED)
		seed_forward(m, wk);
	else
		tt_forward(m, wk);
}

void user_backward(model *m, worker *wk)
{
	if (m->c.arch == ARCH_SEED)
		seed_backward(m, wk);
	else
		tt_backward(m, wk);
}

void item_forward(const model *m, float *ih, float *iv, size_t lo, size_t hi)
{
	const params *p = &m->p;
	size_t E = m->c.E, F = m->c.F;
	for (size_t i = lo; i < hi; i += ITEM_CHUNK) {
		size_t n = hi - i < ITEM_CHUNK ? hi - i : ITEM_CHUNK;
		float *h = ih + i * F;
		linear_forward(h, p->item_emb + i * E, p->ifc1_w, p->ifc1_b, n, E, F);
		relu_forward(h, h, n * F);
		linear_forward(iv + i * E, h, p->ifc2_w, p->ifc2_b, n, F, E);
	}
}

void item_backward(model *m, params *dp, size_t lo, size_t hi)
{
	const params *p = &m->p;
	size_t E = m->c.E, F = m->c.F, n = hi - lo;
	float *dih = m->dih + lo * F, *dpre = m->dih_pre + lo * F;
	const float *ih = m->ih + lo * F;
	memset(dih, 0, n * F * sizeof *dih);
	linear_backward(dih, dp->ifc2_w, dp->ifc2_b, m->div + lo * E, ih, p->ifc2_w, n, F, E);
	memset(dpre, 0, n * F * sizeof *dpre);
	relu_backward(dpre, dih, ih, n * F);
	linear_backward(dp->item_emb + lo * E, dp->ifc1_w, dp->ifc1_b, dpre,
		p->item_emb + lo * E, p->ifc1_w, n, E, F);
}
