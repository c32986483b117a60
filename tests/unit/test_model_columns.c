/* test_model_columns.c - the feature columns of catalogues and users
 * files of any shape in both towers: their rows' gradients against
 * finite differences, and values mapped by name. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"
#include "model.h"
#include "tap.h"

/* Columns of n entities: "kind" (categorical, values a b) and "tags"
 * (multi-valued, x y z); entity i is kind i%2 (none for i%5 == 4), tags
 * x+i%3 and z for odd i.  swap: the vocabulary in another order. */
static void columns(side_columns *c, int64_t n, int swap)
{
	static char *names[2] = { "kind", "tags" }, *seps[2] = { "", "|" };
	static char *vocab[5] = { "a", "b", "x", "y", "z" }, *vocab2[5] = { "b", "a", "z", "y", "x" };
	static uint8_t kinds[2] = { SIDE_CAT, SIDE_MULTI };
	static int32_t voff[3] = { 0, 2, 5 };
	int32_t *val = malloc(3 * n * sizeof *val);
	int64_t *off = malloc((n + 1) * sizeof *off), q = 0;
	*c = (side_columns){ .C = 2, .names = names, .seps = seps, .kinds = kinds,
		.vocab_off = voff, .vocab = swap ? vocab2 : vocab, .n = n, .off = off, .val = val };
	/* the value rows of each name in this vocabulary */
	int32_t a = swap, b = !swap, x = swap ? 4 : 2, z = swap ? 2 : 4;
	off[0] = 0;
	for (int64_t i = 0; i < n; i++) {
		int32_t v[3];
		int k = 0;
		if (i % 5 != 4)
			v[k++] = i % 2 ? b : a;
		int32_t t = (int32_t)(i % 3); /* x, y or z */
		v[k++] = t == 1 ? 3 : t == 0 ? x : z;
		if (i % 2 && t != 2)
			v[k++] = z;
		for (int j = 1; j < k; j++) /* ascending */
			for (int l = j; l > 0 && v[l] < v[l - 1]; l--) {
				int32_t s = v[l];
				v[l] = v[l - 1];
				v[l - 1] = s;
			}
		memcpy(val + q, v, k * sizeof *v);
		q += k;
		off[i + 1] = q;
	}
}

static void random_batch(batch *bt, int64_t B, int64_t L, int64_t U, int64_t N, uint64_t *rng)
{
	batch_alloc(bt, B, L);
	bt->B = B;
	for (int64_t b = 0; b < B; b++) {
		bt->users[b] = (int32_t)(b % U);
		for (int64_t t = 0; t < L; t++) {
			bt->hist[b * L + t] = t >= b % 2 ? (int32_t)(rng_next(rng) % N) : -1;
			bt->targets[b * L + t] = t >= b % 2 ? (int32_t)(rng_next(rng) % N) : -1;
		}
	}
}

static double loss_at(model *m, const batch *bt)
{
	uint64_t rng = 99;
	int64_t n;
	return model_step_grad(m, bt, &rng, &n);
}

static model *column_model(model_config c, prep *side)
{
	char err[256] = "";
	uint8_t seen[16];
	model *m = model_new(&c, err, sizeof err);
	if (!ok(m != NULL, "model_new (%s)", err))
		return NULL;
	for (int i = 0; i < 16; i++)
		seen[i] = i != 1; /* item 1 by its features alone */
	columns(&side->item_cols, c.N, 0);
	columns(&side->user_cols, c.U, 0);
	side->n_items = c.N;
	side->n_users = c.U;
	ok(!c.item_vocab || model_set_item_side(m, side, seen, err, sizeof err) == 0,
		"item columns given (%s)", err);
	ok(!c.user_vocab || model_set_user_side(m, side, err, sizeof err) == 0,
		"user columns given (%s)", err);
	return m;
}

static void free_columns(prep *side)
{
	free(side->item_cols.off), free(side->item_cols.val);
	free(side->user_cols.off), free(side->user_cols.val);
}

/* Every entry of the columns' tables, a few of the others. */
static void check_gradients(const char *what, model_config c)
{
	char err[256];
	prep side = { 0 };
	model *m = column_model(c, &side);
	if (!m)
		return;
	model_init_weights(m, 7);
	float *w = model_weights(m);
	size_t P = model_num_params(m);
	uint64_t rng = 11;
	for (size_t i = 0; i < P; i++)
		w[i] += 0.1f * (float)(rng_uniform(&rng) - 0.5);
	batch bt;
	random_batch(&bt, 4, c.L, c.U, c.N, &rng);
	ok(model_train_alloc(m, 4, 1, err, sizeof err) == 0, "%s: working memory", what);
	loss_at(m, &bt);
	float *analytic = malloc(P * sizeof *analytic);
	memcpy(analytic, model_grads(m), P * sizeof *analytic);
	int bad = 0, checked = 0, nonzero = 0;
	for (size_t t = 0; t < model_num_tensors(m); t++) {
		int rank;
		uint64_t dims[2];
		size_t off;
		const char *name = model_tensor(m, t, &rank, dims, &off);
		size_t n = dims[0] * (rank > 1 ? dims[1] : 1);
		int every = !strcmp(name, "column_emb") || !strcmp(name, "user_feat_emb");
		for (size_t k = 0; k < (every ? n : 4); k++) {
			size_t i = off + (every ? k : rng_next(&rng) % n);
			float save = w[i];
			double h = 3e-4;
			w[i] = save + (float)h;
			double lp = loss_at(m, &bt);
			w[i] = save - (float)h;
			double lm = loss_at(m, &bt);
			w[i] = save;
			double num = (lp - lm) / (2 * h), diff = fabs(num - analytic[i]);
			checked++;
			nonzero += every && fabs(analytic[i]) > 1e-4;
			if (diff > 2e-3 + 2e-2 * fabs(num) && bad++ < 5)
				diag("%s %s[%zu]: numeric %.6g analytic %.6g", what, name, i - off, num,
					(double)analytic[i]);
		}
	}
	ok(bad == 0 && nonzero > 0, "%s: %d gradients agree with finite differences, %d of "
		"the columns' rows not zero", what, checked, nonzero);
	free(analytic);
	batch_free(&bt);
	model_free(m);
	free_columns(&side);
}

/* Whether n floats agree (a sum in another order rounds otherwise). */
static int close_to(const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fabsf(a[i] - b[i]) > 1e-6f * (1 + fabsf(a[i])))
			return 0;
	return 1;
}

/* Another data set's columns, their vocabulary in another order: mapped
 * by name, the same vectors. */
static void check_by_name(model_config c)
{
	prep side = { 0 }, other = { 0 };
	char err[256], unknown[64];
	model *m = column_model(c, &side);
	if (!m)
		return;
	model_init_weights(m, 3);
	size_t n;
	float *w = model_weights(m);
	for (size_t t = 0; t < model_num_tensors(m); t++) { /* the user rows away from 0 */
		int rank;
		uint64_t dims[2];
		size_t off;
		if (!strcmp(model_tensor(m, t, &rank, dims, &off), "user_feat_emb"))
			for (n = 0; n < dims[0] * dims[1]; n++)
				w[off + n] = 0.03f * (float)(n % 11) - 0.1f;
	}
	other.n_items = c.N;
	other.n_users = c.U;
	columns(&other.item_cols, c.N, 1);
	columns(&other.user_cols, c.U, 1);
	int32_t known[16], *rows = malloc(c.U * USER_FEATURES * sizeof *rows);
	int32_t *rows2 = malloc(c.U * USER_FEATURES * sizeof *rows2), hist[16 * 8];
	float a[16 * 8], b[16 * 8];
	for (int i = 0; i < 16; i++)
		known[i] = -1;
	model_side_item_vectors(m, &side, known, a, unknown, sizeof unknown, err, sizeof err);
	model_side_item_vectors(m, &other, known, b, unknown, sizeof unknown, err, sizeof err);
	ok(close_to(a, b, c.N * c.E) && !*unknown,
		"new items' vectors: the columns' values matched by name");
	for (int i = 0; i < 16 * 8; i++)
		hist[i] = i % c.L == c.L - 1 ? -1 : (int32_t)(i % c.N); /* no history at the end: rows alone */
	model_users_rows(m, &side, rows, unknown, sizeof unknown);
	model_users_rows(m, &other, rows2, unknown, sizeof unknown);
	model_user_vectors_of(m, rows, hist, c.U, a);
	model_user_vectors_of(m, rows2, hist, c.U, b);
	int differ = 0;
	for (int e = 0; e < c.E; e++)
		differ += a[e] != a[c.E + e];
	ok(close_to(a, b, c.U * c.E) && differ, "users' vectors: the columns' values "
		"matched by name, and users of other values differ");
	free(other.item_cols.off), free(other.item_cols.val);
	free(other.user_cols.off), free(other.user_cols.val);
	free(rows), free(rows2);
	model_free(m);
	free_columns(&side);
}

int main(void)
{
	model_config tt = { .arch = ARCH_TT, .U = 5, .N = 7, .E = 4, .F = 6, .NH = 2, .L = 4,
		.blocks = 1, .positions = 1, .item_vocab = 5, .id_dropout = 0.3f };
	check_gradients("item columns", tt);
	tt.item_mlp = 1;
	check_gradients("item columns and item MLP", tt);
	tt.item_mlp = 0;
	tt.user_features = 1;
	tt.user_vocab = 5;
	check_gradients("item and user columns", tt);
	tt.id_dropout = 0;
	check_by_name(tt);
	return done();
}
