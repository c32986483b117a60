/* prep.c - the prep stream: writing a data set, and reading one back
 * with every record checked, so that consumers can trust it. */
#include "prep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ids.h"

int prep_write(tts_writer *w, const prep *p, const char *extra_meta)
{
	size_t n = 256 + (extra_meta ? strlen(extra_meta) : 0);
	char *meta = malloc(n);
	if (!meta)
		return -1;
	snprintf(meta, n, "kind=prep\nusers=%lld\nitems=%lld\ninteractions=%lld\n%s",
		(long long)p->n_users, (long long)p->n_items, (long long)p->n_inter,
		extra_meta ? extra_meta : "");
	int rc = tts_write_meta(w, meta);
	free(meta);
	if (rc || ids_write(w, p))
		return -1;
	uint64_t U = p->n_users, U1 = p->n_users + 1, Z = p->n_inter;
	uint64_t N = p->n_items;
	if (tts_write(w, "offsets", TTS_I64, 1, &U1, p->offsets) ||
	    tts_write(w, "items", TTS_I32, 1, &Z, p->items) ||
	    tts_write(w, "valid", TTS_I64, 1, &U, p->valid) ||
	    tts_write(w, "test", TTS_I64, 1, &U, p->test))
		return -1;
	if ((p->ratings && tts_write(w, "ratings", TTS_F32, 1, &Z, p->ratings)) ||
	    (p->times && tts_write(w, "times", TTS_I64, 1, &Z, p->times)) ||
	    (p->cold && tts_write(w, "cold", TTS_U8, 1, &N, p->cold)) ||
	    (p->year && tts_write(w, "year", TTS_I32, 1, &N, p->year)) ||
	    (p->gender && tts_write(w, "gender", TTS_U8, 1, &U, p->gender)) ||
	    (p->age && tts_write(w, "age", TTS_I32, 1, &U, p->age)) ||
	    (p->occupation && tts_write(w, "occupation", TTS_I32, 1, &U, p->occupation)))
		return -1;
	if (p->genres && genres_write(w, N, p->n_genres, p->genre_names, p->genres))
		return -1;
	return side_columns_write(w, "item", &p->item_cols) ||
		side_columns_write(w, "user", &p->user_cols) ? -1 : 0;
}

/* The records a prep stream may hold: name, dtype, length in units of
 * U, N or Z (rank 1), and where it goes. */
enum { BY_U, BY_U1, BY_N, BY_Z };

static int meta_count(const char *meta, const char *key, int64_t *v, char *err, size_t errlen)
{
	char buf[32], *end;
	if (!tts_meta_get(meta, key, buf, sizeof buf)) {
		snprintf(err, errlen, "meta: no %s=", key);
		return -1;
	}
	long long x = strtoll(buf, &end, 10);
	if (end == buf || *end || x < 0 || x > INT32_MAX) {
		snprintf(err, errlen, "meta: %s=%s is not a count 0..2^31-1", key, buf);
		return -1;
	}
	*v = x;
	return 0;
}

/* What the meta says of the split: split=time, its targets and cut-offs. */
static int meta_split(const char *meta, prep *p, char *err, size_t errlen)
{
	char buf[32], *end;
	if (!tts_meta_get(meta, "split", buf, sizeof buf) || strcmp(buf, "time") != 0)
		return 0;
	p->temporal = 1;
	if (!tts_meta_get(meta, "targets", buf, sizeof buf) ||
	    (strcmp(buf, "next") != 0 && strcmp(buf, "all") != 0)) {
		snprintf(err, errlen, "meta: split=time needs targets=next or targets=all");
		return -1;
	}
	p->targets_next = strcmp(buf, "next") == 0;
	const char *keys[] = { "cutoff", "valid_cutoff" };
	int64_t *out[] = { &p->cutoff, &p->valid_cutoff };
	for (int i = 0; i < 2; i++) {
		long long x;
		if (!tts_meta_get(meta, keys[i], buf, sizeof buf) ||
		    (x = strtoll(buf, &end, 10), end == buf || *end)) {
			snprintf(err, errlen, "meta: split=time needs %s= an integer time", keys[i]);
			return -1;
		}
		*out[i] = x;
	}
	if (p->valid_cutoff >= p->cutoff) {
		snprintf(err, errlen, "meta: valid_cutoff=%lld is not before cutoff=%lld",
			(long long)p->valid_cutoff, (long long)p->cutoff);
		return -1;
	}
	return 0;
}

/* Record h, of shape s, in a new block at *out (freeing any before). */
static int read_record(tts_reader *r, const tts_header *h, const tts_shape *s,
	void **out, char *err, size_t errlen)
{
	void *buf = NULL;
	size_t cap = 0;
	if (tts_read_shaped_into(r, h, s, &buf, &cap, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	free(*out);
	*out = buf;
	return 0;
}

/* A temporal split: training before the validation slice, which is not
 * after the test slice; a user in the data set has training history. */
static int check_temporal(int64_t u, int64_t a, int64_t v, int64_t t, char *err,
	size_t errlen)
{
	if (v == -1 && t != -1)
		snprintf(err, errlen, "record valid: user %lld has a test slice "
			"but no validation start", (long long)u);
	else if (v == a)
		snprintf(err, errlen, "record valid: user %lld has no training "
			"interaction", (long long)u);
	else if (t != -1 && t < v)
		snprintf(err, errlen, "record valid: user %lld's validation slice %lld "
			"is after its test slice %lld", (long long)u, (long long)v,
			(long long)t);
	else
		return 0;
	return -1;
}

/* A user's validation and test targets come together, validation first. */
static int check_targets(int64_t u, int64_t v, int64_t t, char *err, size_t errlen)
{
	if (v != -1 && t == -1)
		snprintf(err, errlen, "record test: user %lld has a validation target "
			"but no test target", (long long)u);
	else if (v == -1 && t != -1)
		snprintf(err, errlen, "record valid: user %lld has a test target "
			"but no validation target", (long long)u);
	else if (v >= t && v != -1)
		snprintf(err, errlen, "record valid: user %lld's validation target %lld "
			"is not before its test target %lld", (long long)u, (long long)v,
			(long long)t);
	else
		return 0;
	return -1;
}

/* A cold item is in no history: it may be a test target and nothing else,
 * which is what makes the cold users' scores honest. */
static int check_cold(const prep *p, char *err, size_t errlen)
{
	if (!p->cold)
		return 0;
	for (int64_t i = 0; i < p->n_items; i++)
		if (p->cold[i] > 1) {
			snprintf(err, errlen, "record cold: item %lld has %d, not 0 or 1",
				(long long)i, p->cold[i]);
			return -1;
		}
	for (int64_t u = 0; u < p->n_users; u++)
		for (int64_t z = p->offsets[u]; z < p->offsets[u + 1]; z++)
			if (p->cold[p->items[z]] && z != p->test[u]) {
				snprintf(err, errlen, "record cold: item %lld is cold but in "
					"user %lld's history", (long long)p->items[z], (long long)u);
				return -1;
			}
	return 0;
}

/* Side data that is indexed or decoded by value: multi-hot genres, gender. */
static int check_side(const prep *p, char *err, size_t errlen)
{
	for (int64_t i = 0; p->genres && i < p->n_items; i++)
		for (int32_t g = 0; g < p->n_genres; g++)
			if (p->genres[i * p->n_genres + g] > 1) {
				snprintf(err, errlen, "record genres: item %lld genre %d has %d, "
					"not 0 or 1", (long long)i, g, p->genres[i * p->n_genres + g]);
				return -1;
			}
	for (int64_t u = 0; p->gender && u < p->n_users; u++)
		if (p->gender[u] > 2) {
			snprintf(err, errlen, "record gender: user %lld has %d, not 0, 1 or 2",
				(long long)u, p->gender[u]);
			return -1;
		}
	return 0;
}

/* A record a reader knows must come once: a second one would silently
 * replace the first. */
static int check_once(const char *name, const char **seen, int *nseen, int max,
	char *err, size_t errlen)
{
	static const char *known[] = { "offsets", "items", "ratings", "times", "valid",
		"test", "cold", "year", "gender", "age", "occupation", "genres", "genre_names",
		"user_ids", "item_ids", "titles", "user_names", "item_names" };
	size_t k;
	for (k = 0; k < sizeof known / sizeof known[0]; k++)
		if (strcmp(name, known[k]) == 0)
			break;
	if (k == sizeof known / sizeof known[0])
		return 0; /* a record of a later version: skipped anyway */
	for (int i = 0; i < *nseen; i++)
		if (seen[i] == known[k]) {
			snprintf(err, errlen, "record %s: appears twice", name);
			return -1;
		}
	if (*nseen < max)
		seen[(*nseen)++] = known[k];
	return 0;
}

/* A prep that was read must be consistent before anyone indexes with it. */
static int check(const prep *p, char *err, size_t errlen)
{
	const char *missing = !p->user_ids ? "user_ids" : !p->item_ids ? "item_ids" :
		!p->offsets ? "offsets" : !p->items ? "items" : !p->valid ? "valid" :
		!p->test ? "test" : NULL;
	if (missing) {
		snprintf(err, errlen, "record %s: missing", missing);
		return -1;
	}
	if (p->offsets[0] != 0 || p->offsets[p->n_users] != p->n_inter) {
		snprintf(err, errlen, "record offsets: must run from 0 to %lld", (long long)p->n_inter);
		return -1;
	}
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t a = p->offsets[u], b = p->offsets[u + 1];
		if (b < a) {
			snprintf(err, errlen, "record offsets: not increasing at user %lld", (long long)u);
			return -1;
		}
		int64_t v = p->valid[u], t = p->test[u];
		if ((v != -1 && (v < a || v >= b)) || (t != -1 && (t < a || t >= b))) {
			snprintf(err, errlen, "record %s: user %lld's target is outside the user's items",
				v != -1 && (v < a || v >= b) ? "valid" : "test", (long long)u);
			return -1;
		}
		if (p->temporal ? check_temporal(u, a, v, t, err, errlen) :
		    check_targets(u, v, t, err, errlen))
			return -1;
	}
	for (int64_t i = 0; i < p->n_inter; i++)
		if (p->items[i] < 0 || p->items[i] >= p->n_items) {
			snprintf(err, errlen, "record items: item index %d out of range 0..%lld",
				p->items[i], (long long)p->n_items - 1);
			return -1;
		}
	if (p->genres && !p->genre_names) {
		snprintf(err, errlen, "record genre_names: missing");
		return -1;
	}
	if (ids_check_unique(p, err, errlen) ||
	    side_columns_check("item", &p->item_cols, 1, err, errlen) ||
	    side_columns_check("user", &p->user_cols, 1, err, errlen))
		return -1;
	return check_cold(p, err, errlen) || check_side(p, err, errlen) ? -1 : 0;
}

int prep_read_body(tts_reader *r, const char *meta, prep *p, char *err, size_t errlen)
{
	tts_header h;
	int rc;
	memset(p, 0, sizeof *p);
	if (meta_count(meta, "users", &p->n_users, err, errlen) ||
	    meta_count(meta, "items", &p->n_items, err, errlen) ||
	    meta_count(meta, "interactions", &p->n_inter, err, errlen) ||
	    meta_split(meta, p, err, errlen))
		goto fail;
	if (!(p->meta = strdup(meta)))
		goto oom;
	struct { const char *name; int dtype, by; void **out; } recs[] = {
		{ "offsets", TTS_I64, BY_U1, (void **)&p->offsets },
		{ "items", TTS_I32, BY_Z, (void **)&p->items },
		{ "ratings", TTS_F32, BY_Z, (void **)&p->ratings },
		{ "times", TTS_I64, BY_Z, (void **)&p->times },
		{ "valid", TTS_I64, BY_U, (void **)&p->valid },
		{ "test", TTS_I64, BY_U, (void **)&p->test },
		{ "cold", TTS_U8, BY_N, (void **)&p->cold },
		{ "year", TTS_I32, BY_N, (void **)&p->year },
		{ "gender", TTS_U8, BY_U, (void **)&p->gender },
		{ "age", TTS_I32, BY_U, (void **)&p->age },
		{ "occupation", TTS_I32, BY_U, (void **)&p->occupation },
	};
	const char *seen[32];
	int nseen = 0;
	while ((rc = tts_next(r, &h)) == 1) {
		size_t i;
		if (check_once(h.name, seen, &nseen, 32, err, errlen))
			goto fail;
		for (i = 0; i < sizeof recs / sizeof recs[0]; i++)
			if (strcmp(h.name, recs[i].name) == 0)
				break;
		if (i < sizeof recs / sizeof recs[0]) {
			int64_t len = recs[i].by == BY_U ? p->n_users : recs[i].by == BY_U1 ?
				p->n_users + 1 : recs[i].by == BY_N ? p->n_items : p->n_inter;
			if (read_record(r, &h, &(tts_shape){ recs[i].dtype, 1, { len } },
				recs[i].out, err, errlen))
				goto fail;
		} else if (strcmp(h.name, "genres") == 0) {
			const tts_shape genres = { TTS_U8, 2, { p->n_items, TTS_UPTO('G', GENRES_MAX) } };
			if (tts_check_shape(&h, &genres, err, errlen) < 0)
				goto fail;
			if (p->n_genres && (uint64_t)p->n_genres != h.dims[1]) {
				snprintf(err, errlen, "record genres: %llu genres, genre_names has %d",
					(unsigned long long)h.dims[1], p->n_genres);
				goto fail;
			}
			p->n_genres = (int32_t)h.dims[1];
			if (read_record(r, &h, &genres, (void **)&p->genres, err, errlen))
				goto fail;
		} else if (strcmp(h.name, "genre_names") == 0 && h.dtype == TTS_TEXT) {
			char *text = tts_read_alloc(r, &h, 1 << 20);
			if (!text) {
				snprintf(err, errlen, "%s", tts_reader_error(r));
				goto fail;
			}
			int32_t g = 0;
			for (const char *c = text; *c; c++)
				g += *c == '\n';
			if (p->n_genres && p->n_genres != g) {
				free(text);
				snprintf(err, errlen, "record genre_names: %d names for %d genres", g, p->n_genres);
				goto fail;
			}
			p->n_genres = g;
			p->genre_names = split_lines(text, g);
			free(text);
			if (!p->genre_names)
				goto oom;
		} else if ((rc = side_columns_read_record(r, &h, "item", &p->item_cols,
				p->n_items, err, errlen)) != 0 ||
			   (rc = side_columns_read_record(r, &h, "user", &p->user_cols,
				p->n_users, err, errlen)) != 0) {
			if (rc < 0)
				goto fail;
		} else if ((rc = ids_read_record(r, &h, p, err, errlen)) < 0) {
			goto fail;
		} /* else: a record of a later version; skipped */
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		goto fail;
	}
	if (check(p, err, errlen))
		goto fail;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	prep_free(p);
	return -1;
}

int prep_read(tts_reader *r, prep *p, char *err, size_t errlen)
{
	tts_header h;
	char kind[32] = "";
	memset(p, 0, sizeof *p);
	int rc = tts_next(r, &h);
	if (rc < 0) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	if (rc == 0 || strcmp(h.name, "meta") != 0 || h.dtype != TTS_TEXT) {
		snprintf(err, errlen, "expected a prep stream (it has no meta record)");
		return -1;
	}
	char *meta = tts_read_alloc(r, &h, 1 << 20);
	if (!meta) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	tts_meta_get(meta, "kind", kind, sizeof kind);
	if (strcmp(kind, "prep") != 0) {
		snprintf(err, errlen, "expected a prep stream, not kind=%s", kind);
		free(meta);
		return -1;
	}
	rc = prep_read_body(r, meta, p, err, errlen);
	free(meta);
	return rc;
}

int64_t prep_train_examples(const prep *p)
{
	int64_t n = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t len = prep_train_end(p, u) - p->offsets[u];
		if (len >= 2)
			n += len - 1;
	}
	return n;
}

void prep_free(prep *p)
{
	if (p->titles)
		for (int64_t i = 0; i < p->n_items; i++)
			free(p->titles[i]);
	if (p->genre_names)
		for (int32_t g = 0; g < p->n_genres; g++)
			free(p->genre_names[g]);
	free(p->titles);
	free(p->genre_names);
	names_free(p->user_names, p->n_users);
	names_free(p->item_names, p->n_items);
	free(p->user_ids);
	free(p->item_ids);
	free(p->offsets);
	free(p->items);
	free(p->ratings);
	free(p->times);
	free(p->valid);
	free(p->test);
	free(p->genres);
	free(p->cold);
	free(p->year);
	free(p->gender);
	free(p->age);
	free(p->occupation);
	side_columns_free(&p->item_cols);
	side_columns_free(&p->user_cols);
	free(p->meta);
	memset(p, 0, sizeof *p);
}

/* ---- generic side columns ---- */

const char *const side_kind_names[SIDE_KINDS] = { "cat", "multi", "path", "num" };

int32_t side_column_of(const side_columns *c, int32_t v)
{
	int32_t lo = 0, hi = c->C - 1;
	while (lo < hi) {
		int32_t mid = (lo + hi + 1) / 2;
		if (c->vocab_off[mid] <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int side_columns_write(tts_writer *w, const char *prefix, const side_columns *c)
{
	char name[32], *text = NULL;
	size_t len = 1;
	if (!c->C)
		return 0;
	for (int32_t k = 0; k < c->C; k++)
		len += strlen(c->names[k]) + strlen(c->seps[k]) + 9;
	if (!(text = malloc(len)))
		return -1;
	size_t at = 0;
	for (int32_t k = 0; k < c->C; k++)
		at += (size_t)snprintf(text + at, len - at, "%s\t%s\t%s\n", c->names[k],
			side_kind_names[c->kinds[k]], c->seps[k]);
	uint64_t C1 = (uint64_t)c->C + 1, n1 = (uint64_t)c->n + 1;
	uint64_t Q = c->off ? (uint64_t)c->off[c->n] : 0;
	snprintf(name, sizeof name, "%s_columns", prefix);
	int rc = tts_write(w, name, TTS_TEXT, 1, &(uint64_t){ at }, text);
	free(text);
	snprintf(name, sizeof name, "%s_vocab_offsets", prefix);
	rc = rc || tts_write(w, name, TTS_I32, 1, &C1, c->vocab_off);
	snprintf(name, sizeof name, "%s_vocab", prefix);
	rc = rc || names_write(w, name, c->vocab, side_vocab_size(c));
	if (rc || !c->off)
		return rc ? -1 : 0;
	snprintf(name, sizeof name, "%s_value_offsets", prefix);
	rc = tts_write(w, name, TTS_I64, 1, &n1, c->off);
	snprintf(name, sizeof name, "%s_values", prefix);
	return rc || tts_write(w, name, TTS_I32, 1, &Q, c->val) ? -1 : 0;
}

/* The text of record h, its lines counted into *lines. */
static char *read_lines(tts_reader *r, const tts_header *h, int64_t *lines, char *err,
	size_t errlen)
{
	if (tts_check_shape(h, &(tts_shape){ TTS_TEXT, 1, { TTS_UPTO('T', TTS_MAX_DIM) } },
		err, errlen) < 0)
		return NULL;
	char *text = tts_read_alloc(r, h, 1 << 30);
	if (!text) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return NULL;
	}
	*lines = 0;
	for (const char *c = text; *c; c++)
		*lines += *c == '\n';
	if (*text && text[strlen(text) - 1] != '\n')
		++*lines;
	return text;
}

/* item_columns: "name\tkind\tseparator" lines. */
static int read_column_names(tts_reader *r, const tts_header *h, side_columns *c,
	char *err, size_t errlen)
{
	int64_t n;
	char *text = read_lines(r, h, &n, err, errlen);
	if (!text)
		return -1;
	int rc = -1;
	if (n < 1 || n > SIDE_COLUMNS_MAX) {
		snprintf(err, errlen, "record %s: %lld columns, expected 1 to %d", h->name,
			(long long)n, SIDE_COLUMNS_MAX);
		goto out;
	}
	c->C = (int32_t)n;
	if (!(c->names = split_lines(text, n)) || !(c->kinds = calloc(n, 1)) ||
	    !(c->seps = calloc(n, sizeof *c->seps))) {
		snprintf(err, errlen, "record %s: out of memory", h->name);
		goto out;
	}
	for (int32_t k = 0; k < c->C; k++) {
		char *tab = strchr(c->names[k], '\t'), *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
		int kind = SIDE_KINDS;
		if (tab2) {
			*tab = *tab2 = '\0';
			for (kind = 0; kind < SIDE_KINDS; kind++)
				if (strcmp(tab + 1, side_kind_names[kind]) == 0)
					break;
		}
		int multi = kind == SIDE_MULTI || kind == SIDE_PATH;
		if (kind == SIDE_KINDS || !*c->names[k] || multi != !!tab2[1]) {
			snprintf(err, errlen, "record %s: line %d is not 'name<TAB>kind<TAB>separator' "
				"of kind cat, multi, path or num (a separator with multi and path only)",
				h->name, k + 1);
			goto out;
		}
		if (!(c->seps[k] = strdup(tab2 + 1))) {
			snprintf(err, errlen, "record %s: out of memory", h->name);
			goto out;
		}
		c->kinds[k] = (uint8_t)kind;
	}
	rc = 1;
out:
	free(text);
	return rc;
}

/* Offsets of n+1 entries from 0 to last, not decreasing. */
static int check_offsets(const char *name, const int64_t *off, int64_t n, int64_t last,
	char *err, size_t errlen)
{
	if (off[0] != 0 || off[n] != last) {
		snprintf(err, errlen, "record %s: must run from 0 to %lld", name, (long long)last);
		return -1;
	}
	for (int64_t i = 0; i < n; i++)
		if (off[i + 1] < off[i]) {
			snprintf(err, errlen, "record %s: decreasing at %lld", name, (long long)i);
			return -1;
		}
	return 0;
}

/* In the order written: columns, vocab_offsets, vocab, value_offsets,
 * values, each checked against those before it. */
int side_columns_read_record(tts_reader *r, const tts_header *h, const char *prefix,
	side_columns *c, int64_t n, char *err, size_t errlen)
{
	static const char *const order[] = { "columns", "vocab_offsets", "vocab",
		"value_offsets", "values" };
	size_t k = strlen(prefix), cap = 0;
	int at;
	if (strncmp(h->name, prefix, k) != 0 || h->name[k] != '_')
		return 0;
	for (at = 0; at < 5 && strcmp(h->name + k + 1, order[at]) != 0; at++)
		;
	if (at == 5)
		return 0;
	const void *have[] = { c->names, c->vocab_off, c->vocab, c->off, c->val };
	if (have[at] || (at > 0 && !have[at - 1])) {
		snprintf(err, errlen, "record %s: %s", h->name, have[at] ? "appears twice" :
			"out of order (columns, vocab_offsets, vocab, value_offsets, values)");
		return -1;
	}
	if (at == 0)
		return read_column_names(r, h, c, err, errlen);
	if (at == 1) {
		if (tts_read_shaped_into(r, h, &(tts_shape){ TTS_I32, 1, { (uint64_t)c->C + 1 } },
			(void **)&c->vocab_off, &cap, err, errlen) < 0)
			return -1;
		for (int32_t j = 0; j < c->C; j++)
			if (c->vocab_off[0] != 0 || c->vocab_off[j + 1] <= c->vocab_off[j] ||
			    c->vocab_off[j + 1] > SIDE_VOCAB_MAX) {
				snprintf(err, errlen, "record %s: not increasing from 0 to at most %d "
					"at column %d", h->name, SIDE_VOCAB_MAX, j);
				return -1;
			}
		return 1;
	}
	if (at == 2) {
		int64_t lines, V = side_vocab_size(c);
		char *text = read_lines(r, h, &lines, err, errlen);
		if (!text)
			return -1;
		if (lines != V) {
			free(text);
			snprintf(err, errlen, "record %s: %lld lines, the vocab_offsets %lld",
				h->name, (long long)lines, (long long)V);
			return -1;
		}
		c->vocab = split_lines(text, V);
		free(text);
		if (!c->vocab) {
			snprintf(err, errlen, "record %s: out of memory", h->name);
			return -1;
		}
		return 1;
	}
	if (at == 3) {
		c->n = n;
		if (tts_read_shaped_into(r, h, &(tts_shape){ TTS_I64, 1, { (uint64_t)n + 1 } },
			(void **)&c->off, &cap, err, errlen) < 0)
			return -1;
		return check_offsets(h->name, c->off, n, c->off[n], err, errlen) ||
			c->off[n] > INT32_MAX * 16LL ? -1 : 1;
	}
	if (tts_read_shaped_into(r, h, &(tts_shape){ TTS_I32, 1, { (uint64_t)c->off[n] } },
		(void **)&c->val, &cap, err, errlen) < 0)
		return -1;
	int32_t V = side_vocab_size(c);
	for (int64_t i = 0; i < n; i++)
		for (int64_t q = c->off[i]; q < c->off[i + 1]; q++) {
			int32_t v = c->val[q];
			if (v < 0 || v >= V || (q > c->off[i] && v <= c->val[q - 1]) ||
			    (c->kinds[side_column_of(c, v)] == SIDE_CAT && q > c->off[i] &&
			     side_column_of(c, c->val[q - 1]) == side_column_of(c, v))) {
				snprintf(err, errlen, "record %s: entry %lld's value %d is %s", h->name,
					(long long)i, v, v < 0 || v >= V ? "outside the vocabulary" :
					v <= c->val[q - 1] ? "not after the one before it" :
					"a second one of a categorical column");
				return -1;
			}
		}
	return 1;
}

int side_columns_check(const char *prefix, const side_columns *c, int values, char *err,
	size_t errlen)
{
	const char *missing = !c->names ? NULL : !c->vocab_off ? "vocab_offsets" :
		!c->vocab ? "vocab" : values && !c->off ? "value_offsets" :
		values && !c->val ? "values" : NULL;
	if (!missing)
		return 0;
	snprintf(err, errlen, "record %s_%s: missing", prefix, missing);
	return -1;
}

static char **copy_names(char *const *from, int64_t n)
{
	char **to = calloc(n + 1, sizeof *to);
	for (int64_t i = 0; to && i < n; i++)
		if (!(to[i] = strdup(from[i]))) {
			names_free(to, n);
			return NULL;
		}
	return to;
}

int side_columns_copy(side_columns *to, const side_columns *from, int values)
{
	int32_t C = from->C, V = side_vocab_size(from);
	memset(to, 0, sizeof *to);
	if (!C)
		return 0;
	to->C = C;
	to->names = copy_names(from->names, C);
	to->vocab = copy_names(from->vocab, V);
	to->seps = copy_names(from->seps, C);
	to->kinds = malloc(C);
	to->vocab_off = malloc((C + 1) * sizeof *to->vocab_off);
	if (!to->names || !to->seps || !to->vocab || !to->kinds || !to->vocab_off)
		goto oom;
	memcpy(to->kinds, from->kinds, C);
	memcpy(to->vocab_off, from->vocab_off, (C + 1) * sizeof *to->vocab_off);
	if (values && from->off) {
		int64_t n = from->n, Q = from->off[n];
		to->n = n;
		to->off = malloc((n + 1) * sizeof *to->off);
		to->val = malloc((Q ? Q : 1) * sizeof *to->val);
		if (!to->off || !to->val)
			goto oom;
		memcpy(to->off, from->off, (n + 1) * sizeof *to->off);
		memcpy(to->val, from->val, Q * sizeof *to->val);
	}
	return 0;
oom:
	side_columns_free(to);
	return -1;
}

void side_columns_free(side_columns *c)
{
	names_free(c->names, c->C);
	names_free(c->seps, c->seps ? c->C : 0);
	names_free(c->vocab, side_vocab_size(c));
	free(c->kinds);
	free(c->vocab_off);
	free(c->off);
	free(c->val);
	memset(c, 0, sizeof *c);
}

int side_columns_select(side_columns *to, const side_columns *from, const int64_t *at,
	int64_t n)
{
	if (!from->C)
		return 0;
	if (side_columns_copy(to, from, 0))
		return -1;
	int64_t Q = 0;
	for (int64_t i = 0; i < n; i++)
		Q += at[i] < 0 ? 0 : from->off[at[i] + 1] - from->off[at[i]];
	to->n = n;
	to->off = malloc((n + 1) * sizeof *to->off);
	to->val = malloc((Q ? Q : 1) * sizeof *to->val);
	if (!to->off || !to->val)
		return -1;
	to->off[0] = 0;
	for (int64_t i = 0; i < n; i++) {
		int64_t a = at[i] < 0 ? 0 : from->off[at[i]], b = at[i] < 0 ? 0 : from->off[at[i] + 1];
		memcpy(to->val + to->off[i], from->val + a, (size_t)(b - a) * sizeof *to->val);
		to->off[i + 1] = to->off[i] + (b - a);
	}
	return 0;
}

static int cmp_vocab(const void *a, const void *b, void *ctx)
{
	char *const *v = ctx;
	return strcmp(v[*(const int32_t *)a], v[*(const int32_t *)b]);
}

int side_columns_map(const side_columns *to, const side_columns *from, int32_t *vmap,
	char *unknown, size_t unknown_len)
{
	int32_t V = side_vocab_size(to);
	int32_t *order = malloc((V ? V : 1) * sizeof *order);
	if (!order)
		return -1;
	*unknown = '\0';
	for (int32_t v = 0; v < V; v++)
		order[v] = v;
	for (int32_t k = 0; k < to->C; k++) /* each column's rows by name */
		qsort_r(order + to->vocab_off[k], to->vocab_off[k + 1] - to->vocab_off[k],
			sizeof *order, cmp_vocab, to->vocab);
	for (int32_t k = 0; k < from->C; k++) {
		int32_t j = 0;
		while (j < to->C && strcmp(to->names[j], from->names[k]) != 0)
			j++;
		if (j < to->C && to->kinds[j] != from->kinds[k])
			j = to->C; /* another column of the same name */
		for (int32_t v = from->vocab_off[k]; v < from->vocab_off[k + 1]; v++) {
			int32_t lo = j < to->C ? to->vocab_off[j] : 0, hi = j < to->C ? to->vocab_off[j + 1] : 0;
			vmap[v] = -1;
			while (lo < hi) {
				int32_t mid = lo + (hi - lo) / 2;
				int s = strcmp(to->vocab[order[mid]], from->vocab[v]);
				if (s == 0) {
					vmap[v] = order[mid];
					break;
				}
				if (s < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (vmap[v] < 0 && !*unknown) {
				if (j == to->C)
					snprintf(unknown, unknown_len, "column '%s'", from->names[k]);
				else
					snprintf(unknown, unknown_len, "%s '%s'", from->names[k], from->vocab[v]);
			}
		}
	}
	free(order);
	return 0;
}

/* ---- the records that name users and items ---- */

int ids_write(tts_writer *w, const prep *p)
{
	uint64_t U = p->n_users, N = p->n_items;
	if (tts_write(w, "user_ids", TTS_I64, 1, &U, p->user_ids) ||
	    tts_write(w, "item_ids", TTS_I64, 1, &N, p->item_ids) ||
	    (p->user_names && names_write(w, "user_names", p->user_names, p->n_users)) ||
	    (p->item_names && names_write(w, "item_names", p->item_names, p->n_items)))
		return -1;
	return p->titles ? titles_write(w, p->titles, p->n_items) : 0;
}

/* user_ids or item_ids: n of them, given once (a model stream has no
 * other check of its records' repetition). */
static int read_ids(tts_reader *r, const tts_header *h, int64_t n, int64_t **out,
	char *err, size_t errlen)
{
	if (*out && h->dtype == TTS_I64 && h->rank == 1 && (int64_t)h->dims[0] == n) {
		snprintf(err, errlen, "record %s: appears twice", h->name);
		return -1;
	}
	return read_record(r, h, &(tts_shape){ TTS_I64, 1, { n } }, (void **)out, err,
		errlen) ? -1 : 1;
}

int ids_read_record(tts_reader *r, const tts_header *h, prep *p, char *err, size_t errlen)
{
	if (strcmp(h->name, "user_ids") == 0)
		return read_ids(r, h, p->n_users, &p->user_ids, err, errlen);
	if (strcmp(h->name, "item_ids") == 0)
		return read_ids(r, h, p->n_items, &p->item_ids, err, errlen);
	int users = strcmp(h->name, "user_names") == 0;
	if (users || strcmp(h->name, "item_names") == 0) {
		char ***names = users ? &p->user_names : &p->item_names;
		if (*names) {
			snprintf(err, errlen, "record %s: appears twice", h->name);
			return -1;
		}
		return names_read(r, h, users ? p->n_users : p->n_items, names, err,
			errlen) ? -1 : 1;
	}
	if (strcmp(h->name, "titles") != 0)
		return 0;
	if (p->titles) {
		snprintf(err, errlen, "record titles: appears twice");
		return -1;
	}
	/* read where the lines are checked, then one block a title, as
	 * ml-prep's titles are */
	char *text = NULL, **lines = malloc((p->n_items + 1) * sizeof *lines);
	size_t cap = 0;
	int rc = 1, oom = 0;
	if (!lines)
		oom = 1;
	else if (titles_read(r, h, p->n_items, &text, &cap, lines, err, errlen) < 0)
		rc = -1;
	else if (!(p->titles = calloc(p->n_items + 1, sizeof *p->titles)))
		oom = 1;
	for (int64_t i = 0; rc == 1 && !oom && i < p->n_items; i++)
		oom = !(p->titles[i] = strdup(lines[i]));
	if (oom) {
		snprintf(err, errlen, "record titles: out of memory");
		rc = -1;
	}
	free(lines);
	free(text);
	return rc;
}

int ids_check_unique(const prep *p, char *err, size_t errlen)
{
	return ids_unique("user_ids", p->user_ids, p->n_users, err, errlen) ||
		ids_unique("item_ids", p->item_ids, p->n_items, err, errlen) ||
		names_check("user_names", p->user_names, p->user_ids, p->n_users, err, errlen) ||
		names_check("item_names", p->item_names, p->item_ids, p->n_items, err, errlen) ?
		-1 : 0;
}
