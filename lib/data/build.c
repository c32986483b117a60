/* build.c - interactions to a prep: filter, re-index, sort, split. */
#include "build.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "big_alloc.h"
#include "error.h"
#include "rng.h"

/*
 * The rows are the biggest thing ml-prep holds, and fresh memory is slow
 * to come by (every new page is a fault), so the work is done in place:
 * once numbered, a row's user and item fields hold dense indices; a row
 * that is dropped (a repeat, or by a count filter) has item = ~index
 * (negative); the rows are grouped by user and time-sorted where they
 * lie, and at the end the array itself becomes the times column.
 */


static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* ---- dense numbering of one id column ---- */

/*
 * MovieLens ids are small, so a direct table indexed by id - lo does it;
 * wide ids (beyond 4 per row plus a million) go through an open-addressing
 * hash.  Either way the ids are numbered in increasing order.
 */
typedef struct {
	int64_t lo;
	uint64_t range;  /* direct: hi - lo + 1 */
	int32_t *table;  /* direct: (range) marks, then numbers; -1 absent */
	int64_t *keys;   /* hash: (mask + 1) ids, -1 empty */
	int32_t *vals;   /* hash: (mask + 1) numbers */
	uint64_t mask;
	int64_t n;       /* distinct ids */
	int64_t *uniq;   /* (n) the ids in increasing order */
} id_index;

static uint64_t id_hash(int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_slot(const id_index *x, int64_t id)
{
	uint64_t i = id_hash(id) & x->mask;
	while (x->keys[i] != -1 && x->keys[i] != id)
		i = (i + 1) & x->mask;
	return i;
}

static int hash_resize(id_index *x, uint64_t cap)
{
	int64_t *keys = malloc(cap * sizeof *keys);
	int32_t *vals = malloc(cap * sizeof *vals);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	memset(keys, 0xff, cap * sizeof *keys);
	id_index y = { .keys = keys, .vals = vals, .mask = cap - 1 };
	for (uint64_t i = 0; x->keys && i <= x->mask; i++)
		if (x->keys[i] != -1)
			keys[hash_slot(&y, x->keys[i])] = x->keys[i];
	free(x->keys);
	free(x->vals);
	x->keys = keys;
	x->vals = vals;
	x->mask = cap - 1;
	return 0;
}

static int idx_init(id_index *x, int64_t lo, int64_t hi, size_t n)
{
	memset(x, 0, sizeof *x);
	x->lo = lo;
	uint64_t range = (uint64_t)(hi - lo) + 1;
	if (range <= 4 * (uint64_t)n + (1u << 20)) {
		x->table = malloc(range * sizeof *x->table);
		if (!x->table)
			return -1;
		memset(x->table, 0xff, range * sizeof *x->table);
		x->range = range;
		return 0;
	}
	return hash_resize(x, 1024);
}

static int idx_add(id_index *x, int64_t id)
{
	if (x->table) {
		x->table[id - x->lo] = 0;
		return 0;
	}
	uint64_t i = hash_slot(x, id);
	if (x->keys[i] != -1)
		return 0;
	if (2 * (uint64_t)(x->n + 1) > x->mask + 1) {
		if (hash_resize(x, 2 * (x->mask + 1)) != 0)
			return -1;
		i = hash_slot(x, id);
	}
	x->keys[i] = id;
	x->n++;
	return 0;
}

/* After every id was added: number them in increasing order. */
static int idx_number(id_index *x)
{
	if (x->table) {
		for (uint64_t i = 0; i < x->range; i++)
			x->n += x->table[i] == 0;
		if (!(x->uniq = malloc((x->n ? x->n : 1) * sizeof *x->uniq)))
			return -1;
		int64_t k = 0;
		for (uint64_t i = 0; i < x->range; i++)
			if (x->table[i] == 0) {
				x->uniq[k] = x->lo + (int64_t)i;
				x->table[i] = (int32_t)k++;
			}
		return 0;
	}
	if (!(x->uniq = malloc((x->n ? x->n : 1) * sizeof *x->uniq)))
		return -1;
	int64_t k = 0;
	for (uint64_t i = 0; i <= x->mask; i++)
		if (x->keys[i] != -1)
			x->uniq[k++] = x->keys[i];
	qsort(x->uniq, x->n, sizeof *x->uniq, cmp_i64);
	for (k = 0; k < x->n; k++)
		x->vals[hash_slot(x, x->uniq[k])] = (int32_t)k;
	return 0;
}

static inline int32_t idx_get(const id_index *x, int64_t id)
{
	return x->table ? x->table[id - x->lo] : x->vals[hash_slot(x, id)];
}

static void idx_free(id_index *x)
{
	free(x->table);
	free(x->keys);
	free(x->vals);
	free(x->uniq);
}

/*
 * Number users and items; rewrite each row's ids as numbers and count the
 * rows of each user into len (U).  Returns whether the rows are already
 * grouped by user in increasing order (as MovieLens files are).
 */
static int number_rows(rating_row *v, size_t n, id_index *ux, id_index *ix,
	int64_t **len)
{
	int64_t ulo = INT64_MAX, uhi = 0, ilo = INT64_MAX, ihi = 0;
	for (size_t r = 0; r < n; r++) {
		ulo = v[r].user < ulo ? v[r].user : ulo;
		uhi = v[r].user > uhi ? v[r].user : uhi;
		ilo = v[r].item < ilo ? v[r].item : ilo;
		ihi = v[r].item > ihi ? v[r].item : ihi;
	}
	if (idx_init(ux, ulo, uhi, n) != 0 || idx_init(ix, ilo, ihi, n) != 0)
		return -1;
	for (size_t r = 0; r < n; r++)
		if (idx_add(ux, v[r].user) != 0 || idx_add(ix, v[r].item) != 0)
			return -1;
	if (idx_number(ux) != 0 || idx_number(ix) != 0)
		return -1;
	if (!(*len = calloc(ux->n, sizeof **len)))
		return -1;
	int grouped = 1;
	int32_t prev = 0;
	for (size_t r = 0; r < n; r++) {
		int32_t u = idx_get(ux, v[r].user);
		v[r].user = u;
		v[r].item = idx_get(ix, v[r].item);
		(*len)[u]++;
		grouped &= u >= prev;
		prev = u;
	}
	return grouped;
}

/* Rows into user order, stably (a counting sort), when they were not. */
static rating_row *group_rows(const rating_row *v, size_t n, const int64_t *start,
	int64_t U)
{
	rating_row *g = big_alloc(n * sizeof *g);
	if (!g)
		return NULL;
	int64_t *next = malloc((U ? U : 1) * sizeof *next);
	if (!next) {
		free(g);
		return NULL;
	}
	memcpy(next, start, U * sizeof *next);
	for (size_t r = 0; r < n; r++)
		g[next[v[r].user]++] = v[r];
	free(next);
	return g;
}

/* ---- the time sort of one user's rows: stable, so ties keep input order ---- */

/*
 * Each row becomes one 64-bit key, (time - earliest) above the row's place
 * in the user's rows: the keys are distinct and compare as (time, place),
 * so any sort of them is the stable sort, and the merge compiles without
 * branches.  When the times span too wide a range to leave room for the
 * place bits (never with real timestamps), qsort orders the places by
 * (time, place) instead.
 */

static void insertion_sort(uint64_t *k, size_t m)
{
	for (size_t i = 1; i < m; i++) {
		uint64_t x = k[i];
		size_t j = i;
		for (; j > 0 && k[j - 1] > x; j--)
			k[j] = k[j - 1];
		k[j] = x;
	}
}

static void merge(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *out)
{
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		uint64_t x = a[i], y = b[j];
		int take_b = y < x;
		*out++ = take_b ? y : x;
		j += take_b;
		i += !take_b;
	}
	while (i < na)
		*out++ = a[i++];
	while (j < nb)
		*out++ = b[j++];
}

/* Bottom-up merge sort of k (m), with tmp (m) beside it. */
static void merge_sort(uint64_t *k, uint64_t *tmp, size_t m)
{
	enum { RUN = 16 };
	for (size_t i = 0; i < m; i += RUN)
		insertion_sort(k + i, m - i < RUN ? m - i : RUN);
	uint64_t *src = k, *dst = tmp;
	for (size_t w = RUN; w < m; w *= 2) {
		for (size_t i = 0; i < m; i += 2 * w) {
			size_t mid = i + w < m ? i + w : m, end = i + 2 * w < m ? i + 2 * w : m;
			merge(src + i, mid - i, src + mid, end - mid, dst + i);
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != k)
		memcpy(k, src, m * sizeof *k);
}

static int cmp_time(const void *a, const void *b, void *ctx)
{
	const rating_row *v = ctx;
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	if (v[x].time != v[y].time)
		return v[x].time < v[y].time ? -1 : 1;
	return (x > y) - (x < y);
}

/* Sort one user's rows (m) by time; key and tmp (m), copy (m) scratch. */
static void sort_user(rating_row *v, size_t m, uint64_t *key, uint64_t *tmp,
	rating_row *copy)
{
	size_t i = 1;
	while (i < m && v[i - 1].time <= v[i].time)
		i++;
	if (i >= m)
		return;
	int64_t lo = v[0].time, hi = v[0].time;
	for (i = 1; i < m; i++) {
		lo = v[i].time < lo ? v[i].time : lo;
		hi = v[i].time > hi ? v[i].time : hi;
	}
	int bits = 1;
	while (bits < 63 && ((uint64_t)1 << bits) < m)
		bits++;
	uint64_t span = (uint64_t)hi - (uint64_t)lo, place = ((uint64_t)1 << bits) - 1;
	if (span >> (64 - bits) == 0) {
		for (i = 0; i < m; i++)
			key[i] = ((uint64_t)v[i].time - (uint64_t)lo) << bits | i;
		merge_sort(key, tmp, m);
	} else {
		for (i = 0; i < m; i++)
			key[i] = i;
		qsort_r(key, m, sizeof *key, cmp_time, v);
	}
	memcpy(copy, v, m * sizeof *v);
	for (i = 0; i < m; i++)
		v[i] = copy[key[i] & place];
}

/* ---- filters ---- */

/* Item then user minimum counts over the alive rows; until stable with
 * k_core.  ucount/icount are kept in step. */
static void count_filter(const build_options *o, rating_row *v, size_t n,
	int64_t *ucount, int64_t *icount, int64_t U, int64_t N, build_stats *st)
{
	for (;;) {
		int changed = 0;
		st->rounds++;
		if (o->min_item_count > 1) {
			for (int64_t i = 0; i < N; i++)
				if (icount[i] > 0 && icount[i] < o->min_item_count)
					icount[i] = -icount[i], st->removed_items++;
			for (size_t r = 0; r < n; r++)
				if (v[r].item >= 0 && icount[v[r].item] < 0) {
					v[r].item = ~v[r].item;
					ucount[v[r].user]--;
					st->removed_item_inter++;
					changed = 1;
				}
			for (int64_t i = 0; i < N; i++)
				if (icount[i] < 0)
					icount[i] = 0;
		}
		if (o->min_user_count > 1) {
			for (int64_t u = 0; u < U; u++)
				if (ucount[u] > 0 && ucount[u] < o->min_user_count)
					ucount[u] = -ucount[u], st->removed_users++;
			for (size_t r = 0; r < n; r++)
				if (v[r].item >= 0 && ucount[v[r].user] < 0) {
					icount[v[r].item]--;
					v[r].item = ~v[r].item;
					st->removed_user_inter++;
					changed = 1;
				}
			for (int64_t u = 0; u < U; u++)
				if (ucount[u] < 0)
					ucount[u] = 0;
		}
		if (!o->k_core || !changed)
			break;
	}
}

/*
 * Per user: time order, then repeats dropped (first occurrence kept);
 * ucount/icount (U, N) get the rows left.  start (U+1) bounds the users.
 */
static int order_and_dedup(const build_options *o, rating_row *v, const int64_t *start,
	int64_t *ucount, int64_t *icount, int64_t U, int64_t N, build_stats *st)
{
	int64_t longest = 1;
	for (int64_t u = 0; u < U; u++)
		longest = start[u + 1] - start[u] > longest ? start[u + 1] - start[u] : longest;
	int32_t *stamp = malloc((N ? N : 1) * sizeof *stamp);
	uint64_t *key = malloc(2 * longest * sizeof *key);
	rating_row *copy = malloc(longest * sizeof *copy);
	if (!stamp || !key || !copy) {
		free(stamp); free(key); free(copy);
		return -1;
	}
	for (int64_t i = 0; i < N; i++)
		stamp[i] = -1;
	for (int64_t u = 0; u < U; u++) {
		int64_t a = start[u], b = start[u + 1];
		if (o->has_time)
			sort_user(v + a, b - a, key, key + longest, copy);
		for (int64_t j = a; j < b; j++) {
			int64_t it = v[j].item;
			if (!o->keep_repeats && stamp[it] == (int32_t)u) {
				v[j].item = ~it;
				st->removed_repeats++;
				continue;
			}
			stamp[it] = (int32_t)u;
			ucount[u]++;
			icount[it]++;
		}
	}
	free(stamp);
	free(key);
	free(copy);
	return 0;
}

/* ---- the prep ---- */

static int cmp_u64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void history_stats(const prep *p, build_stats *st)
{
	int64_t U = p->n_users;
	int64_t *len = malloc((U ? U : 1) * sizeof *len);
	if (!len)
		return;
	for (int64_t u = 0; u < U; u++)
		len[u] = p->offsets[u + 1] - p->offsets[u];
	qsort(len, U, sizeof *len, cmp_u64);
	st->hist_min = len[0];
	st->hist_median = len[U / 2];
	st->hist_p90 = len[(U * 9) / 10 < U ? (U * 9) / 10 : U - 1];
	st->hist_max = len[U - 1];
	free(len);
}

/* ---- the temporal split ---- */

int time_cut_parse(const char *opt, const char *text, int time_unit, time_cut *c,
	char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->opt = opt;
	c->text = text;
	size_t n = strlen(text);
	char *end;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < ' ' || text[i] == 0x7f)
			return errorf(err, errlen, "%s: a control character in '%s'", opt, text);
	/* a share: a percentage, or a number with a point between 0 and 1 */
	int pct = n > 1 && text[n - 1] == '%';
	double x = n && (pct || memchr(text, '.', n)) && text[0] != '-' && text[0] != '+' ?
		strtod(text, &end) : -1;
	if (pct && (x < 0 || end != text + n - 1 || !(x > 0 && x < 100)))
		return errorf(err, errlen, "%s: '%s' is not a share of the interactions "
			"above 0%% and below 100%%", opt, text);
	if (pct || (x > 0 && x < 1 && end == text + n)) {
		c->kind = CUT_SHARE;
		c->share = pct ? x / 100 : x;
		return 0;
	}
	/* a time: read as the ratings parser reads a row's */
	rating_array a = { 0 };
	ratings_parser *rp = ratings_parser_new(RF_TSV, NULL, 0, &a);
	char *line = malloc(n + 16);
	int rc = -1;
	if (rp && line) {
		ratings_set_time_unit(rp, time_unit);
		int len = snprintf(line, n + 16, "1\t1\t1\t%s\n", text);
		if (ratings_begin(rp, opt) == 0 && ratings_feed(rp, line, (size_t)len) == 0 &&
		    ratings_end(rp) == 0 && a.n == 1) {
			ratings_settle_times(rp);
			c->kind = CUT_TIME;
			c->time = a.v[0].time;
			c->ms = ratings_time_ms(rp);
			rc = 0;
		}
	}
	if (!rp || !line)
		errorf(err, errlen, "%s: out of memory", opt);
	else if (rc)
		errorf(err, errlen, "%s: '%s' is neither a share of the interactions (0.9, "
			"90%%) nor a time (seconds, or ISO 8601 as 2000-12-01 or "
			"2000-12-01T00:00:00Z)", opt, text);
	free(line);
	ratings_parser_free(rp);
	rating_array_free(&a);
	return rc;
}

const char *build_time_text(int64_t t, int ms, char *buf, size_t len)
{
	time_t sec = (time_t)(ms ? (t - ((t % 1000) + 1000) % 1000) / 1000 : t);
	struct tm tm;
	char iso[40] = "?";
	if (gmtime_r(&sec, &tm))
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, len, "%s, %lld", iso, (long long)t);
	return buf;
}

/* c as a time in the rows' unit: a share placed among the sorted times
 * (Z), a time scaled between seconds and milliseconds (rounding up: a
 * row's time is before the cut exactly when it was before the given one). */
static int cut_time(const time_cut *c, int rows_ms, const int64_t *sorted, int64_t Z,
	int64_t *out, char *err, size_t errlen)
{
	if (c->kind == CUT_SHARE) {
		int64_t k = (int64_t)(c->share * (double)Z);
		*out = sorted[k < Z ? k : Z - 1];
		return 0;
	}
	int64_t t = c->time;
	if (c->ms && !rows_ms)
		t = t / 1000 + (t % 1000 > 0);
	else if (!c->ms && rows_ms && __builtin_mul_overflow(t, (int64_t)1000, &t))
		return errorf(err, errlen, "%s: '%s' is out of range in milliseconds",
			c->opt, c->text);
	*out = t;
	return 0;
}

/* The two cut-offs, checked against the data's first and last times. */
static int resolve_cuts(const prep *p, const build_options *o, int64_t *T, int64_t *V,
	char *err, size_t errlen)
{
	int64_t Z = p->n_inter, lo = INT64_MAX, hi = INT64_MIN, *sorted = NULL;
	char b1[64], b2[64];
	int ms = o->time_ms, rc = -1;
	for (int64_t z = 0; z < Z; z++) {
		lo = p->times[z] < lo ? p->times[z] : lo;
		hi = p->times[z] > hi ? p->times[z] : hi;
	}
	if (o->cutoff.kind == CUT_SHARE || o->valid_cutoff.kind == CUT_SHARE) {
		if (!(sorted = malloc(Z * sizeof *sorted)))
			return errorf(err, errlen, "out of memory for the times in order");
		memcpy(sorted, p->times, Z * sizeof *sorted);
		qsort(sorted, Z, sizeof *sorted, cmp_i64);
	}
	const time_cut *c = &o->cutoff, *vc = &o->valid_cutoff;
	if (cut_time(c, ms, sorted, Z, T, err, errlen))
		goto out;
	if (*T > hi) {
		errorf(err, errlen, "%s %s: no interaction is at or after it (the last is "
			"at %s)", c->opt, c->text, build_time_text(hi, ms, b1, sizeof b1));
		goto out;
	}
	if (*T <= lo) {
		errorf(err, errlen, "%s %s: no interaction is before it (the first is at %s)",
			c->opt, c->text, build_time_text(lo, ms, b1, sizeof b1));
		goto out;
	}
	if (vc->kind != CUT_NONE) {
		if (cut_time(vc, ms, sorted, Z, V, err, errlen))
			goto out;
		if (*V >= *T) {
			errorf(err, errlen, "%s %s: not before the cut-off (%s)", vc->opt,
				vc->text, build_time_text(*T, ms, b1, sizeof b1));
			goto out;
		}
		if (*V <= lo) {
			errorf(err, errlen, "%s %s: no interaction is before it, none to train "
				"on (the first is at %s)", vc->opt, vc->text,
				build_time_text(lo, ms, b1, sizeof b1));
			goto out;
		}
	} else if (c->kind == CUT_SHARE) {
		time_cut share = { .kind = CUT_SHARE, .share = 2 * c->share - 1 };
		if (share.share <= 0) {
			errorf(err, errlen, "%s %s: a validation slice of the same share would "
				"leave nothing to train on; --valid-cutoff sets it", c->opt, c->text);
			goto out;
		}
		cut_time(&share, ms, sorted, Z, V, err, errlen);
	} else if (__builtin_sub_overflow(*T, hi - *T, V) || *V <= lo) {
		errorf(err, errlen, "%s %s: a validation slice as long as the test period "
			"(to %s) would start before the first interaction (%s); "
			"--valid-cutoff sets it", c->opt, c->text, build_time_text(hi, ms, b1, sizeof b1),
			build_time_text(lo, ms, b2, sizeof b2));
		goto out;
	}
	if (*V >= *T) {
		errorf(err, errlen, "%s %s: the validation slice before it is empty (every "
			"interaction of its share is at the cut-off's time); --valid-cutoff "
			"sets it", c->opt, c->text);
		goto out;
	}
	rc = 0;
out:
	free(sorted);
	return rc;
}

/*
 * Each user's rows cut at V and T, in place: a user with nothing before V
 * leaves, with its rows, the others close up behind.
 */
static int split_time(prep *p, const build_options *o, build_stats *st, char *err,
	size_t errlen)
{
	int64_t T = 0, V = 0, k = 0, nu = 0, b = 0;
	char b1[64];
	if (!p->times)
		return errorf(err, errlen, "--split time needs times: the input has none "
			"(seq, or no time column)");
	if (resolve_cuts(p, o, &T, &V, err, errlen))
		return -1;
	st->cutoff = T;
	st->valid_cutoff = V;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t a = b, v = b, t;
		b = p->offsets[u + 1]; /* offsets[u] is rewritten by now */
		for (v = a; v < b && p->times[v] < V; v++)
			;
		for (t = v; t < b && p->times[t] < T; t++)
			;
		if (v == a) {
			st->no_history_users++;
			st->no_history_inter += b - a;
			continue;
		}
		int64_t shift = a - k;
		memmove(p->items + k, p->items + a, (b - a) * sizeof *p->items);
		memmove(p->times + k, p->times + a, (b - a) * sizeof *p->times);
		if (p->ratings)
			memmove(p->ratings + k, p->ratings + a, (b - a) * sizeof *p->ratings);
		p->user_ids[nu] = p->user_ids[u];
		p->valid[nu] = v < b ? v - shift : -1;
		p->test[nu] = t < b ? t - shift : -1;
		st->train += v - a;
		st->train_only_users += v == b;
		st->valid += t > v;
		st->valid_targets += t > v ? (o->targets_next ? 1 : t - v) : 0;
		st->test += t < b;
		st->test_targets += t < b ? (o->targets_next ? 1 : b - t) : 0;
		k += b - a;
		p->offsets[++nu] = k;
	}
	p->n_users = nu;
	p->n_inter = k;
	if (st->test == 0)
		return errorf(err, errlen, "%s %s: no user with training history has an "
			"interaction at or after it", o->cutoff.opt, o->cutoff.text);
	if (st->valid == 0)
		return errorf(err, errlen, "no user with training history has an interaction "
			"in the validation slice (from %s to the cut-off); %s sets its start",
			build_time_text(V, o->time_ms, b1, sizeof b1), o->valid_cutoff.opt ?
			o->valid_cutoff.opt : "--valid-cutoff");
	return 0;
}

static void split(prep *p, const build_options *o, build_stats *st)
{
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t a = p->offsets[u], b = p->offsets[u + 1];
		p->valid[u] = p->test[u] = -1;
		if (o->split == SPLIT_LOO && b - a >= 3) {
			p->valid[u] = b - 2;
			p->test[u] = b - 1;
			st->valid++;
			st->test++;
		} else if (o->split == SPLIT_LOO) {
			st->train_only_users++;
		}
		st->train += prep_train_end(p, u) - a;
	}
	st->valid_targets = st->valid;
	st->test_targets = st->test;
}

/* ---- cold items ---- */

/* round(F * N) items drawn uniformly (a partial Fisher-Yates shuffle), so
 * the same seed on the same data gives the same set. */
static int choose_cold(prep *p, const build_options *o, build_stats *st,
	char *err, size_t errlen)
{
	int64_t N = p->n_items, C = (int64_t)(o->cold_fraction * (double)N + 0.5);
	if (C < 1 || C >= N) {
		errorf(err, errlen, "a cold fraction of %g makes %lld of the %lld "
			"items cold; 1 to %lld are needed", o->cold_fraction,
			(long long)C, (long long)N, (long long)N - 1);
		return -1;
	}
	int32_t *perm = malloc(N * sizeof *perm);
	if (!(p->cold = calloc(N, 1)) || !perm) {
		free(perm);
		errorf(err, errlen, "out of memory");
		return -1;
	}
	uint64_t rng = o->cold_seed;
	for (int64_t i = 0; i < N; i++)
		perm[i] = (int32_t)i;
	for (int64_t i = 0; i < C; i++) {
		int64_t j = i + (int64_t)(rng_uniform(&rng) * (double)(N - i));
		int32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
		p->cold[perm[i]] = 1;
	}
	free(perm);
	st->cold_items = C;
	return 0;
}

/*
 * Cold items out of every history, in place.  A user's last interaction
 * is kept, cold or not, when at least two others are left before it (the
 * split will make it the test target); otherwise the user trains only and
 * keeps its warm interactions, or none and is dropped.
 */
static void remove_cold(prep *p, build_stats *st)
{
	int64_t k = 0, nu = 0, b = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t a = b, warm = 0; /* offsets[u] is rewritten by now */
		b = p->offsets[u + 1];
		for (int64_t z = a; z < b - 1; z++)
			warm += !p->cold[p->items[z]];
		int keep_last = b - a >= 3 && warm >= 2;
		int64_t start = k;
		for (int64_t z = a; z < b; z++) {
			if (p->cold[p->items[z]] && !(keep_last && z == b - 1))
				continue;
			p->items[k] = p->items[z];
			if (p->ratings)
				p->ratings[k] = p->ratings[z];
			if (p->times)
				p->times[k] = p->times[z];
			k++;
		}
		st->cold_removed += (b - a) - (k - start);
		if (k == start) {
			st->cold_dropped_users++;
			continue;
		}
		if (b - a >= 3 && !keep_last)
			st->cold_train_only_users++;
		st->cold_test_users += keep_last && p->cold[p->items[k - 1]];
		p->user_ids[nu] = p->user_ids[u];
		p->offsets[++nu] = k;
	}
	p->n_users = nu;
	p->n_inter = k;
}

/*
 * The alive rows (grouped by user) into p's columns.  The times go over
 * the rows themselves: the k-th time's 8 bytes lie within rows already
 * read, since k <= j and a row is wider than a time.
 */
static int fill_prep(prep *p, const build_options *o, rating_row *v,
	const int64_t *start, const int64_t *ucount, const int64_t *icount,
	const id_index *ux, const id_index *ix, int64_t U, int64_t N)
{
	int64_t nu = p->n_users, ni = p->n_items, z = p->n_inter;
	int32_t *inew = malloc((N ? N : 1) * sizeof *inew);
	p->user_ids = malloc(nu * sizeof *p->user_ids);
	p->item_ids = malloc(ni * sizeof *p->item_ids);
	p->offsets = malloc((nu + 1) * sizeof *p->offsets);
	p->items = big_alloc(z * sizeof *p->items);
	p->valid = malloc(nu * sizeof *p->valid);
	p->test = malloc(nu * sizeof *p->test);
	if (o->has_rating)
		p->ratings = big_alloc(z * sizeof *p->ratings);
	if (!inew || !p->user_ids || !p->item_ids || !p->offsets || !p->items ||
	    !p->valid || !p->test || (o->has_rating && !p->ratings)) {
		free(inew);
		return -1;
	}
	int64_t k = 0;
	for (int64_t i = 0; i < N; i++) {
		inew[i] = icount[i] > 0 ? (int32_t)k : -1;
		if (icount[i] > 0)
			p->item_ids[k++] = ix->uniq[i];
	}
	int64_t *times = (int64_t *)(void *)v, nk = 0;
	k = 0;
	p->offsets[0] = 0;
	for (int64_t u = 0; u < U; u++) {
		if (ucount[u] == 0)
			continue; /* all its rows are dropped */
		p->user_ids[nk++] = ux->uniq[u];
		for (int64_t j = start[u]; j < start[u + 1]; j++) {
			rating_row r = v[j];
			if (r.item < 0)
				continue;
			p->items[k] = inew[r.item];
			if (p->ratings)
				p->ratings[k] = r.rating;
			times[k] = r.time;
			k++;
		}
		p->offsets[nk] = k;
	}
	free(inew);
	return 0;
}

int build_prep(rating_array *rows, const build_options *o, prep *p,
	build_stats *st, char *err, size_t errlen)
{
	rating_row *v = rows->v;
	size_t n = rows->n;
	int rc = -1;
	id_index ux = { 0 }, ix = { 0 };
	int64_t *len = NULL, *start = NULL, *ucount = NULL, *icount = NULL;
	memset(p, 0, sizeof *p);
	memset(st, 0, sizeof *st);
	/* The rows are ours from here on. */
	rows->v = NULL;
	rows->n = rows->cap = 0;
	st->rows = (int64_t)n;
	if (o->has_min_rating && !o->has_rating) {
		errorf(err, errlen, "a minimum rating for rows that have no ratings");
		goto out;
	}
	if (o->has_min_rating) {
		size_t k = 0;
		for (size_t r = 0; r < n; r++)
			if (v[r].rating >= o->min_rating)
				v[k++] = v[r];
		st->removed_rating = (int64_t)(n - k);
		n = k;
	}
	if (n == 0) {
		errorf(err, errlen, "no interactions");
		goto out;
	}
	if (n > INT32_MAX) {
		errorf(err, errlen, "too many interactions (%zu)", n);
		goto out;
	}
	int grouped = number_rows(v, n, &ux, &ix, &len);
	if (grouped < 0)
		goto oom;
	int64_t U = ux.n, N = ix.n;
	start = malloc((U + 1) * sizeof *start);
	ucount = calloc(U, sizeof *ucount);
	icount = calloc(N ? N : 1, sizeof *icount);
	if (!start || !ucount || !icount)
		goto oom;
	start[0] = 0;
	for (int64_t u = 0; u < U; u++)
		start[u + 1] = start[u] + len[u];
	if (!grouped) {
		rating_row *g = group_rows(v, n, start, U);
		if (!g)
			goto oom;
		free(v);
		v = g;
	}
	if (order_and_dedup(o, v, start, ucount, icount, U, N, st) != 0)
		goto oom;
	count_filter(o, v, n, ucount, icount, U, N, st);
	for (int64_t u = 0; u < U; u++) {
		p->n_users += ucount[u] > 0;
		p->n_inter += ucount[u];
	}
	for (int64_t i = 0; i < N; i++)
		p->n_items += icount[i] > 0;
	if (p->n_inter == 0) {
		errorf(err, errlen, "no interactions left after filtering");
		goto out;
	}
	if (fill_prep(p, o, v, start, ucount, icount, &ux, &ix, U, N) != 0)
		goto oom;
	if (o->has_time) {
		/* Shrinking: on failure the old block serves as well. */
		int64_t *t = realloc(v, p->n_inter * sizeof *t);
		p->times = t ? t : (int64_t *)(void *)v;
		v = NULL;
	}
	if (o->cold_fraction > 0) {
		if (o->split != SPLIT_LOO) {
			errorf(err, errlen, "cold items need the loo split");
			goto out;
		}
		if (choose_cold(p, o, st, err, errlen) != 0)
			goto out;
		remove_cold(p, st);
		if (p->n_users == 0) {
			errorf(err, errlen, "no users left after removing the cold items");
			goto out;
		}
	}
	if (o->split == SPLIT_TIME) {
		if (split_time(p, o, st, err, errlen) != 0)
			goto out;
		p->temporal = 1;
		p->targets_next = o->targets_next;
		p->cutoff = st->cutoff;
		p->valid_cutoff = st->valid_cutoff;
	} else {
		split(p, o, st);
	}
	history_stats(p, st);
	rc = 0;
	goto out;
oom:
	errorf(err, errlen, "out of memory");
out:
	if (rc != 0)
		prep_free(p);
	free(v);
	idx_free(&ux);
	idx_free(&ix);
	free(len); free(start); free(ucount); free(icount);
	return rc;
}
