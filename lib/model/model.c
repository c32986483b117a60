/* model.c - the parameter table: every tensor's name, shape, place in the
 * flat buffers and initialisation (see model.h, model_impl.h). */
#include "model_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY(x) #x
#define NUMBER_TEXT(x) STRINGIFY(x)

void add_tensor(model *m, const char *name, int rank, uint64_t d0,
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

static const char *block_names[MAX_BLOCKS][BLOCK_TENSORS];

static void name_blocks(void)
{
	static char buf[MAX_BLOCKS][BLOCK_TENSORS][24];
	static const char *suffix[BLOCK_TENSORS] = { "ln1_g", "ln1_b", "wq", "bq", "wk", "bk",
		"wv", "bv", "wo", "bo", "ln2_g", "ln2_b", "ff1_w", "ff1_b", "ff2_w", "ff2_b",
		"rel_bias" };
	if (block_names[0][0])
		return;
	for (int i = 0; i < MAX_BLOCKS; i++)
		for (int j = 0; j < BLOCK_TENSORS; j++) {
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
			/* zero: a fresh model attends as one without it; it
			 * draws nothing, so the other tensors start the same */
			if (c->rel_pos)
				add_tensor(m, n[16], 2, c->NH, c->L, INIT_ZERO, 0);
		}
	}
	if (c->arch == ARCH_TT) {
		add_tensor(m, "lnf_g", 1, E, 0, INIT_ONE, 0);
		add_tensor(m, "lnf_b", 1, E, 0, INIT_ZERO, 0);
		if (c->user_features)
			add_tensor(m, "user_feat_emb", 2, c->user_vocab ? (uint64_t)c->user_vocab :
				USER_FEATURE_ROWS, E, INIT_ZERO, 0);
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
	features_layout(m);
}

static float *find(model *m, float *base, const char *name)
{
	for (size_t i = 0; i < m->n_tensors; i++)
		if (strcmp(m->spec[i].name, name) == 0)
			return base + m->spec[i].offset;
	return NULL;
}

void point(model *m, params *p, float *base)
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
		float **f[BLOCK_TENSORS] = { &b->ln1_g, &b->ln1_b, &b->wq, &b->bq, &b->wk, &b->bk,
			&b->wv, &b->bv, &b->wo, &b->bo, &b->ln2_g, &b->ln2_b,
			&b->ff1_w, &b->ff1_b, &b->ff2_w, &b->ff2_b, &b->rel_bias };
		for (int j = 0; j < BLOCK_TENSORS; j++)
			*f[j] = find(m, base, block_names[i][j]);
	}
	p->lnf_g = find(m, base, "lnf_g");
	p->lnf_b = find(m, base, "lnf_b");
	p->user_feat_emb = find(m, base, "user_feat_emb");
	p->ufc1_w = find(m, base, "ufc1_w");
	p->ufc1_b = find(m, base, "ufc1_b");
	p->ufc2_w = find(m, base, "ufc2_w");
	p->ufc2_b = find(m, base, "ufc2_b");
	p->ifc1_w = find(m, base, "ifc1_w");
	p->ifc1_b = find(m, base, "ifc1_b");
	p->ifc2_w = find(m, base, "ifc2_w");
	p->ifc2_b = find(m, base, "ifc2_b");
	const char *feats[4] = { "genre_emb", "year_emb", "word_emb", "column_emb" };
	for (int i = 0; i < 4 && !p->feat_emb; i++)
		p->feat_emb = find(m, base, feats[i]);
}

model *model_plan(const model_config *c, char *err, size_t errlen)
{
	const char *why = NULL;
	if (c->arch != ARCH_SEED && c->arch != ARCH_TT)
		why = "unknown architecture";
	else if (c->U < 1 || c->N < 1)
		why = "no users or no items";
	else if (c->E < 1 || c->F < 1 || c->NH < 1 || c->L < 1 || c->E > 4096 || c->F > 65536 ||
	    c->L > HISTORY_MAX)
		why = "sizes out of range (dim 1..4096, hidden 1..65536, history 1.." NUMBER_TEXT(HISTORY_MAX) ")";
	else if (c->E % c->NH)
		why = "the embedding width must be a multiple of the number of heads";
	else if (c->arch == ARCH_TT && (c->blocks < 1 || c->blocks > MAX_BLOCKS))
		why = "blocks must be 1..8";
	else if (c->rel_pos && c->arch != ARCH_TT)
		why = "a relative position bias is for the tt architecture";
	else if (!(c->dropout >= 0 && c->dropout < 1))
		why = "dropout must be in [0,1)";
	else if (c->U > INT32_MAX || c->N > INT32_MAX)
		why = "more than 2^31 users or items";
	else if (c->genres < 0 || c->genres > 4096 || c->year_buckets < 0 || c->year_buckets > 4096 ||
	    c->title_buckets < 0 || c->title_buckets > (1 << 24))
		why = "feature sizes out of range (genres, year buckets 0..4096, title buckets 0..2^24)";
	else if (!(c->id_dropout >= 0 && c->id_dropout <= 1))
		why = "id dropout must be in [0,1]";
	if (why) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	model *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory for the model");
		return NULL;
	}
	m->c = *c;
	m->parts = 1;
	layout(m);
	return m;
}

int model_alloc(model *m, char *err, size_t errlen)
{
	m->w = calloc(m->n_params, sizeof *m->w);
	m->g = calloc(m->n_params, sizeof *m->g);
	if (!m->w || !m->g || features_alloc(m)) {
		snprintf(err, errlen, "out of memory for the model (%.1f MB)",
			2.0 * m->n_params * sizeof *m->w / 1e6);
		return -1;
	}
	point(m, &m->p, m->w);
	point(m, &m->dp, m->g);
	return 0;
}

model *model_new(const model_config *c, char *err, size_t errlen)
{
	model *m = model_plan(c, err, errlen);
	if (m && model_alloc(m, err, errlen)) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(model *m)
{
	if (!m)
		return;
	pool_stop(m);
	free_workers(m);
	touched_free(&m->tr);
	free(m->neg);
	features_free(m);
	free(m->ufeat);
	side_columns_free(&m->ucols);
	free(m->item_mem);
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
