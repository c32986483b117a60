/* model_user.c - the user features: what a user is (gender, age band,
 * occupation) added to the tt user tower's output, so that two users of
 * one history who differ in them get different vectors, and a user of no
 * history gets one at all (see model.h).
 *
 * The user vector is
 *   z = lnf(tower(history)) + sum over f of w_f user_feat_emb[row_f]
 * with the table zero at the start: a model begins as the one without
 * them, and the rows learn what the tower cannot see.  Of ML-1M's users
 * file the rows are gender, age band and occupation, each w 1; of a
 * users file of any shape (user_vocab) the table's rows are its columns'
 * values, and w_f is 1 over how many of the user's rows share row_f's
 * column: a multi-valued column adds its values' mean. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

/* Rows of user_feat_emb: gender F, M; seven age bands; occupation codes. */
enum { ROW_GENDER = 0, ROW_AGE = 2, ROW_OCCUPATION = 9 };
#define OCCUPATIONS (USER_FEATURE_ROWS - ROW_OCCUPATION)

/* ML-1M's bands, which ML-100K's raw ages fall into too */
static int age_band(int32_t age)
{
	static const int32_t from[] = { 18, 25, 35, 45, 50, 56 };
	int b = 0;
	while (b < 6 && age >= from[b])
		b++;
	return b;
}

void model_user_rows(const prep *p, int64_t u, int32_t rows[USER_FEATURES])
{
	for (int f = 0; f < USER_FEATURES; f++)
		rows[f] = -1;
	/* a user the users file did not have: zeros, known by no gender and no age */
	if (!p->gender || (p->gender[u] == 0 && (!p->age || p->age[u] <= 0)))
		return;
	if (p->gender[u] == 1 || p->gender[u] == 2)
		rows[0] = ROW_GENDER + p->gender[u] - 1;
	if (p->age && p->age[u] > 0)
		rows[1] = ROW_AGE + age_band(p->age[u]);
	if (p->occupation && p->occupation[u] >= 0 && p->occupation[u] < OCCUPATIONS)
		rows[2] = ROW_OCCUPATION + p->occupation[u];
}

const side_columns *model_user_columns(const model *m)
{
	return &m->ucols;
}

/* A user's rows of a users file of any shape: its first USER_FEATURES
 * values, through vmap (NULL: as they are). */
static void column_rows(const side_columns *cols, const int32_t *vmap, int64_t u,
	int32_t rows[USER_FEATURES])
{
	int k = 0;
	for (int f = 0; f < USER_FEATURES; f++)
		rows[f] = -1;
	for (int64_t q = cols->off[u]; q < cols->off[u + 1] && k < USER_FEATURES; q++) {
		int32_t v = vmap ? vmap[cols->val[q]] : cols->val[q];
		if (v >= 0)
			rows[k++] = v;
	}
}

int model_users_rows(const model *m, const prep *p, int32_t *rows, char *unknown,
	size_t unknown_len)
{
	*unknown = '\0';
	if (!m->c.user_vocab) {
		for (int64_t u = 0; u < p->n_users; u++)
			model_user_rows(p, u, rows + u * USER_FEATURES);
		return 0;
	}
	const side_columns *cols = &p->user_cols;
	int32_t V = side_vocab_size(cols);
	int32_t *vmap = malloc((V ? V : 1) * sizeof *vmap);
	if (!vmap || side_columns_map(&m->ucols, cols, vmap, unknown, unknown_len)) {
		free(vmap);
		return -1;
	}
	for (int64_t u = 0; u < p->n_users; u++)
		if (cols->C)
			column_rows(cols, vmap, u, rows + u * USER_FEATURES);
		else
			for (int f = 0; f < USER_FEATURES; f++)
				rows[u * USER_FEATURES + f] = -1;
	free(vmap);
	return 0;
}

/* The weights w (USER_FEATURES) of a user's rows r: 1, or of a users file
 * of any shape 1 over the user's rows of the same column. */
static void row_weights(const model *m, const int32_t *r, float *w)
{
	int32_t col[USER_FEATURES];
	for (int f = 0; f < USER_FEATURES; f++) {
		w[f] = 1.0f;
		col[f] = r[f] >= 0 && m->c.user_vocab ? side_column_of(&m->ucols, r[f]) : -1 - f;
	}
	for (int f = 0; f < USER_FEATURES && m->c.user_vocab; f++) {
		int n = 0;
		for (int g = 0; g < USER_FEATURES; g++)
			n += col[g] == col[f];
		w[f] = 1.0f / (float)n;
	}
}

/* A users file of any shape for the model: its vocabulary kept, its
 * values the training users' rows. */
static int set_user_columns(model *m, const prep *p, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	if (!p->user_cols.C)
		return errorf(err, errlen, "the model has user features (%d column values), the "
			"data none (ml-prep --users with --user-feature)", c->user_vocab);
	if (side_vocab_size(&p->user_cols) != c->user_vocab || p->n_users != c->U)
		return errorf(err, errlen, "the side data is not the model's: %lld users, %d user "
			"column values, the model %lld and %d", (long long)p->n_users,
			side_vocab_size(&p->user_cols), (long long)c->U, c->user_vocab);
	side_columns_free(&m->ucols);
	if (side_columns_copy(&m->ucols, &p->user_cols, 0))
		return nomemf(err, errlen, "the users' columns", (size_t)c->user_vocab * 16);
	free(m->ufeat);
	m->ufeat = malloc(((size_t)c->U * USER_FEATURES + 1) * sizeof *m->ufeat);
	if (!m->ufeat)
		return nomemf(err, errlen, "the users' features", (size_t)c->U * USER_FEATURES * 4);
	for (int64_t u = 0; u < c->U; u++)
		column_rows(&p->user_cols, NULL, u, m->ufeat + u * USER_FEATURES);
	m->urows = m->ufeat;
	return 0;
}

int model_set_user_side(model *m, const prep *p, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	if (!c->user_features)
		return 0;
	if (c->user_vocab)
		return set_user_columns(m, p, err, errlen);
	/* a model of them trained on none would learn without them, silently */
	if (!p->gender)
		return errorf(err, errlen, "the model has user features (gender, age band, "
			"occupation), the data none (ml-prep --users)");
	if (p->n_users != c->U)
		return errorf(err, errlen, "the side data is not the model's: %lld users, the model %lld",
			(long long)p->n_users, (long long)c->U);
	/* a code the table has no row for would be dropped, silently */
	for (int64_t u = 0; p->occupation && u < p->n_users; u++)
		if (p->occupation[u] >= OCCUPATIONS)
			return errorf(err, errlen, "user %lld's occupation %d is not a code 0 to %d, "
				"which the model has rows for", (long long)p->user_ids[u],
				(int)p->occupation[u], OCCUPATIONS - 1);
	free(m->ufeat);
	m->ufeat = malloc(((size_t)c->U * USER_FEATURES + 1) * sizeof *m->ufeat);
	if (!m->ufeat)
		return nomemf(err, errlen, "the users' features", (size_t)c->U * USER_FEATURES * 4);
	for (int64_t u = 0; u < c->U; u++)
		model_user_rows(p, u, m->ufeat + u * USER_FEATURES);
	m->urows = m->ufeat;
	return 0;
}

/* z (T,E) += the features of each example's user; users[ubatch[t]] is
 * its row of m->urows. */
void user_features_forward(const model *m, const worker *wk)
{
	const acts *a = &wk->a;
	size_t E = m->c.E;
	if (!m->p.user_feat_emb || !m->urows)
		return;
	for (int64_t t = 0; t < wk->T; t++) {
		const int32_t *r = m->urows + (size_t)wk->users[a->ubatch[t]] * USER_FEATURES;
		float w[USER_FEATURES];
		row_weights(m, r, w);
		for (int f = 0; f < USER_FEATURES; f++)
			if (r[f] >= 0)
				for (size_t e = 0; e < E; e++)
					a->z[t * E + e] += w[f] * m->p.user_feat_emb[(size_t)r[f] * E + e];
	}
}

void user_features_backward(const model *m, worker *wk)
{
	const acts *a = &wk->a;
	size_t E = m->c.E;
	if (!wk->dp.user_feat_emb || !m->urows)
		return;
	for (int64_t t = 0; t < wk->T; t++) {
		const int32_t *r = m->urows + (size_t)wk->users[a->ubatch[t]] * USER_FEATURES;
		float w[USER_FEATURES];
		row_weights(m, r, w);
		for (int f = 0; f < USER_FEATURES; f++)
			if (r[f] >= 0)
				for (size_t e = 0; e < E; e++)
					wk->dp.user_feat_emb[(size_t)r[f] * E + e] += w[f] * a->dz[t * E + e];
	}
}

int model_user_vectors_of(model *m, const int32_t *rows, const int32_t *hist, int64_t B,
	float *out)
{
	const model_config *c = &m->c;
	int32_t *iota = malloc((B ? B : 1) * sizeof *iota);
	if (!iota)
		return -1;
	for (int64_t b = 0; b < B; b++)
		iota[b] = (int32_t)b;
	const int32_t *was = m->urows;
	m->urows = c->user_features ? rows : NULL;
	int rc = model_user_vectors(m, iota, hist, B, out);
	/* a row of no history has no example: its features alone */
	for (int64_t b = 0; rc == 0 && m->urows && b < B; b++) {
		if (hist[(b + 1) * c->L - 1] >= 0)
			continue;
		float w[USER_FEATURES];
		row_weights(m, rows + b * USER_FEATURES, w);
		for (int f = 0; f < USER_FEATURES; f++) {
			int32_t r = rows[b * USER_FEATURES + f];
			for (int e = 0; r >= 0 && e < c->E; e++)
				out[b * c->E + e] += w[f] * m->p.user_feat_emb[(size_t)r * c->E + e];
		}
	}
	m->urows = was;
	free(iota);
	return rc;
}
