/* model_carry.c - a trained model carried over to new data by original id
 * (see model.h): a row belongs to a user or an item, not to a position, so
 * a grown or renumbered catalogue starts where the old model left it. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "id_lookup.h"

/* The rows of table to (n_to,E) from from (n_from,E), by id: to's row i
 * is from's row of the same original id where there is one; the others
 * keep their fresh value, or zero when their features place them (a
 * feature model's unseen item is its features alone).  kept gets the
 * rows found. */
static int carry_rows(float *to, const int64_t *to_ids, int64_t n_to, const float *from,
	const int64_t *from_ids, int64_t n_from, int E, int zero_new, int64_t *kept)
{
	int64_t *pairs = id_lookup_new(from_ids, n_from);
	if (!pairs)
		return ERR_NOMEM;
	*kept = 0;
	for (int64_t i = 0; i < n_to; i++) {
		int64_t j = id_lookup(pairs, n_from, to_ids[i]);
		if (j >= 0) {
			memcpy(to + i * E, from + j * E, (size_t)E * sizeof *to);
			++*kept;
		} else if (zero_new) {
			memset(to + i * E, 0, (size_t)E * sizeof *to);
		}
	}
	free(pairs);
	return 0;
}

static int row_table(const char *name, int *of_users)
{
	*of_users = strcmp(name, "user_emb") == 0;
	return *of_users || !strcmp(name, "item_emb") || !strcmp(name, "hist_emb");
}

/* The rows of genre_emb in the data's genre order, by name: a data set
 * names its genres in the order its movies file first gives them, so the
 * same genres can come in another order (a grown catalogue, the file
 * sorted otherwise), and a row by column would be another genre's. */
static int carry_genres(model *m, const model *old, const prep *ids, char *err,
	size_t errlen)
{
	int32_t G = m->c.genres;
	if (!G || !ids->genre_names || ids->n_genres != G || !old->feat.genre_names ||
	    old->feat.G != G)
		return 0; /* no genres, or other counts: model_set_item_side says */
	const tensor_spec *t = NULL, *o = NULL;
	for (size_t i = 0; i < m->n_tensors; i++)
		if (!strcmp(m->spec[i].name, "genre_emb"))
			t = &m->spec[i], o = &old->spec[i];
	if (!t)
		return 0;
	size_t E = m->c.E;
	for (int32_t g = 0; g < G; g++) {
		int32_t j = 0;
		while (j < G && strcmp(old->feat.genre_names[j], ids->genre_names[g]) != 0)
			j++;
		if (j == G)
			return errorf(err, errlen, "genre '%s' of the data is not one of the model's",
				ids->genre_names[g]);
		memcpy(m->w + t->offset + g * E, old->w + o->offset + j * E, E * sizeof *m->w);
	}
	return 0;
}

/* The rows of table name (column_emb, user_feat_emb of a users file) by
 * column and value name, from the old model's columns to the data's: the
 * values the old model has keep their rows, new ones their fresh start
 * (a catalogue grows: a new brand is no error). */
static int carry_columns(model *m, const model *old, const char *name,
	const side_columns *from, const side_columns *to, char *err, size_t errlen)
{
	int32_t V = side_vocab_size(to);
	const float *src = NULL;
	float *dst = NULL;
	for (size_t i = 0; i < m->n_tensors; i++)
		if (!strcmp(m->spec[i].name, name))
			dst = m->w + m->spec[i].offset;
	for (size_t i = 0; i < old->n_tensors; i++)
		if (!strcmp(old->spec[i].name, name))
			src = old->w + old->spec[i].offset;
	if (!dst || !src || !V)
		return 0;
	int32_t *vmap = malloc((V ? V : 1) * sizeof *vmap);
	char unknown[300];
	if (!vmap || side_columns_map(from, to, vmap, unknown, sizeof unknown)) {
		free(vmap);
		return nomemf(err, errlen, "the columns of --init", (size_t)V * sizeof *vmap);
	}
	size_t E = m->c.E;
	for (int32_t v = 0; v < V; v++)
		if (vmap[v] >= 0)
			memcpy(dst + v * E, src + (size_t)vmap[v] * E, E * sizeof *dst);
	free(vmap);
	return 0;
}

model *model_carry(const model *old, const prep *old_ids, const prep *ids, uint64_t seed,
	model_carried *n, char *err, size_t errlen)
{
	model_config c = old->c;
	/* a model of feature columns on data of none would train on without
	 * them, its columns' rows dropped */
	if ((old->c.item_vocab && !ids->item_cols.C) || (old->c.user_vocab && !ids->user_cols.C)) {
		int items = old->c.item_vocab && !ids->item_cols.C;
		errorf(err, errlen, "the model has %s features (%d %s column values), the data "
			"none (ml-prep %s with %s)", items ? "item" : "user",
			items ? old->c.item_vocab : old->c.user_vocab,
			items ? "catalogue" : "users file", items ? "--items" : "--users",
			items ? "--item-feature" : "--user-feature");
		return NULL;
	}
	c.U = ids->n_users;
	c.N = ids->n_items;
	if (c.item_vocab) /* the data's values, carried by name */
		c.item_vocab = side_vocab_size(&ids->item_cols);
	if (c.user_vocab)
		c.user_vocab = side_vocab_size(&ids->user_cols);
	c.user_features = c.user_features && (!old->c.user_vocab || c.user_vocab);
	memset(n, 0, sizeof *n);
	model *m = model_new(&c, err, errlen);
	if (!m)
		return NULL;
	model_init_weights(m, seed);
	for (size_t i = 0; i < m->n_tensors; i++) {
		const tensor_spec *t = &m->spec[i], *o = &old->spec[i];
		float *to = m->w + t->offset;
		const float *from = old->w + o->offset;
		int of_users, rc = 0;
		int64_t kept = 0;
		/* the same configuration but U and N: the same list of tensors */
		if (!strcmp(t->name, "column_emb") || (c.user_vocab && !strcmp(t->name, "user_feat_emb")))
			continue; /* carry_columns */
		if (row_table(t->name, &of_users))
			rc = of_users
				? carry_rows(to, ids->user_ids, c.U, from, old_ids->user_ids, old->c.U,
					c.E, 0, &kept)
				: carry_rows(to, ids->item_ids, c.N, from, old_ids->item_ids, old->c.N,
					c.E, model_has_features(&c), &kept);
		else
			memcpy(to, from, t->dims[0] * (t->rank > 1 ? t->dims[1] : 1) * sizeof *to);
		if (rc) {
			model_free(m);
			nomemf(err, errlen, "the id lookup of --init", (size_t)old->c.N * 2 * sizeof(int64_t));
			return NULL;
		}
		if (of_users)
			n->users_kept = kept;
		else if (!strcmp(t->name, "item_emb"))
			n->items_kept = kept;
	}
	if (c.arch != ARCH_SEED) { /* no user rows: users carry nothing */
		int64_t *pairs = id_lookup_new(old_ids->user_ids, old->c.U);
		if (!pairs) {
			model_free(m);
			nomemf(err, errlen, "the id lookup of --init", (size_t)old->c.U * 2 * sizeof(int64_t));
			return NULL;
		}
		for (int64_t u = 0; u < c.U; u++)
			n->users_kept += id_lookup(pairs, old->c.U, ids->user_ids[u]) >= 0;
		free(pairs);
	}
	n->users_new = c.U - n->users_kept;
	n->items_new = c.N - n->items_kept;
	n->users_gone = old->c.U - n->users_kept;
	n->items_gone = old->c.N - n->items_kept;
	if (carry_genres(m, old, ids, err, errlen) ||
	    carry_columns(m, old, "column_emb", model_item_columns(old), &ids->item_cols, err,
		errlen) ||
	    carry_columns(m, old, "user_feat_emb", model_user_columns(old), &ids->user_cols, err,
		errlen)) {
		model_free(m);
		return NULL;
	}
	if (n->items_kept == 0) {
		model_free(m);
		errorf(err, errlen, "none of the model's %lld items is in the data (by original id): "
			"a model of other data?", (long long)old->c.N);
		return NULL;
	}
	return m;
}
