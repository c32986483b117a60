/* build.c - interactions to a prep: filter, re-index, sort, split. */
#include "build.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/*
 * Dense numbering of one id column: *uniq gets the distinct ids in
 * increasing order, idx[r] the number of row r's id.  MovieLens ids are
 * small, so a direct table does it in one pass; wide ids go through a sort.
 */
static int64_t number_ids(const rating_row *v, size_t n, int item, int64_t **uniq,
	int32_t *idx)
{
	int64_t lo = INT64_MAX, hi = 0;
	for (size_t r = 0; r < n; r++) {
		int64_t id = item ? v[r].item : v[r].user;
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	uint64_t range = (uint64_t)(hi - lo) + 1;
	int64_t k = 0;
	if (range <= 4 * (uint64_t)n + (1u << 20)) {
		int32_t *table = malloc(range * sizeof *table);
		if (!table)
			return -1;
		memset(table, 0xff, range * sizeof *table);
		for (size_t r = 0; r < n; r++)
			table[(item ? v[r].item : v[r].user) - lo] = 0;
		for (uint64_t i = 0; i < range; i++)
			if (table[i] == 0)
				k++;
		*uniq = malloc((k ? k : 1) * sizeof **uniq);
		if (!*uniq) {
			free(table);
			return -1;
		}
		k = 0;
		for (uint64_t i = 0; i < range; i++)
			if (table[i] == 0) {
				(*uniq)[k] = lo + (int64_t)i;
				table[i] = (int32_t)k++;
			}
		for (size_t r = 0; r < n; r++)
			idx[r] = table[(item ? v[r].item : v[r].user) - lo];
		free(table);
		return k;
	}
	int64_t *s = malloc(n * sizeof *s);
	if (!s)
		return -1;
	for (size_t r = 0; r < n; r++)
		s[r] = item ? v[r].item : v[r].user;
	qsort(s, n, sizeof *s, cmp_i64);
	for (size_t r = 0; r < n; r++)
		if (r == 0 || s[r] != s[k - 1])
			s[k++] = s[r];
	for (size_t r = 0; r < n; r++) {
		int64_t id = item ? v[r].item : v[r].user, a = 0, b = k - 1;
		while (a < b) {
			int64_t m = a + (b - a) / 2;
			if (s[m] < id)
				a = m + 1;
			else
				b = m;
		}
		idx[r] = (int32_t)a;
	}
	*uniq = s;
	return k;
}

static int cmp_time(const void *a, const void *b, void *ctx)
{
	const rating_row *v = ctx;
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	if (v[x].time != v[y].time)
		return v[x].time < v[y].time ? -1 : 1;
	return (x > y) - (x < y);
}

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

/* Item then user minimum counts over the alive rows; until stable with
 * k_core.  ucount/icount are kept in step. */
static void count_filter(const build_options *o, size_t n, const int32_t *uidx,
	const int32_t *iidx, uint8_t *alive, int64_t *ucount, int64_t *icount,
	int64_t U, int64_t N, build_stats *st)
{
	for (;;) {
		int changed = 0;
		st->rounds++;
		if (o->min_item_count > 1) {
			for (int64_t i = 0; i < N; i++)
				if (icount[i] > 0 && icount[i] < o->min_item_count)
					icount[i] = -icount[i], st->removed_items++;
			for (size_t r = 0; r < n; r++)
				if (alive[r] && icount[iidx[r]] < 0) {
					alive[r] = 0;
					ucount[uidx[r]]--;
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
				if (alive[r] && ucount[uidx[r]] < 0) {
					alive[r] = 0;
					icount[iidx[r]]--;
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
}

int build_prep(rating_array *rows, const build_options *o, prep *p,
	build_stats *st, char *err, size_t errlen)
{
	rating_row *v = rows->v;
	size_t n = rows->n;
	int rc = -1;
	memset(p, 0, sizeof *p);
	memset(st, 0, sizeof *st);
	st->rows = (int64_t)n;
	if (o->has_min_rating && o->has_rating) {
		size_t k = 0;
		for (size_t r = 0; r < n; r++)
			if (v[r].rating >= o->min_rating)
				v[k++] = v[r];
		st->removed_rating = (int64_t)(n - k);
		n = k;
	}
	if (n == 0)
		return fail(err, errlen, "no interactions");
	if (n > INT32_MAX)
		return fail(err, errlen, "too many interactions (%zu)", n);
	int64_t *uniq_u = NULL, *uniq_i = NULL, *perm = NULL, *start = NULL;
	int64_t *ucount = NULL, *icount = NULL, *unew = NULL, *inew = NULL;
	int32_t *uidx = malloc(n * sizeof *uidx), *iidx = malloc(n * sizeof *iidx);
	uint8_t *alive = malloc(n);
	if (!uidx || !iidx || !alive)
		goto oom;
	int64_t U = number_ids(v, n, 0, &uniq_u, uidx);
	int64_t N = U < 0 ? -1 : number_ids(v, n, 1, &uniq_i, iidx);
	if (U < 0 || N < 0)
		goto oom;
	/* Group rows by user, stably: a counting sort. */
	perm = malloc(n * sizeof *perm);
	start = calloc(U + 1, sizeof *start);
	ucount = calloc(U, sizeof *ucount);
	icount = calloc(N, sizeof *icount);
	if (!perm || !start || !ucount || !icount)
		goto oom;
	for (size_t r = 0; r < n; r++)
		start[uidx[r] + 1]++;
	for (int64_t u = 0; u < U; u++)
		start[u + 1] += start[u];
	for (size_t r = 0; r < n; r++)
		perm[start[uidx[r]] + ucount[uidx[r]]++] = (int64_t)r;
	memset(ucount, 0, U * sizeof *ucount);
	/* Time order within each user, then first occurrences only. */
	int32_t *stamp = icount == NULL ? NULL : (int32_t *)malloc(N * sizeof *stamp);
	if (!stamp)
		goto oom;
	for (int64_t i = 0; i < N; i++)
		stamp[i] = -1;
	for (int64_t u = 0; u < U; u++) {
		int64_t a = start[u], b = start[u + 1];
		if (o->has_time) {
			int64_t j = a + 1;
			while (j < b && cmp_time(&perm[j - 1], &perm[j], v) < 0)
				j++;
			if (j < b)
				qsort_r(perm + a, b - a, sizeof *perm, cmp_time, v);
		}
		for (int64_t j = a; j < b; j++) {
			int32_t it = iidx[perm[j]];
			alive[perm[j]] = 1;
			if (!o->keep_repeats && stamp[it] == (int32_t)u) {
				alive[perm[j]] = 0;
				st->removed_repeats++;
				continue;
			}
			stamp[it] = (int32_t)u;
			ucount[u]++;
			icount[it]++;
		}
	}
	free(stamp);
	count_filter(o, n, uidx, iidx, alive, ucount, icount, U, N, st);
	/* The users and items left, numbered by increasing original id. */
	unew = malloc(U * sizeof *unew);
	inew = malloc(N * sizeof *inew);
	if (!unew || !inew)
		goto oom;
	for (int64_t u = 0; u < U; u++)
		unew[u] = ucount[u] > 0 ? p->n_users++ : -1;
	for (int64_t i = 0; i < N; i++)
		inew[i] = icount[i] > 0 ? p->n_items++ : -1;
	for (int64_t u = 0; u < U; u++)
		p->n_inter += ucount[u];
	if (p->n_inter == 0) {
		fail(err, errlen, "no interactions left after filtering");
		goto out;
	}
	int64_t nu = p->n_users, ni = p->n_items, z = p->n_inter;
	p->user_ids = malloc(nu * sizeof *p->user_ids);
	p->item_ids = malloc(ni * sizeof *p->item_ids);
	p->offsets = malloc((nu + 1) * sizeof *p->offsets);
	p->items = malloc(z * sizeof *p->items);
	p->valid = malloc(nu * sizeof *p->valid);
	p->test = malloc(nu * sizeof *p->test);
	if (o->has_rating)
		p->ratings = malloc(z * sizeof *p->ratings);
	if (o->has_time)
		p->times = malloc(z * sizeof *p->times);
	if (!p->user_ids || !p->item_ids || !p->offsets || !p->items || !p->valid ||
	    !p->test || (o->has_rating && !p->ratings) || (o->has_time && !p->times))
		goto oom;
	for (int64_t i = 0; i < N; i++)
		if (inew[i] >= 0)
			p->item_ids[inew[i]] = uniq_i[i];
	int64_t k = 0;
	p->offsets[0] = 0;
	for (int64_t u = 0; u < U; u++) {
		if (unew[u] < 0)
			continue;
		p->user_ids[unew[u]] = uniq_u[u];
		for (int64_t j = start[u]; j < start[u + 1]; j++) {
			int64_t r = perm[j];
			if (!alive[r])
				continue;
			p->items[k] = (int32_t)inew[iidx[r]];
			if (p->ratings)
				p->ratings[k] = v[r].rating;
			if (p->times)
				p->times[k] = v[r].time;
			k++;
		}
		p->offsets[unew[u] + 1] = k;
	}
	split(p, o, st);
	history_stats(p, st);
	rating_array_free(rows);
	rc = 0;
	goto out;
oom:
	fail(err, errlen, "out of memory");
out:
	if (rc != 0)
		prep_free(p);
	free(uidx); free(iidx); free(alive); free(uniq_u); free(uniq_i);
	free(perm); free(start); free(ucount); free(icount); free(unew); free(inew);
	return rc;
}
