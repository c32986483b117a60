/* model_features.c - the item features: what an item is (genres, year,
 * title words) added to its id embedding, so that an item the training
 * never saw still gets a vector (see model.h).
 *
 * Row i of the item table of a pass is
 *   keep_i * item_emb[i] + mean of genre_emb[genres of i]
 *                        + year_emb[bucket of i's year]
 *                        + mean of word_emb[hash of each title word of i]
 *                        + sum over columns c of the mean of
 *                          column_emb[i's values in c]
 * and replaces item_emb for the towers (history and candidates alike).
 * Training drops the id part (keep_i = 0) of a share id_dropout of the
 * items each step, and always of the items it never saw, so that the
 * features alone must place an item: as they do for new items. */
#include "model_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ids.h"
#include "side.h"

void features_layout(model *m)
{
	const model_config *c = &m->c;
	/* one after another: feat_emb's rows are genres, years, words */
	if (c->genres)
		add_tensor(m, "genre_emb", 2, c->genres, c->E, INIT_EMB, 0);
	if (c->year_buckets)
		add_tensor(m, "year_emb", 2, c->year_buckets, c->E, INIT_EMB, 0);
	if (c->title_buckets)
		add_tensor(m, "word_emb", 2, c->title_buckets, c->E, INIT_EMB, 0);
	if (c->item_vocab)
		add_tensor(m, "column_emb", 2, c->item_vocab, c->E, INIT_EMB, 0);
}

const side_columns *model_item_columns(const model *m)
{
	return &m->feat.cols;
}

int features_alloc(model *m)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	if (!model_has_features(c))
		return 0;
	f->seen = malloc(c->N);
	f->keep = malloc(c->N);
	f->off = calloc(c->N + 1, sizeof *f->off);
	f->table = malloc((size_t)c->N * c->E * sizeof *f->table);
	f->rows = c->genres + c->year_buckets + c->title_buckets + c->item_vocab;
	f->support = malloc((size_t)f->rows * sizeof *f->support);
	if (!f->seen || !f->keep || !f->off || !f->table || !f->support)
		return -1;
	memset(f->seen, 1, c->N);
	return 0;
}

static void free_names(char **names, int32_t n)
{
	for (int32_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

void features_free(model *m)
{
	item_features *f = &m->feat;
	free_names(f->genre_names, f->G);
	free(f->genres);
	free(f->year);
	free(f->seen);
	free(f->support);
	free(f->off);
	free(f->row);
	free(f->wt);
	free(f->keep);
	free(f->table);
	side_columns_free(&f->cols);
	memset(f, 0, sizeof *f);
}

static int year_bucket(const model_config *c, int32_t year)
{
	if (year <= 0)
		return 0;
	int b = 1 + (year < FEATURE_YEAR_FROM ? 0 : (year - FEATURE_YEAR_FROM) / FEATURE_YEAR_STEP);
	return b < c->year_buckets ? b : c->year_buckets - 1;
}

/* The title's words (runs of letters, digits and non-ASCII bytes,
 * ASCII lowercased), without its trailing "(1995)", each hashed (FNV-1a
 * from the seed) into one of H buckets; returns how many, at most max. */
static int title_words(const char *t, uint32_t seed, int H, int32_t *out, int max)
{
	size_t n;
	int k = 0;
	title_year(t, &n);
	for (size_t i = 0; i < n && k < max;) {
		uint32_t h = 2166136261u ^ seed;
		size_t j = i;
		for (; j < n; j++) {
			unsigned char ch = (unsigned char)t[j];
			int word = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
				(ch >= 'A' && ch <= 'Z') || ch >= 0x80;
			if (!word)
				break;
			if (ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch - 'A' + 'a');
			h = (h ^ ch) * 16777619u;
		}
		if (j > i)
			out[k++] = (int32_t)(h % (uint32_t)H);
		i = j + 1;
	}
	return k;
}

#define MAX_WORDS 64

/* Item i's rows of the columns cols (vmap: their vocabulary rows to the
 * model's column rows, -1 for none), each column's the mean, into r, w. */
static size_t column_rows(const model_config *c, const side_columns *cols,
	const int32_t *vmap, int64_t i, int32_t *r, float *w)
{
	size_t k = 0, base = (size_t)c->genres + c->year_buckets + c->title_buckets;
	int64_t q = cols->off[i], end = cols->off[i + 1];
	while (q < end) {
		int32_t col = side_column_of(cols, cols->val[q]);
		size_t k0 = k;
		for (; q < end && cols->val[q] < cols->vocab_off[col + 1]; q++)
			if (vmap[cols->val[q]] >= 0)
				r[k++] = (int32_t)(base + vmap[cols->val[q]]);
		for (size_t j = k0; j < k; j++)
			w[j] = 1.0f / (float)(k - k0);
	}
	return k;
}

/* The feature rows of n items, into off (n+1), *row, *wt (malloc'd).
 * gmap maps the items' genre columns (G_in of them) to the model's, -1
 * for none; vmap the vocabulary of cols (NULL or C 0: none) likewise. */
static int feature_rows(const model_config *c, int64_t n, const uint8_t *genres, int G_in,
	const int32_t *gmap, const int32_t *year, char *const *titles,
	const side_columns *cols, const int32_t *vmap, int64_t *off, int32_t **row, float **wt)
{
	int with_cols = c->item_vocab && cols && cols->C && cols->off;
	size_t cap = (size_t)n * (1 + (size_t)G_in + (titles ? 8 : 0)) + 1, k = 0;
	int32_t *r = malloc(cap * sizeof *r);
	float *w = malloc(cap * sizeof *w);
	int32_t words[MAX_WORDS];
	if (!r || !w)
		goto oom;
	off[0] = 0;
	for (int64_t i = 0; i < n; i++) {
		size_t need = k + 1 + (size_t)G_in + MAX_WORDS +
			(with_cols ? (size_t)(cols->off[i + 1] - cols->off[i]) : 0);
		if (need > cap) {
			cap = 2 * need;
			int32_t *r2 = realloc(r, cap * sizeof *r);
			if (r2)
				r = r2;
			float *w2 = realloc(w, cap * sizeof *w);
			if (w2)
				w = w2;
			if (!r2 || !w2)
				goto oom;
		}
		if (c->genres && genres) {
			size_t k0 = k;
			for (int g = 0; g < G_in; g++)
				if (genres[i * G_in + g] && gmap[g] >= 0)
					r[k++] = gmap[g];
			for (size_t j = k0; j < k; j++)
				w[j] = 1.0f / (float)(k - k0);
		}
		if (c->year_buckets) {
			r[k] = c->genres + year_bucket(c, year ? year[i] : 0);
			w[k++] = 1.0f;
		}
		if (c->title_buckets && titles && titles[i]) {
			int nw = title_words(titles[i], c->title_seed, c->title_buckets, words, MAX_WORDS);
			for (int j = 0; j < nw; j++) {
				r[k] = c->genres + c->year_buckets + words[j];
				w[k++] = 1.0f / (float)nw;
			}
		}
		if (with_cols)
			k += column_rows(c, cols, vmap, i, r + k, w + k);
		off[i + 1] = (int64_t)k;
	}
	*row = r;
	*wt = w;
	return 0;
oom:
	free(r);
	free(w);
	return -1;
}

/* An item whose id part was never trained (a new item, or one of no
 * training row) takes no feature row that fewer than FEATURE_MIN_ITEMS
 * trained items have: such a row names those items more than it
 * describes this one, and a row no trained item has would move only as
 * this item's negative.  Its weight goes to zero, not to the item's other
 * rows, so the item's row keeps the scale training gives items of the
 * same features.  The same in training and serving. */
static void drop_unsupported(const item_features *f, int64_t n, const uint8_t *trained,
	const int64_t *off, const int32_t *row, float *wt)
{
	for (int64_t i = 0; i < n; i++)
		for (int64_t k = off[i]; !trained[i] && k < off[i + 1]; k++)
			if (f->support[row[k]] < FEATURE_MIN_ITEMS)
				wt[k] = 0.0f;
}

/* How many trained items have each feature row, and the untrained
 * items' rows by it. */
static void count_support(item_features *f, int64_t N)
{
	memset(f->support, 0, (size_t)f->rows * sizeof *f->support);
	for (int64_t i = 0; i < N; i++)
		for (int64_t k = f->off[i]; f->seen[i] && k < f->off[i + 1]; k++) {
			int again = 0;
			for (int64_t j = f->off[i]; j < k && !again; j++)
				again = f->row[j] == f->row[k];
			f->support[f->row[k]] += !again;
		}
	drop_unsupported(f, N, f->seen, f->off, f->row, f->wt);
}

/* The model's feature rows from its side data and the titles. */
static int build_rows(model *m, char **titles)
{
	item_features *f = &m->feat;
	int32_t V = side_vocab_size(&f->cols);
	int32_t *gmap = malloc((f->G ? f->G : 1) * sizeof *gmap);
	int32_t *vmap = malloc((V ? V : 1) * sizeof *vmap);
	int rc = -1;
	if (!gmap || !vmap)
		goto out;
	for (int32_t g = 0; g < f->G; g++)
		gmap[g] = g;
	for (int32_t v = 0; v < V; v++)
		vmap[v] = v;
	free(f->row);
	free(f->wt);
	f->row = NULL;
	f->wt = NULL;
	rc = feature_rows(&m->c, m->c.N, f->genres, f->G, gmap, f->year, titles,
		&f->cols, vmap, f->off, &f->row, &f->wt);
	if (rc == 0)
		count_support(f, m->c.N);
out:
	free(gmap);
	free(vmap);
	return rc;
}

int model_set_item_side(model *m, const prep *side, const uint8_t *seen, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	size_t N = c->N;
	if (!model_has_features(c)) {
		snprintf(err, errlen, "the model has no features");
		return -1;
	}
	if (side->n_items != c->N || (c->genres && (!side->genres || side->n_genres != c->genres)) ||
	    (c->year_buckets && !side->year) || (c->title_buckets && !side->titles) ||
	    side_vocab_size(&side->item_cols) != c->item_vocab) {
		snprintf(err, errlen, "the side data is not the model's: %lld items, %d genres%s%s, "
			"%d column values (the model %d)", (long long)side->n_items,
			side->genres ? side->n_genres : 0, side->year ? "" : ", no years",
			side->titles ? "" : ", no titles", side_vocab_size(&side->item_cols),
			c->item_vocab);
		return -1;
	}
	side_columns_free(&f->cols);
	if (side_columns_copy(&f->cols, &side->item_cols, 1))
		goto oom;
	free_names(f->genre_names, f->G);
	free(f->genres);
	free(f->year);
	f->genre_names = NULL;
	f->genres = NULL;
	f->year = NULL;
	f->G = c->genres;
	if (c->genres) {
		f->genre_names = calloc(f->G, sizeof *f->genre_names);
		f->genres = malloc(N * f->G);
		if (!f->genre_names || !f->genres)
			goto oom;
		for (int32_t g = 0; g < f->G; g++)
			if (!(f->genre_names[g] = strdup(side->genre_names[g])))
				goto oom;
		memcpy(f->genres, side->genres, N * f->G);
	}
	if (c->year_buckets) {
		if (!(f->year = malloc(N * sizeof *f->year)))
			goto oom;
		memcpy(f->year, side->year, N * sizeof *f->year);
	}
	if (seen)
		memcpy(f->seen, seen, N);
	else
		memset(f->seen, 1, N);
	if (build_rows(m, side->titles))
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the item features");
	return -1;
}

/* table (n,E) from feature rows, the id parts of ids[i] where keep[i]
 * (ids NULL: the item itself). */
static void fill_table(const model *m, const float *item_emb, const float *feat_emb,
	int64_t n, const int64_t *off, const int32_t *row, const float *wt,
	const int32_t *ids, const uint8_t *keep, float *table)
{
	size_t E = m->c.E;
	for (int64_t i = 0; i < n; i++) {
		float *t = table + i * E;
		int64_t id = ids ? ids[i] : i;
		if (keep[i])
			memcpy(t, item_emb + id * E, E * sizeof *t);
		else
			memset(t, 0, E * sizeof *t);
		for (int64_t k = off[i]; k < off[i + 1]; k++) {
			const float *r = feat_emb + (size_t)row[k] * E;
			float w = wt[k];
			for (size_t e = 0; e < E; e++)
				t[e] += w * r[e];
		}
	}
}

static void swap_in(model *m, float *table)
{
	item_features *f = &m->feat;
	f->item_emb = m->p.item_emb;
	if (m->p.hist_emb == m->p.item_emb)
		m->p.hist_emb = table;
	m->p.item_emb = table;
}

void features_end(model *m)
{
	item_features *f = &m->feat;
	if (!f->item_emb)
		return;
	if (m->p.hist_emb == m->p.item_emb)
		m->p.hist_emb = f->item_emb;
	m->p.item_emb = f->item_emb;
	f->item_emb = NULL;
}

void features_begin(model *m, uint64_t *rng)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	if (!model_has_features(c))
		return;
	features_end(m);
	uint64_t drop = rng ? rng_next(rng) : 0;
	for (int64_t i = 0; i < c->N; i++)
		f->keep[i] = f->seen[i] && !(rng && rng_uniform(&drop) < c->id_dropout);
	fill_table(m, m->p.item_emb, m->p.feat_emb, c->N, f->off, f->row, f->wt, NULL,
		f->keep, f->table);
	swap_in(m, f->table);
}

void features_backward(model *m)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	if (!model_has_features(c))
		return;
	size_t E = c->E;
	for (int64_t i = 0; i < c->N; i++) {
		float *d = m->dp.item_emb + i * E;
		for (int64_t k = f->off[i]; k < f->off[i + 1]; k++) {
			float *o = m->dp.feat_emb + (size_t)f->row[k] * E, w = f->wt[k];
			for (size_t e = 0; e < E; e++)
				o[e] += w * d[e];
		}
		if (!f->keep[i])
			memset(d, 0, E * sizeof *d);
	}
	features_end(m);
}

int model_side_item_vectors(model *m, const prep *items, const int32_t *known, float *out,
	char *unknown, size_t unknown_len, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	int64_t n = items->n_items;
	size_t E = c->E;
	int G_in = items->genres ? items->n_genres : 0;
	int32_t unknown_genre = -1, V_in = side_vocab_size(&items->item_cols);
	*unknown = '\0';
	if (!model_has_features(c)) {
		snprintf(err, errlen, "the model has no item features (trained with --no-features "
			"or without side data): it cannot place new items");
		return -1;
	}
	int32_t *gmap = malloc((G_in ? G_in : 1) * sizeof *gmap);
	int32_t *vmap = malloc((V_in ? V_in : 1) * sizeof *vmap);
	int64_t *off = malloc((n + 1) * sizeof *off);
	uint8_t *keep = malloc(n ? n : 1);
	float *table = malloc((n ? n : 1) * E * sizeof *table);
	float *ih = has_item_mlp(c) ? malloc((n ? n : 1) * (size_t)c->F * sizeof *ih) : NULL;
	int32_t *row = NULL, *ids = malloc((n ? n : 1) * sizeof *ids);
	float *wt = NULL;
	int rc = -1;
	if (!gmap || !vmap || !off || !keep || !table || !ids || (has_item_mlp(c) && !ih))
		goto oom;
	for (int g = 0; g < G_in; g++) {
		gmap[g] = -1;
		for (int32_t j = 0; j < f->G; j++)
			if (strcmp(items->genre_names[g], f->genre_names[j]) == 0)
				gmap[g] = j;
		if (gmap[g] < 0 && unknown_genre < 0)
			for (int64_t i = 0; i < n && unknown_genre < 0; i++)
				if (items->genres[i * G_in + g])
					unknown_genre = g;
	}
	if (unknown_genre >= 0)
		snprintf(unknown, unknown_len, "genre '%s'", items->genre_names[unknown_genre]);
	else if (side_columns_map(&f->cols, &items->item_cols, vmap, unknown, unknown_len))
		goto oom;
	if (feature_rows(c, n, items->genres, G_in, gmap, items->year, items->titles,
		&items->item_cols, vmap, off, &row, &wt))
		goto oom;
	for (int64_t i = 0; i < n; i++) {
		keep[i] = known[i] >= 0 && known[i] < c->N && f->seen[known[i]];
		ids[i] = keep[i] ? known[i] : 0;
	}
	features_end(m);
	drop_unsupported(f, n, keep, off, row, wt);
	fill_table(m, m->p.item_emb, m->p.feat_emb, n, off, row, wt, ids, keep, table);
	if (has_item_mlp(c)) {
		swap_in(m, table);
		item_forward(m, ih, out, 0, (size_t)n);
		features_end(m);
	} else {
		memcpy(out, table, (size_t)n * E * sizeof *out);
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(gmap); free(vmap); free(off); free(keep); free(table); free(ih); free(row); free(wt); free(ids);
	return rc;
}

/* ---- the model stream ---- */

int features_meta(const model *m, char *buf, size_t len)
{
	const model_config *c = &m->c;
	if (!model_has_features(c)) {
		*buf = 0;
		return 0;
	}
	return snprintf(buf, len, "genres=%d\nyear_buckets=%d\nyear_from=%d\nyear_step=%d\n"
		"title_buckets=%d\ntitle_seed=%u\nid_dropout=%g\n", c->genres, c->year_buckets,
		FEATURE_YEAR_FROM, FEATURE_YEAR_STEP, c->title_buckets, c->title_seed,
		(double)c->id_dropout) >= (int)len ||
		(c->item_vocab && snprintf(buf + strlen(buf), len - strlen(buf), "item_vocab=%d\n",
			c->item_vocab) >= (int)(len - strlen(buf))) ? -1 : 0;
}

int features_parse(const char *meta, model_config *c, char *err, size_t errlen)
{
	long long g, y, t, s, from, step, v;
	double id_dropout;
	if (meta_long(meta, "genres", 0, GENRES_MAX, &g, err, errlen) ||
	    meta_long(meta, "item_vocab", 0, SIDE_VOCAB_MAX, &v, err, errlen) ||
	    meta_long(meta, "year_buckets", 0, 4096, &y, err, errlen) ||
	    meta_long(meta, "title_buckets", 0, 1 << 24, &t, err, errlen) ||
	    meta_long(meta, "title_seed", 0, UINT32_MAX, &s, err, errlen) ||
	    meta_long(meta, "year_from", FEATURE_YEAR_FROM, FEATURE_YEAR_FROM, &from, err, errlen) ||
	    meta_long(meta, "year_step", FEATURE_YEAR_STEP, FEATURE_YEAR_STEP, &step, err, errlen) ||
	    meta_float(meta, "id_dropout", 0, 1, &id_dropout, err, errlen))
		return -1;
	if (y && (!from || !step)) {
		snprintf(err, errlen, "meta: year_buckets= without year_from= and year_step=");
		return -1;
	}
	c->genres = (int)g;
	c->year_buckets = (int)y;
	c->title_buckets = (int)t;
	c->title_seed = (uint32_t)s;
	c->id_dropout = (float)id_dropout;
	c->item_vocab = (int)v;
	return 0;
}

int features_write(tts_writer *w, const model *m)
{
	const model_config *c = &m->c;
	const item_features *f = &m->feat;
	uint64_t N = c->N;
	if (!model_has_features(c))
		return 0;
	if (c->genres && genres_write(w, c->N, f->G, f->genre_names, f->genres))
		return -1;
	if (c->year_buckets && tts_write(w, "year", TTS_I32, 1, &N, f->year))
		return -1;
	if (c->item_vocab && side_columns_write(w, "item", &f->cols))
		return -1;
	return tts_write(w, "item_seen", TTS_U8, 1, &N, f->seen) ? -1 : 0;
}

int features_read_record(tts_reader *r, const tts_header *h, model *m, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	uint64_t N = c->N;
	int is_genres = strcmp(h->name, "genres") == 0, is_names = strcmp(h->name, "genre_names") == 0;
	int is_year = strcmp(h->name, "year") == 0, is_seen = strcmp(h->name, "item_seen") == 0;
	if (!is_genres && !is_names && !is_year && !is_seen) {
		int rc = side_columns_read_record(r, h, "item", &f->cols, c->N, err, errlen);
		if (rc > 0 && !c->item_vocab) {
			snprintf(err, errlen, "record %s: not that of a model without item_vocab=",
				h->name);
			return -1;
		}
		return rc;
	}
	if (!model_has_features(c) || ((is_genres || is_names) && !c->genres) ||
	    (is_year && !c->year_buckets)) {
		snprintf(err, errlen, "record %s: not that of a model with %d genres%s, %lld items",
			h->name, c->genres, c->year_buckets ? ", years" : "", (long long)c->N);
		return -1;
	}
	if (is_names) {
		if (tts_check_shape(h, &(tts_shape){ TTS_TEXT, 1, { TTS_UPTO('T', TTS_MAX_DIM) } },
			err, errlen) < 0)
			return -1;
		char *text = tts_read_alloc(r, h, 1 << 20);
		if (!text) {
			snprintf(err, errlen, "%s", tts_reader_error(r));
			return -1;
		}
		free_names(f->genre_names, f->G);
		f->G = c->genres;
		f->genre_names = split_lines(text, f->G);
		free(text);
		if (!f->genre_names) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 1;
	}
	tts_shape s = { is_year ? TTS_I32 : TTS_U8, is_genres ? 2 : 1, { N, (uint64_t)c->genres } };
	void **dst = is_genres ? (void **)&f->genres : is_year ? (void **)&f->year : (void **)&f->seen;
	size_t cap = 0; /* each its own block, resized to the record */
	if (tts_read_shaped_into(r, h, &s, dst, &cap, err, errlen) < 0)
		return -1;
	if (is_seen)
		for (uint64_t i = 0; i < N; i++)
			if (f->seen[i] > 1) {
				snprintf(err, errlen, "record item_seen: item %llu has %d, not 0 or 1",
					(unsigned long long)i, f->seen[i]);
				return -1;
			}
	if (is_genres)
		for (uint64_t i = 0; i < N * (uint64_t)c->genres; i++)
			if (f->genres[i] > 1) {
				snprintf(err, errlen, "record genres: item %llu genre %llu has %d, not 0 or 1",
					(unsigned long long)(i / c->genres), (unsigned long long)(i % c->genres),
					f->genres[i]);
				return -1;
			}
	return 1;
}

int features_loaded(model *m, char **titles, char *err, size_t errlen)
{
	const model_config *c = &m->c;
	item_features *f = &m->feat;
	const char *missing = NULL;
	if (!model_has_features(c))
		return 0;
	if (c->genres && !f->genres)
		missing = "genres";
	else if (c->genres && !f->genre_names)
		missing = "genre_names";
	else if (c->year_buckets && !f->year)
		missing = "year";
	else if (c->title_buckets && !titles)
		missing = "titles";
	else if (c->item_vocab && !m->feat.cols.C)
		missing = "item_columns";
	if (missing) {
		snprintf(err, errlen, "record %s: missing (the model has item features)", missing);
		return -1;
	}
	if (side_columns_check("item", &f->cols, 1, err, errlen))
		return -1;
	if (c->item_vocab && side_vocab_size(&f->cols) != c->item_vocab) {
		snprintf(err, errlen, "record item_vocab: %d values, the meta's item_vocab=%d",
			side_vocab_size(&f->cols), c->item_vocab);
		return -1;
	}
	if (build_rows(m, titles)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
