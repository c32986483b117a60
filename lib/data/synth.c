/* synth.c - the ml-synth generator. */
#include "synth.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ratings.h"

const char *const synth_genre_names[18] = {
	"Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
	"Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
};
#define G 18

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unif(uint64_t *s) { return (next(s) >> 11) * 0x1.0p-53; }
static int64_t below(uint64_t *s, int64_t n) { return (int64_t)(unif(s) * n); }

static double gauss(uint64_t *s)
{
	double u = unif(s) + 1e-12, v = unif(s);
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

typedef struct {
	int32_t *list;  /* items of each genre, by id: the drift order */
	double *cum;    /* cumulative popularity along list */
	int64_t start[G + 1];
	int32_t *pos;   /* (N) position of item in its genre's list */
	int32_t *primary;
} catalogue;

static int64_t pick(const catalogue *c, int g, uint64_t *s)
{
	int64_t a = c->start[g], b = c->start[g + 1];
	double x = unif(s) * c->cum[b - 1];
	while (a < b - 1) {
		int64_t m = (a + b - 1) / 2;
		if (c->cum[m] < x)
			a = m + 1;
		else
			b = m + 1;
	}
	return c->list[a];
}

int synth_generate(const synth_options *o, synth_data *d, char *err, size_t errlen)
{
	int64_t U = o->users, N = o->items, Z = o->ratings;
	memset(d, 0, sizeof *d);
	if (U < 1 || N < 40 || Z < 20 * U || Z > U * (N / 2)) {
		snprintf(err, errlen, "need items >= 40 and 20 * users <= ratings <= "
			"users * items / 2");
		return -1;
	}
	uint64_t s = o->seed * 0x2545f4914f6cdd1dULL + 1;
	catalogue c = { 0 };
	double *pop = malloc(N * sizeof *pop), *ibias = malloc(N * sizeof *ibias);
	int64_t *perm = malloc(N * sizeof *perm), *cnt = malloc(U * sizeof *cnt);
	int32_t *seen = malloc(N * sizeof *seen);
	c.list = malloc(N * sizeof *c.list);
	c.cum = malloc(N * sizeof *c.cum);
	c.pos = malloc(N * sizeof *c.pos);
	c.primary = malloc(N * sizeof *c.primary);
	d->genres = calloc(N, sizeof *d->genres);
	d->year = malloc(N * sizeof *d->year);
	d->offsets = malloc((U + 1) * sizeof *d->offsets);
	d->item = malloc(Z * sizeof *d->item);
	d->rating = malloc(Z);
	d->time = malloc(Z * sizeof *d->time);
	if (!pop || !ibias || !perm || !cnt || !seen || !c.list || !c.cum || !c.pos ||
	    !c.primary || !d->genres || !d->year || !d->offsets || !d->item ||
	    !d->rating || !d->time) {
		size_t per_item = sizeof *pop + sizeof *ibias + sizeof *perm + sizeof *seen +
			sizeof *c.list + sizeof *c.cum + sizeof *c.pos + sizeof *c.primary +
			sizeof *d->genres + sizeof *d->year;
		size_t per_user = sizeof *cnt + sizeof *d->offsets;
		size_t per_rating = sizeof *d->item + 1 + sizeof *d->time;
		snprintf(err, errlen, "out of memory for %lld users, %lld items and %lld ratings (%.1f MB)",
			(long long)U, (long long)N, (long long)Z,
			((double)N * per_item + (double)U * per_user + (double)Z * per_rating) / 1e6);
		goto fail;
	}
	d->n_users = U, d->n_items = N, d->n = Z, d->seed = o->seed;
	/* Items: a primary genre (popular genres more likely), maybe a second,
	 * a Zipf popularity from a random rank, a year. */
	for (int64_t i = 0; i < N; i++)
		perm[i] = i;
	for (int64_t i = N - 1; i > 0; i--) {
		int64_t j = below(&s, i + 1), t = perm[i];
		perm[i] = perm[j], perm[j] = t;
	}
	for (int64_t i = 0; i < N; i++) {
		int g = (int)(G * pow(unif(&s), 1.6));
		c.primary[i] = g;
		d->genres[i] = 1u << g;
		if (unif(&s) < 0.5)
			d->genres[i] |= 1u << below(&s, G);
		pop[perm[i]] = 1.0 / pow(i + 8.0, 1.05);
		ibias[i] = 0.5 * gauss(&s);
		d->year[i] = 2000 - (int32_t)(80 * pow(unif(&s), 3));
	}
	memset(c.start, 0, sizeof c.start);
	for (int64_t i = 0; i < N; i++)
		c.start[c.primary[i] + 1]++;
	for (int g = 0; g < G; g++)
		c.start[g + 1] += c.start[g];
	int64_t fill[G];
	memcpy(fill, c.start, sizeof fill);
	for (int64_t i = 0; i < N; i++) {
		int64_t at = fill[c.primary[i]]++;
		c.list[at] = (int32_t)i;
		c.pos[i] = (int32_t)at;
	}
	for (int g = 0; g < G; g++)
		for (int64_t k = c.start[g]; k < c.start[g + 1]; k++)
			c.cum[k] = (k > c.start[g] ? c.cum[k - 1] : 0) + pop[c.list[k]];
	/* History lengths: 20 plus a heavy tail, scaled to Z exactly. */
	double total = 0;
	for (int64_t u = 0; u < U; u++) {
		double x = pow(unif(&s) + 1e-9, -1.0 / 1.3) - 1;
		total += x;
		/* the tail weight, kept in the offsets until scaled below */
		d->offsets[u] = (int64_t)(x * 1e6);
	}
	/* Scale the tail weights to the extra ratings; capped users push the
	 * scale up until the total is nearly reached. */
	int64_t extra = Z - 20 * U, cap = N / 2 - 20, given = 0;
	double scale = extra / total;
	for (int round = 0; round < 30; round++) {
		given = 0;
		for (int64_t u = 0; u < U; u++) {
			double e = d->offsets[u] / 1e6 * scale;
			cnt[u] = e < cap ? (int64_t)e : cap;
			given += cnt[u];
		}
		if (given >= extra || given == 0)
			break;
		scale *= (double)extra / given;
	}
	for (int64_t u = 0; u < U; u++)
		cnt[u] += 20;
	given = 0;
	for (int64_t u = 0; u < U; u++)
		given += cnt[u] - 20;
	for (int64_t u = 0; given > extra; u = (u + 1) % U)
		if (cnt[u] > 20)
			cnt[u]--, given--;
	for (int64_t u = 0; given < extra; u = (u + 1) % U)
		if (cnt[u] - 20 < cap)
			cnt[u]++, given++;
	d->offsets[0] = 0;
	for (int64_t u = 0; u < U; u++)
		d->offsets[u + 1] = d->offsets[u] + cnt[u];
	for (int64_t i = 0; i < N; i++)
		seen[i] = -1;
	/* Sessions: the next item is mostly a few steps along the previous
	 * item's genre list; otherwise a fresh pick from the user's tastes. */
	for (int64_t u = 0; u < U; u++) {
		int fav[3] = { (int)below(&s, G), (int)(G * pow(unif(&s), 1.6)),
			(int)below(&s, G) };
		double ub = 0.4 * gauss(&s);
		int64_t t = 956703932 + below(&s, 2 * 365 * 86400LL), prev = -1;
		for (int64_t k = d->offsets[u]; k < d->offsets[u + 1]; k++) {
			int64_t it = -1;
			for (int tries = 0; tries < 16 && it < 0; tries++) {
				int64_t cand;
				if (prev >= 0 && unif(&s) < 0.75) {
					int g = c.primary[prev];
					int64_t len = c.start[g + 1] - c.start[g];
					int64_t step = 1 + (int64_t)(-log(unif(&s) + 1e-12) * 1.5) + tries;
					cand = c.list[c.start[g] + (c.pos[prev] - c.start[g] + step) % len];
				} else {
					double x = unif(&s);
					int g = fav[x < 0.6 ? 0 : x < 0.85 ? 1 : 2];
					cand = pick(&c, g, &s);
				}
				if (seen[cand] != (int32_t)u)
					it = cand;
			}
			for (int64_t j = below(&s, N); it < 0; j = (j + 1) % N)
				if (seen[j] != (int32_t)u)
					it = j;
			seen[it] = (int32_t)u;
			prev = it;
			d->item[k] = (int32_t)it;
			t += unif(&s) < 0.9 ? 20 + below(&s, 600) : 3600 + below(&s, 30 * 86400);
			d->time[k] = t;
			int r = (int)lround(3.6 + ub + ibias[it] + 0.9 * gauss(&s));
			d->rating[k] = (uint8_t)(r < 1 ? 1 : r > 5 ? 5 : r);
		}
	}
	free(pop); free(ibias); free(perm); free(cnt); free(seen);
	free(c.list); free(c.cum); free(c.pos); free(c.primary);
	return 0;
fail:
	free(pop); free(ibias); free(perm); free(cnt); free(seen);
	free(c.list); free(c.cum); free(c.pos); free(c.primary);
	synth_free(d);
	return -1;
}

void synth_free(synth_data *d)
{
	free(d->offsets);
	free(d->item);
	free(d->rating);
	free(d->time);
	free(d->genres);
	free(d->year);
	memset(d, 0, sizeof *d);
}

static char *put_u(char *q, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*q++ = tmp[--n];
	return q;
}

int synth_write_ratings(FILE *f, const synth_data *d, int format, int per_user)
{
	static const char *seps[] = { "", "::", "\t", ",", " " };
	const char *sep = seps[format];
	size_t ls = strlen(sep);
	enum { FLUSH_AT = (1 << 16) - 128 };
	char *buf = malloc(1 << 16);
	int64_t *order = malloc((d->n ? d->n : 1) * sizeof *order);
	uint64_t s = d->seed ^ 0x5eed5eed5eedULL;
	if (!buf || !order) {
		free(buf);
		free(order);
		return -1;
	}
	int rc = 0;
	if (format == RF_CSV && fputs("userId,movieId,rating,timestamp\n", f) == EOF)
		rc = -1;
	char *q = buf;
	for (int64_t u = 0; u < d->n_users && rc == 0; u++) {
		int64_t a = d->offsets[u], b = d->offsets[u + 1];
		for (int64_t k = a; k < b; k++)
			order[k] = k;
		/* Like ratings.dat: grouped by user, not in time order. */
		if (format != RF_SEQ)
			for (int64_t k = b - 1; k > a; k--) {
				int64_t j = a + below(&s, k - a + 1), t = order[k];
				order[k] = order[j], order[j] = t;
			}
		for (int64_t k = a; k < b; k++) {
			int64_t x = order[k];
			if (!per_user || k == a)
				q = put_u(q, (uint64_t)u + 1);
			memcpy(q, sep, ls), q += ls;
			q = put_u(q, (uint64_t)d->item[x] + 1);
			if (format != RF_SEQ) {
				memcpy(q, sep, ls), q += ls;
				*q++ = (char)('0' + d->rating[x]);
				if (format == RF_CSV)
					*q++ = '.', *q++ = '0';
				memcpy(q, sep, ls), q += ls;
				q = put_u(q, (uint64_t)d->time[x]);
			}
			if (!per_user || k == b - 1)
				*q++ = '\n';
			if (q - buf > FLUSH_AT) {
				if (fwrite(buf, 1, (size_t)(q - buf), f) != (size_t)(q - buf))
					rc = -1;
				q = buf;
			}
		}
	}
	if (rc == 0 && fwrite(buf, 1, (size_t)(q - buf), f) != (size_t)(q - buf))
		rc = -1;
	free(buf);
	free(order);
	return rc;
}

int synth_write_shop(FILE *f, const synth_data *d)
{
	static const char *const channels[] = { "\"web, app\"", "store", "web" };
	uint64_t s = d->seed ^ 0x5407c0ffeeULL;
	if (fputs("event_time,event_type,sku,customer,price,rating,channel\n", f) == EOF)
		return -1;
	for (int64_t u = 0; u < d->n_users; u++)
		for (int64_t k = d->offsets[u]; k < d->offsets[u + 1]; k++) {
			time_t t = (time_t)d->time[k];
			struct tm tm;
			char when[32];
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			int32_t i = d->item[k];
			/* the well-liked are bought, the others only looked at */
			if (fprintf(f, "%s,%s,sku-%d,c_%05lld,%d.%02d,%d,%s\n", when,
				d->rating[k] >= 4 ? "purchase" : "view", i + 1, (long long)u + 1,
				5 + (int)(i * 7919 % 95), (int)(i * 31 % 100), d->rating[k],
				channels[below(&s, 3)]) < 0)
				return -1;
		}
	return 0;
}

int synth_write_movies(FILE *f, const synth_data *d)
{
	for (int64_t i = 0; i < d->n_items; i++) {
		fprintf(f, "%lld::Synthetic Movie %lld (%d)::", (long long)i + 1,
			(long long)i + 1, d->year[i]);
		int first = 1;
		for (int g = 0; g < G; g++)
			if (d->genres[i] & (1u << g)) {
				fprintf(f, "%s%s", first ? "" : "|", synth_genre_names[g]);
				first = 0;
			}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

int synth_write_users(FILE *f, const synth_data *d)
{
	static const int ages[] = { 1, 18, 25, 35, 45, 50, 56 };
	uint64_t s = d->seed ^ 0xa5a5a5a5ULL;
	for (int64_t u = 0; u < d->n_users; u++)
		fprintf(f, "%lld::%c::%d::%d::%05d\n", (long long)u + 1,
			unif(&s) < 0.28 ? 'F' : 'M', ages[below(&s, 7)],
			(int)below(&s, 21), (int)below(&s, 100000));
	return ferror(f) ? -1 : 0;
}
