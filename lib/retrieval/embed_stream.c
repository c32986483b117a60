/* embed_stream.c - embeddings and recs streams: groups of records. */
#include "embed_stream.h"
#include "id_lookup.h"
#include "ids.h"

#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(group_reader *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(group_reader *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof g->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Room for n bytes in *buf (a pointer to any pointer), *cap bytes. */
static int reserve(void *buf, size_t *cap, size_t n)
{
	void **p = buf;
	if (n <= *cap && *p)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < n)
		c *= 2;
	void *q = realloc(*p, c);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- the meta record and group boundaries ---- */

const char *model_hex(uint64_t model, char buf[17])
{
	snprintf(buf, 17, "%016" PRIx64, model);
	return buf;
}

/* model=: 16 hex digits, none of them all zero */
static int meta_model(group_reader *g)
{
	char v[64];
	g->model = 0;
	if (!tts_meta_get(g->meta, "model", v, sizeof v))
		return 0;
	/* the digits alone: strtoull would take a sign, blanks and 0x too */
	unsigned long long x = strtoull(v, NULL, 16);
	if (strlen(v) != 16 || strspn(v, "0123456789abcdefABCDEF") != 16 || x == 0)
		return fail(g, "meta: model=%s is not a model's identity (16 hex digits)", v);
	g->model = x;
	return 0;
}

static int group_open(group_reader *g, tts_reader *r, const char *kind)
{
	memset(g, 0, sizeof *g);
	g->r = r;
	tts_header h;
	int rc = tts_next(r, &h);
	if (rc < 0)
		return fail(g, "%s", tts_reader_error(r));
	if (rc == 0 || h.dtype != TTS_TEXT)
		return fail(g, "no meta record first, expected kind=%s", kind);
	g->meta = tts_read_alloc(r, &h, 1 << 20);
	if (!g->meta)
		return fail(g, "%s", tts_reader_error(r));
	char k[64];
	if (!tts_meta_get(g->meta, "kind", k, sizeof k))
		return fail(g, "meta has no kind=, expected kind=%s", kind);
	if (strcmp(k, kind) != 0)
		return fail(g, "kind=%s, expected kind=%s", k, kind);
	return meta_model(g);
}

/* An open's result rc: a failed open keeps nothing but the reason, so
 * that it needs no close. */
static int opened(group_reader *g, int rc)
{
	if (rc == 0)
		return 0;
	free(g->meta);
	g->meta = NULL;
	return -1;
}

/* Next header: 1 a record of the current group, 2 the first record of the
 * next group (kept for the next call), 0 the end, -1 an error.  started:
 * whether the current group has begun. */
static int group_header(group_reader *g, const char *first, int started,
	tts_header *h)
{
	if (g->at_end)
		return 0;
	if (g->have_next) {
		g->have_next = 0;
		*h = g->next;
		return 1;
	}
	int rc = tts_next(g->r, h);
	if (rc < 0)
		return fail(g, "%s", tts_reader_error(g->r));
	if (rc == 0) {
		g->at_end = 1;
		return 0;
	}
	if (started && strcmp(h->name, first) == 0) {
		g->next = *h;
		g->have_next = 1;
		return 2;
	}
	return 1;
}

/* A record's data, checked against s, into *buf (any pointer's
 * address), grown as the data arrives. */
static int read_array(group_reader *g, const tts_header *h, const tts_shape *s,
	void *buf, size_t *cap)
{
	return tts_read_shaped_into(g->r, h, s, (void **)buf, cap, g->err, sizeof g->err);
}

static int no_memory(group_reader *g, const char *name)
{
	return fail(g, "record %s: out of memory", name);
}

/* ---- embeddings ---- */

static int embed_meta(embed_reader *er, tts_reader *r)
{
	if (group_open(&er->g, r, "embeddings") < 0)
		return -1;
	char v[64];
	const char *meta = er->g.meta;
	if (!tts_meta_get(meta, "of", v, sizeof v) ||
	    (strcmp(v, "items") != 0 && strcmp(v, "users") != 0))
		return fail(&er->g, "embeddings meta: of= must be items or users");
	er->users = strcmp(v, "users") == 0;
	char *end;
	if (!tts_meta_get(meta, "dim", v, sizeof v))
		return fail(&er->g, "embeddings meta: no dim=");
	long d = strtol(v, &end, 10);
	if (end == v || *end || d < 1 || d > EMBED_MAX_DIM)
		return fail(&er->g, "embeddings meta: bad dim=%s", v);
	er->dim = (int)d;
	er->count = -1;
	if (tts_meta_get(meta, "count", v, sizeof v)) {
		/* rows are indexed by i32, and a larger count would overflow
		 * the sizes allocated from it */
		long long c = strtoll(v, &end, 10);
		if (end == v || *end || c < 0 || c > INT32_MAX)
			return fail(&er->g, "embeddings meta: bad count=%s", v);
		er->count = c;
	}
	er->range = -1;
	if (er->users && tts_meta_get(meta, "users", v, sizeof v)) {
		long long u = strtoll(v, &end, 10);
		if (end == v || *end || u < 0 || u > INT32_MAX)
			return fail(&er->g, "embeddings meta: bad users=%s", v);
		er->range = u;
	}
	if (!tts_meta_get(meta, "at", er->at, sizeof er->at))
		er->at[0] = '\0';
	if (tts_meta_get(meta, "ids", v, sizeof v)) {
		if (strcmp(v, "strings") != 0)
			return fail(&er->g, "embeddings meta: ids=%s, expected ids=strings", v);
		er->named = 1;
	}
	return 0;
}

int embed_reader_open(embed_reader *er, tts_reader *r)
{
	memset(er, 0, sizeof *er);
	return opened(&er->g, embed_meta(er, r));
}

/* A names record of the group's n rows (string ids), checked against
 * their ids, into *text / *lines. */
static int read_names(group_reader *g, const tts_header *h, const char *what,
	const int64_t *ids, int64_t n, char **text, size_t *cap_text, char ***lines,
	size_t *cap_lines)
{
	if (reserve(lines, cap_lines, (n + 1) * sizeof(char *)) < 0)
		return no_memory(g, h->name);
	if (titles_read(g->r, h, n, text, cap_text, *lines, g->err, sizeof g->err) < 0)
		return -1;
	return names_check(what, *lines, ids, n, g->err, sizeof g->err) < 0 ? -1 : 0;
}

/* Titles: B lines of text, split in place into grp->titles_buf. */
static int read_titles(embed_reader *er, const tts_header *h, embed_group *grp)
{
	group_reader *g = &er->g;
	/* the rows' pointers cost no more than their ids, already read */
	if (reserve(&grp->titles_buf, &grp->cap_titles, (grp->n + 1) * sizeof(char *)) < 0)
		return no_memory(g, "titles");
	return titles_read(g->r, h, grp->n, &grp->text, &grp->cap_text, grp->titles_buf,
		g->err, sizeof g->err);
}

/* Indices inside the numbering (users= of a users stream, when given)
 * and vectors that are numbers: a NaN would rank nowhere, silently. */
static int check_rows(embed_reader *er, const embed_group *grp)
{
	const char *what = er->users ? "user" : "item";
	for (int64_t i = 0; i < grp->n; i++) {
		int64_t x = grp->index[i];
		if (x < 0 || (er->range >= 0 && x >= er->range))
			return fail(&er->g, "record index: %s %" PRId64
				" has index %" PRId64 ", outside 0..%" PRId64, what,
				grp->ids[i], x, er->range >= 0 ? er->range - 1 : (int64_t)INT32_MAX);
		for (int d = 0; d < grp->dim; d++)
			if (!isfinite(grp->vectors[i * grp->dim + d]))
				return fail(&er->g, "record vectors: %s %" PRId64
					"'s vector is not finite (%g at %d)", what, grp->ids[i],
					(double)grp->vectors[i * grp->dim + d], d);
	}
	return 0;
}

static int check_seen(group_reader *g, const embed_group *grp)
{
	const int64_t *o = grp->offsets_buf;
	if (o[0] != 0)
		return fail(g, "record seen_offsets: does not start at 0");
	for (int64_t i = 0; i < grp->n; i++)
		if (o[i + 1] < o[i])
			return fail(g, "record seen_offsets: decreasing at row %" PRId64, i);
	return 0;
}

int embed_read_group(embed_reader *er, embed_group *grp)
{
	group_reader *g = &er->g;
	tts_header h;
	int started = 0, have_vec = 0, have_index = 0, have_off = 0, have_seen = 0;
	int have_titles = 0, have_names = 0;
	int rc;
	grp->dim = er->dim;
	while ((rc = group_header(g, "ids", started, &h)) == 1) {
		if (!started) {
			if (strcmp(h.name, "ids") != 0)
				continue; /* not ours, or a stray record: skip */
			if (read_array(g, &h, &(tts_shape){ TTS_I64, 1, { TTS_UPTO('B', INT32_MAX) } },
				&grp->ids, &grp->cap_ids) < 0)
				return -1;
			grp->n = (int64_t)h.dims[0];
			started = 1;
		} else if (strcmp(h.name, "index") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_I32, 1, { grp->n } },
				&grp->index, &grp->cap_index) < 0)
				return -1;
			have_index = 1;
		} else if (strcmp(h.name, "vectors") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_F32, 2, { grp->n, er->dim } },
				&grp->vectors, &grp->cap_vec) < 0)
				return -1;
			have_vec = 1;
		} else if (strcmp(h.name, "titles") == 0) {
			if (read_titles(er, &h, grp) < 0)
				return -1;
			have_titles = 1;
		} else if (strcmp(h.name, "names") == 0) {
			if (read_names(g, &h, "names", grp->ids, grp->n, &grp->ntext,
				&grp->cap_ntext, &grp->names_buf, &grp->cap_names) < 0)
				return -1;
			have_names = 1;
		} else if (strcmp(h.name, "seen_offsets") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_I64, 1, { grp->n + 1 } },
				&grp->offsets_buf, &grp->cap_offsets) < 0 ||
			    check_seen(g, grp) < 0)
				return -1;
			have_off = 1;
		} else if (strcmp(h.name, "seen") == 0) {
			if (!have_off)
				return fail(g, "record seen: before seen_offsets");
			uint64_t s = (uint64_t)grp->offsets_buf[grp->n];
			if (read_array(g, &h, &(tts_shape){ TTS_I32, 1, { s } },
				&grp->seen_buf, &grp->cap_seen) < 0)
				return -1;
			have_seen = 1;
		}
	}
	if (rc < 0)
		return -1;
	if (!started)
		return 0;
	if (!have_index || !have_vec)
		return fail(g, "group of %" PRId64 " rows: no %s record", grp->n,
			have_index ? "vectors" : "index");
	if (have_off && !have_seen)
		return fail(g, "group of %" PRId64 " rows: seen_offsets without seen",
			grp->n);
	if (have_names != er->named)
		return fail(g, "group of %" PRId64 " rows: %s", grp->n, er->named ?
			"no names record, though the meta says ids=strings" :
			"a names record, though the meta does not say ids=strings");
	if (check_rows(er, grp) < 0)
		return -1;
	grp->names = have_names ? grp->names_buf : NULL;
	grp->titles = have_titles ? grp->titles_buf : NULL;
	grp->seen_offsets = have_off ? grp->offsets_buf : NULL;
	grp->seen = have_off ? grp->seen_buf : NULL;
	return 1;
}

void embed_reader_close(embed_reader *er)
{
	free(er->g.meta);
	er->g.meta = NULL;
}

void embed_group_free(embed_group *grp)
{
	free(grp->ids);
	free(grp->index);
	free(grp->vectors);
	free(grp->text);
	free(grp->titles_buf);
	free(grp->ntext);
	free(grp->names_buf);
	free(grp->offsets_buf);
	free(grp->seen_buf);
	memset(grp, 0, sizeof *grp);
}

/* model=, when there is one, at meta + n (room size). */
static int put_model(char *meta, size_t size, int n, uint64_t model)
{
	return model ? n + snprintf(meta + n, size - n, "model=%016" PRIx64 "\n", model) : n;
}

int embed_write_meta(tts_writer *w, int users, int dim, int64_t count,
	int64_t range, const char *at, uint64_t model, int named)
{
	char meta[256];
	int n = snprintf(meta, sizeof meta,
		"kind=embeddings\nof=%s\ndim=%d\ncount=%" PRId64 "\n",
		users ? "users" : "items", dim, count);
	if (users)
		n += snprintf(meta + n, sizeof meta - n, "users=%" PRId64 "\n", range);
	if (at && *at)
		n += snprintf(meta + n, sizeof meta - n, "at=%s\n", at);
	if (named)
		n += snprintf(meta + n, sizeof meta - n, "ids=strings\n");
	put_model(meta, sizeof meta, n, model);
	return tts_write_meta(w, meta);
}

int embed_write_group(tts_writer *w, const embed_group *grp)
{
	uint64_t b = (uint64_t)grp->n, dims[2] = { b, (uint64_t)grp->dim };
	if (tts_write(w, "ids", TTS_I64, 1, &b, grp->ids) < 0 ||
	    tts_write(w, "index", TTS_I32, 1, &b, grp->index) < 0 ||
	    tts_write(w, "vectors", TTS_F32, 2, dims, grp->vectors) < 0)
		return -1;
	if (grp->names && names_write(w, "names", grp->names, grp->n) < 0)
		return -1;
	if (grp->titles && titles_write(w, grp->titles, grp->n) < 0)
		return -1;
	if (grp->seen_offsets) {
		uint64_t b1 = b + 1, s = (uint64_t)grp->seen_offsets[b];
		if (tts_write(w, "seen_offsets", TTS_I64, 1, &b1,
			grp->seen_offsets) < 0 ||
		    tts_write(w, "seen", TTS_I32, 1, &s, grp->seen) < 0)
			return -1;
	}
	return 0;
}

/* ---- a whole items stream ---- */

/* Rows appended in stream order; put in index order by order_rows. */
static int load_group(embed_items *it, int64_t at, const embed_group *grp,
	char *err, size_t errlen)
{
	int64_t d = it->dim;
	for (int64_t i = 0; i < grp->n; i++) {
		int64_t x = grp->index[i], row = at + i; /* >= 0: the group reader checked */
		it->index[row] = (int32_t)x;
		it->ids[row] = grp->ids[i];
		memcpy(it->vectors + row * d, grp->vectors + i * d, d * sizeof(float));
		if (grp->titles) {
			if (!it->titles && !(it->titles = calloc(it->n, sizeof(char *))))
				goto nomem;
			if (!(it->titles[row] = strdup(grp->titles[i])))
				goto nomem;
		}
		if (grp->names) {
			if (!it->names && !(it->names = calloc(it->n, sizeof(char *))))
				goto nomem;
			if (!(it->names[row] = strdup(grp->names[i])))
				goto nomem;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int cmp_pair(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Sort the rows by item index, refuse an index twice, and drop index
 * when it is 0..N-1, the stream of every item. */
static int order_rows(embed_items *it, char *err, size_t errlen)
{
	int64_t n = it->n, d = it->dim, sorted = 1, identity = 1;
	for (int64_t i = 0; i < n; i++) {
		sorted &= i == 0 || it->index[i - 1] <= it->index[i];
		identity &= it->index[i] == i;
	}
	if (identity) {
		free(it->index);
		it->index = NULL;
		return 0;
	}
	if (!sorted) {
		int64_t *pairs = malloc((n + 1) * 2 * sizeof *pairs);
		int64_t *ids = malloc((n + 1) * sizeof *ids);
		float *vec = malloc(((size_t)n * d + 1) * sizeof *vec);
		char **titles = it->titles ? malloc((n + 1) * sizeof *titles) : NULL;
		char **names = it->names ? malloc((n + 1) * sizeof *names) : NULL;
		if (!pairs || !ids || !vec || (it->titles && !titles) || (it->names && !names)) {
			free(pairs), free(ids), free(vec), free(titles), free(names);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (int64_t i = 0; i < n; i++) {
			pairs[2 * i] = it->index[i];
			pairs[2 * i + 1] = i;
		}
		qsort(pairs, n, 2 * sizeof *pairs, cmp_pair);
		for (int64_t i = 0; i < n; i++) {
			int64_t from = pairs[2 * i + 1];
			it->index[i] = (int32_t)pairs[2 * i];
			ids[i] = it->ids[from];
			memcpy(vec + i * d, it->vectors + from * d, d * sizeof *vec);
			if (titles)
				titles[i] = it->titles[from];
			if (names)
				names[i] = it->names[from];
		}
		free(pairs);
		free(it->ids), it->ids = ids;
		free(it->vectors), it->vectors = vec;
		if (titles)
			free(it->titles), it->titles = titles;
		if (names)
			free(it->names), it->names = names;
	}
	for (int64_t i = 1; i < n; i++)
		if (it->index[i] == it->index[i - 1]) {
			snprintf(err, errlen, "record index: item index %" PRId32 " twice",
				it->index[i]);
			return -1;
		}
	return 0;
}

int embed_items_load(tts_reader *r, embed_items *it, char *err, size_t errlen)
{
	embed_reader er;
	embed_group grp;
	memset(it, 0, sizeof *it);
	memset(&grp, 0, sizeof grp);
	int rc = -1;
	if (embed_reader_open(&er, r) < 0) {
		snprintf(err, errlen, "%s", er.g.err);
		goto out;
	}
	if (er.users || er.count < 0) {
		snprintf(err, errlen, "%s", er.users ?
			"embeddings of users, expected items" : "embeddings meta: no count=");
		goto out;
	}
	it->n = er.count;
	it->dim = er.dim;
	it->ids = malloc((it->n + 1) * sizeof(int64_t));
	it->index = malloc((it->n + 1) * sizeof(int32_t));
	it->vectors = malloc(((size_t)it->n * it->dim + 1) * sizeof(float));
	if (!it->ids || !it->index || !it->vectors) {
		snprintf(err, errlen, "out of memory for %" PRId64 " items", it->n);
		goto out;
	}
	int64_t rows = 0, g;
	while ((g = embed_read_group(&er, &grp)) == 1) {
		if (grp.n > it->n - rows) {
			snprintf(err, errlen, "more rows than count=%" PRId64, it->n);
			goto out;
		}
		if (load_group(it, rows, &grp, err, errlen) < 0)
			goto out;
		rows += grp.n;
	}
	if (g < 0) {
		snprintf(err, errlen, "%s", er.g.err);
		goto out;
	}
	if (rows != it->n) {
		snprintf(err, errlen, "%" PRId64 " rows, meta says count=%" PRId64,
			rows, it->n);
		goto out;
	}
	if (it->titles)
		for (int64_t i = 0; i < it->n; i++)
			if (!it->titles[i] && !(it->titles[i] = strdup(""))) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
	if (order_rows(it, err, errlen) < 0)
		goto out;
	it->meta = er.g.meta;
	it->model = er.g.model;
	er.g.meta = NULL;
	rc = 0;
out:
	embed_reader_close(&er);
	embed_group_free(&grp);
	if (rc < 0)
		embed_items_free(it);
	return rc;
}

void embed_items_free(embed_items *it)
{
	if (it->titles)
		for (int64_t i = 0; i < it->n; i++)
			free(it->titles[i]);
	free(it->titles);
	names_free(it->names, it->n);
	free(it->ids);
	free(it->index);
	free(it->vectors);
	free(it->meta);
	free(it->by_id);
	memset(it, 0, sizeof *it);
}

int64_t embed_items_find(embed_items *it, int64_t id)
{
	if (!it->by_id && !(it->by_id = id_lookup_new(it->ids, it->n)))
		return -1;
	return id_lookup(it->by_id, it->n, id);
}

int64_t embed_items_parse(embed_items *it, const char *s, char *err, size_t errlen)
{
	int64_t id;
	if (id_parse(s, it->names != NULL, "item", &id, err, errlen) < 0)
		return -2;
	return embed_items_find(it, id);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int64_t embed_items_row(const embed_items *it, int64_t index)
{
	if (!it->index)
		return index >= 0 && index < it->n ? index : -1;
	if (index < 0 || index > INT32_MAX)
		return -1;
	int32_t key = (int32_t)index;
	const int32_t *hit = bsearch(&key, it->index, it->n, sizeof key, cmp_i32);
	return hit ? hit - it->index : -1;
}

/* ---- recs ---- */

int recs_group_reserve(recs_group *rg, int64_t b, int k)
{
	size_t rows = (size_t)b + 1, cells = (size_t)b * k + 1;
	if (reserve(&rg->users, &rg->cap_users, rows * sizeof(int32_t)) < 0 ||
	    reserve(&rg->user_ids, &rg->cap_user_ids, rows * sizeof(int64_t)) < 0 ||
	    reserve(&rg->items, &rg->cap_items, cells * sizeof(int32_t)) < 0 ||
	    reserve(&rg->item_ids, &rg->cap_item_ids, cells * sizeof(int64_t)) < 0 ||
	    reserve(&rg->scores, &rg->cap_scores, cells * sizeof(float)) < 0)
		return -1;
	rg->n = b;
	rg->k = k;
	return 0;
}

void recs_group_free(recs_group *rg)
{
	free(rg->users);
	free(rg->user_ids);
	free(rg->items);
	free(rg->item_ids);
	free(rg->scores);
	free(rg->ntext);
	free(rg->names_buf);
	memset(rg, 0, sizeof *rg);
}

static int recs_meta(recs_reader *rr, tts_reader *r)
{
	if (group_open(&rr->g, r, "recs") < 0)
		return -1;
	char v[64], *end;
	if (!tts_meta_get(rr->g.meta, "k", v, sizeof v))
		return fail(&rr->g, "recs meta: no k=");
	long k = strtol(v, &end, 10);
	if (end == v || *end || k < 1 || k > (1 << 20))
		return fail(&rr->g, "recs meta: bad k=%s", v);
	rr->k = (int)k;
	if (!tts_meta_get(rr->g.meta, "at", rr->at, sizeof rr->at))
		rr->at[0] = '\0';
	if (tts_meta_get(rr->g.meta, "shard", v, sizeof v)) {
		long long i, n;
		int used = 0;
		if (sscanf(v, "%lld/%lld%n", &i, &n, &used) != 2 || v[used] ||
		    n < 1 || i < 0 || i >= n)
			return fail(&rr->g, "recs meta: shard=%s is not I/N with 0 <= I < N", v);
		rr->shard = i;
		rr->shards = n;
	}
	if (!tts_meta_get(rr->g.meta, "left_out", rr->left_out, sizeof rr->left_out))
		rr->left_out[0] = '\0';
	return 0;
}

int recs_reader_open(recs_reader *rr, tts_reader *r)
{
	memset(rr, 0, sizeof *rr);
	return opened(&rr->g, recs_meta(rr, r));
}

static int cmp_i32(const void *a, const void *b);

/* Each user's list as a search writes it: items best first, no item
 * twice, -1 only as the padding after the last, no score NaN.  A list
 * that is not would be merged and scored as if it were. */
static int check_lists(group_reader *g, const recs_group *rg)
{
	int K = rg->k;
	int32_t *sorted = malloc((size_t)K * sizeof *sorted);
	if (!sorted)
		return no_memory(g, "items");
	int rc = 1;
	for (int64_t r = 0; r < rg->n && rc == 1; r++) {
		const int32_t *it = rg->items + r * K;
		const float *sc = rg->scores + r * K;
		int64_t user = rg->user_ids[r];
		int n = 0;
		while (n < K && it[n] >= 0)
			n++;
		for (int j = n; j < K && rc == 1; j++)
			if (it[j] != -1)
				rc = it[j] < -1
					? fail(g, "record items: user %" PRId64 "'s item %d has index %d",
						user, j + 1, it[j])
					: fail(g, "record items: user %" PRId64 "'s item %d follows the "
						"end of the list (-1 at %d)", user, j + 1, n + 1);
		for (int j = 0; j < n && rc == 1; j++)
			if (isnan(sc[j]))
				rc = fail(g, "record scores: user %" PRId64 "'s item %d scores nan",
					user, j + 1);
			else if (j > 0 && sc[j] > sc[j - 1])
				rc = fail(g, "record scores: user %" PRId64 "'s item %d scores more "
					"than item %d (%g > %g)", user, j + 1, j, (double)sc[j],
					(double)sc[j - 1]);
		memcpy(sorted, it, (size_t)n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, cmp_i32);
		for (int j = 1; j < n && rc == 1; j++)
			if (sorted[j] == sorted[j - 1])
				rc = fail(g, "record items: user %" PRId64 "'s list has item index %d "
					"twice", user, sorted[j]);
	}
	free(sorted);
	return rc;
}

int recs_read_group(recs_reader *rr, recs_group *rg)
{
	group_reader *g = &rr->g;
	tts_header h;
	int started = 0, have = 0, rc;
	while ((rc = group_header(g, "users", started, &h)) == 1) {
		if (!started) {
			if (strcmp(h.name, "users") != 0)
				continue;
			if (read_array(g, &h, &(tts_shape){ TTS_I32, 1, { TTS_UPTO('B', INT32_MAX) } },
				&rg->users, &rg->cap_users) < 0)
				return -1;
			rg->n = (int64_t)h.dims[0];
			rg->k = rr->k;
			rg->has_item_ids = 0;
			rg->user_names = NULL;
			started = 1;
		} else if (strcmp(h.name, "user_ids") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_I64, 1, { rg->n } },
				&rg->user_ids, &rg->cap_user_ids) < 0)
				return -1;
			have |= 1;
		} else if (strcmp(h.name, "items") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_I32, 2, { rg->n, rg->k } },
				&rg->items, &rg->cap_items) < 0)
				return -1;
			have |= 2;
		} else if (strcmp(h.name, "user_names") == 0) {
			if (!(have & 1))
				return fail(g, "record user_names: before user_ids");
			if (read_names(g, &h, "user_names", rg->user_ids, rg->n, &rg->ntext,
				&rg->cap_ntext, &rg->names_buf, &rg->cap_names) < 0)
				return -1;
			rg->user_names = rg->names_buf;
		} else if (strcmp(h.name, "item_ids") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_I64, 2, { rg->n, rg->k } },
				&rg->item_ids, &rg->cap_item_ids) < 0)
				return -1;
			rg->has_item_ids = 1;
		} else if (strcmp(h.name, "scores") == 0) {
			if (read_array(g, &h, &(tts_shape){ TTS_F32, 2, { rg->n, rg->k } },
				&rg->scores, &rg->cap_scores) < 0)
				return -1;
			have |= 4;
		}
	}
	if (rc < 0)
		return -1;
	if (!started)
		return 0;
	if (have != 7)
		return fail(g, "group of %" PRId64 " users: no %s record", rg->n,
			!(have & 1) ? "user_ids" : !(have & 2) ? "items" : "scores");
	return check_lists(g, rg);
}

void recs_reader_close(recs_reader *rr)
{
	free(rr->g.meta);
	rr->g.meta = NULL;
}

int recs_write_meta(tts_writer *w, int k, const char *at, uint64_t model,
	int64_t shard, int64_t shards, const char *left_out)
{
	char meta[256];
	int n = snprintf(meta, sizeof meta, "kind=recs\nk=%d\n", k);
	if (at && *at)
		n += snprintf(meta + n, sizeof meta - n, "at=%s\n", at);
	n = put_model(meta, sizeof meta, n, model);
	if (shards > 1)
		n += snprintf(meta + n, sizeof meta - n, "shard=%" PRId64 "/%" PRId64 "\n",
			shard, shards);
	if (shards > 1 && left_out)
		snprintf(meta + n, sizeof meta - n, "left_out=%.60s\n", left_out);
	return tts_write_meta(w, meta);
}

int recs_write_group(tts_writer *w, const recs_group *rg)
{
	uint64_t b = (uint64_t)rg->n, dims[2] = { b, (uint64_t)rg->k };
	if (tts_write(w, "users", TTS_I32, 1, &b, rg->users) < 0 ||
	    tts_write(w, "user_ids", TTS_I64, 1, &b, rg->user_ids) < 0 ||
	    (rg->user_names && names_write(w, "user_names", rg->user_names, rg->n) < 0) ||
	    tts_write(w, "items", TTS_I32, 2, dims, rg->items) < 0 ||
	    (rg->has_item_ids && tts_write(w, "item_ids", TTS_I64, 2, dims, rg->item_ids) < 0) ||
	    tts_write(w, "scores", TTS_F32, 2, dims, rg->scores) < 0)
		return -1;
	return 0;
}
