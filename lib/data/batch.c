/* batch.c - training rows, batches, negative sampling, batch streams. */
#include "batch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "rng.h"

int batch_alloc(batch *bt, int64_t capacity, int64_t L)
{
	memset(bt, 0, sizeof *bt);
	bt->L = L;
	bt->capacity = capacity;
	size_t R = (size_t)capacity * L;
	bt->users = calloc(capacity ? capacity : 1, sizeof *bt->users);
	bt->hist = calloc(R ? R : 1, sizeof *bt->hist);
	bt->targets = calloc(R ? R : 1, sizeof *bt->targets);
	if (!bt->users || !bt->hist || !bt->targets) {
		batch_free(bt);
		return -1;
	}
	return 0;
}

void batch_free(batch *bt)
{
	free(bt->users);
	free(bt->hist);
	free(bt->targets);
	memset(bt, 0, sizeof *bt);
}

int64_t batch_examples(const batch *bt)
{
	int64_t n = 0;
	for (int64_t i = 0; i < bt->B * bt->L; i++)
		n += bt->targets[i] >= 0;
	return n;
}

/* s from item weights w (N), which it takes. */
static int sampler_weights(sampler *s, double *w)
{
	s->cdf = malloc(s->N * sizeof *s->cdf);
	if (!s->cdf) {
		free(w);
		sampler_free(s);
		return -1;
	}
	double total = 0.0, acc = 0.0;
	for (int64_t i = 0; i < s->N; i++)
		total += w[i];
	for (int64_t i = 0; i < s->N; i++) {
		acc += w[i] / total;
		s->cdf[i] = acc;
		s->log_q[i] = (float)log(w[i] / total);
	}
	s->cdf[s->N - 1] = 1.0;
	free(w);
	return 0;
}

int sampler_init(sampler *s, const prep *p, double alpha)
{
	memset(s, 0, sizeof *s);
	s->N = p->n_items;
	s->log_q = malloc(s->N * sizeof *s->log_q);
	if (!s->log_q)
		return -1;
	if (alpha == 0.0) {
		for (int64_t i = 0; i < s->N; i++)
			s->log_q[i] = (float)-log((double)s->N);
		return 0;
	}
	double *w = calloc(s->N, sizeof *w);
	if (!w) {
		sampler_free(s);
		return -1;
	}
	for (int64_t u = 0; u < p->n_users; u++)
		for (int64_t j = p->offsets[u]; j < prep_train_end(p, u); j++)
			w[p->items[j]] += 1.0;
	for (int64_t i = 0; i < s->N; i++)
		w[i] = pow(w[i] + 1.0, alpha); /* +1: every item can be drawn */
	return sampler_weights(s, w);
}

int sampler_init_log_q(sampler *s, const float *log_q, int64_t N)
{
	memset(s, 0, sizeof *s);
	s->N = N;
	s->log_q = malloc(N * sizeof *s->log_q);
	if (!s->log_q)
		return -1;
	if (!log_q) {
		for (int64_t i = 0; i < N; i++)
			s->log_q[i] = (float)-log((double)N);
		return 0;
	}
	double *w = malloc(N * sizeof *w);
	if (!w) {
		sampler_free(s);
		return -1;
	}
	for (int64_t i = 0; i < N; i++)
		w[i] = exp((double)log_q[i]);
	return sampler_weights(s, w);
}

int32_t sampler_draw(const sampler *s, uint64_t *rng)
{
	double u = rng_uniform(rng);
	if (!s->cdf)
		return (int32_t)(u * s->N);
	int64_t lo = 0, hi = s->N - 1;
	while (lo < hi) {
		int64_t mid = (lo + hi) / 2;
		if (s->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (int32_t)lo;
}

void sampler_free(sampler *s)
{
	free(s->cdf);
	free(s->log_q);
	memset(s, 0, sizeof *s);
}

int batcher_init(batcher *bb, const prep *p, int64_t L, int64_t B, uint64_t seed)
{
	memset(bb, 0, sizeof *bb);
	bb->p = p;
	bb->L = L;
	bb->B = B;
	bb->seed = seed;
	int64_t rows = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t n = prep_train_end(p, u) - p->offsets[u];
		if (n >= 2)
			rows += (n - 1 + L - 1) / L;
	}
	bb->n_rows = rows;
	bb->row_user = malloc((rows ? rows : 1) * sizeof *bb->row_user);
	bb->row_end = malloc((rows ? rows : 1) * sizeof *bb->row_end);
	bb->order = malloc((rows ? rows : 1) * sizeof *bb->order);
	if (!bb->row_user || !bb->row_end || !bb->order) {
		batcher_free(bb);
		return -1;
	}
	int64_t r = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t first = p->offsets[u] + 1, last = prep_train_end(p, u) - 1;
		for (int64_t end = last; end >= first; end -= L) {
			bb->row_user[r] = u;
			bb->row_end[r] = end;
			r++;
		}
	}
	return 0;
}

void batcher_free(batcher *bb)
{
	free(bb->row_user);
	free(bb->row_end);
	free(bb->order);
	memset(bb, 0, sizeof *bb);
}

void batcher_epoch(batcher *bb, int64_t epoch)
{
	bb->epoch = epoch;
	bb->next = 0;
	bb->rng = bb->seed * 0x2545f4914f6cdd1dULL + (uint64_t)epoch * 0x9e3779b97f4a7c15ULL;
	for (int64_t i = 0; i < bb->n_rows; i++)
		bb->order[i] = i;
	for (int64_t i = bb->n_rows - 1; i > 0; i--) {
		int64_t j = (int64_t)(rng_uniform(&bb->rng) * (i + 1));
		int64_t t = bb->order[i];
		bb->order[i] = bb->order[j];
		bb->order[j] = t;
	}
}

int64_t history_row(int32_t *hist, const int32_t *items, int64_t n, int64_t L)
{
	if (n > L) {
		items += n - L;
		n = L;
	}
	int64_t pad = L - n;
	for (int64_t t = 0; t < pad; t++)
		hist[t] = -1;
	for (int64_t t = 0; t < n; t++)
		hist[pad + t] = items[t];
	return n;
}

int batcher_next(batcher *bb, batch *bt)
{
	const prep *p = bb->p;
	int64_t L = bb->L;
	if (bb->next >= bb->n_rows)
		return 0;
	int64_t B = bb->n_rows - bb->next < bb->B ? bb->n_rows - bb->next : bb->B;
	bt->B = B;
	bt->L = L;
	for (int64_t b = 0; b < B; b++) {
		int64_t r = bb->order[bb->next + b];
		int64_t u = bb->row_user[r], end = bb->row_end[r];
		int32_t *h = bt->hist + b * L, *t = bt->targets + b * L;
		bt->users[b] = (int32_t)u;
		/* slots hold items ending just before `end`; targets are shifted by one */
		int64_t n = history_row(h, p->items + p->offsets[u], end - p->offsets[u], L);
		for (int64_t s = 0; s < L; s++)
			t[s] = -1;
		for (int64_t s = 0; s < n; s++) {
			int64_t pos = end - n + 1 + s;
			t[L - n + s] = p->items[pos];
		}
	}
	bb->next += B;
	return 1;
}

int batch_meta_write(tts_writer *w, const batch_meta *bm)
{
	char meta[512];
	snprintf(meta, sizeof meta,
		"kind=batch\nproducer=tt-batch\nusers=%lld\nitems=%lld\nhistory=%lld\n"
		"batch=%lld\nepochs=%lld\nseed=%llu\nexamples_per_epoch=%lld\nsteps=%lld\n",
		(long long)bm->users, (long long)bm->items, (long long)bm->history,
		(long long)bm->batch, (long long)bm->epochs, (unsigned long long)bm->seed,
		(long long)bm->examples_per_epoch,
		(long long)bm->steps);
	return tts_write_meta(w, meta);
}

/* Integer key of a meta in [lo, hi]; a missing key is an error when
 * required, else leaves *v as it is. */
static int meta_int(const char *meta, const char *key, int required, int64_t lo,
	int64_t hi, int64_t *v, char *err, size_t errlen)
{
	char buf[64], *end;
	if (!tts_meta_get(meta, key, buf, sizeof buf)) {
		if (required)
			snprintf(err, errlen, "batch stream meta: no %s=", key);
		return required ? -1 : 0;
	}
	errno = 0;
	long long x = strtoll(buf, &end, 10);
	if (end == buf || *end || errno || x < lo || x > hi) {
		snprintf(err, errlen, "batch stream meta: %s=%s is not an integer in %lld..%lld",
			key, buf, (long long)lo, (long long)hi);
		return -1;
	}
	*v = x;
	return 0;
}

int batch_meta_parse(const char *meta, batch_meta *bm, char *err, size_t errlen)
{
	int64_t seed = 0, negatives = 0;
	memset(bm, 0, sizeof *bm);
	/* the sizes a model needs; the rest describes how the batches were made */
	if (meta_int(meta, "users", 1, 1, INT32_MAX, &bm->users, err, errlen) ||
	    meta_int(meta, "items", 1, 1, INT32_MAX, &bm->items, err, errlen) ||
	    meta_int(meta, "history", 1, 1, HISTORY_MAX, &bm->history, err, errlen) ||
	    meta_int(meta, "batch", 0, 1, INT64_MAX, &bm->batch, err, errlen) ||
	    meta_int(meta, "epochs", 0, 1, INT64_MAX, &bm->epochs, err, errlen) ||
	    meta_int(meta, "seed", 0, 0, INT64_MAX, &seed, err, errlen) ||
	    meta_int(meta, "negatives", 0, 0, INT32_MAX, &negatives, err, errlen) ||
	    meta_int(meta, "examples_per_epoch", 0, 0, INT64_MAX, &bm->examples_per_epoch, err, errlen) ||
	    meta_int(meta, "steps", 0, 0, INT64_MAX, &bm->steps, err, errlen))
		return -1;
	bm->seed = (uint64_t)seed;
	if (negatives) /* tt-batch --negatives, for the binary cross-entropy loss tt-fit no longer has */
		return errorf(err, errlen, "batch stream meta: negatives=%lld: batches with "
			"negatives are for a loss tt-fit no longer has; make them again with tt-batch",
			(long long)negatives);
	return 0;
}

int batch_write(tts_writer *w, const batch *bt)
{
	uint64_t d1[1] = { (uint64_t)bt->B }, d2[2] = { (uint64_t)bt->B, (uint64_t)bt->L };
	if (tts_write(w, "users", TTS_I32, 1, d1, bt->users) ||
	    tts_write(w, "hist", TTS_I32, 2, d2, bt->hist) ||
	    tts_write(w, "targets", TTS_I32, 2, d2, bt->targets))
		return -1;
	return 0;
}

/* Record h, of shape s, into *buf, reallocated to fit it. */
static int read_i32(tts_reader *r, const tts_header *h, const tts_shape *s,
	int32_t **buf, char *err, size_t errlen)
{
	if (h->nbytes > ((uint64_t)1 << 32)) {
		snprintf(err, errlen, "record %s: %llu bytes is more than a batch may hold (4 GiB)",
			h->name, (unsigned long long)h->nbytes);
		return -1;
	}
	size_t cap = 0; /* resized to each record: its memory follows its data */
	return tts_read_shaped_into(r, h, s, (void **)buf, &cap, err, errlen);
}

/* A record of a batch after the one it depends on. */
static int out_of_order(const char *name, const char *before, char *err, size_t errlen)
{
	snprintf(err, errlen, "record %s: no %s record before it", name, before);
	return -1;
}

int batch_read(tts_reader *r, batch *bt, tts_header *other, char *err, size_t errlen)
{
	tts_header h;
	int seen_users = 0, seen_hist = 0, seen_any = 0;
	uint64_t B = 0, L = 0;
	for (;;) {
		int rc = tts_next(r, &h);
		if (rc < 0) {
			snprintf(err, errlen, "%s", tts_reader_error(r));
			return -1;
		}
		if (rc == 0) {
			if (seen_any) {
				snprintf(err, errlen, "truncated batch: the stream ends before its targets record");
				return -1;
			}
			return 0;
		}
		if (strcmp(h.name, "meta") == 0 && !seen_any)
			continue;
		seen_any = 1;
		if (strcmp(h.name, "users") == 0) {
			if (read_i32(r, &h, &(tts_shape){ TTS_I32, 1, { TTS_UPTO('B', TTS_MAX_DIM) } },
				&bt->users, err, errlen))
				return -1;
			B = h.dims[0];
			seen_users = 1;
		} else if (strcmp(h.name, "hist") == 0 || strcmp(h.name, "targets") == 0) {
			int is_hist = h.name[0] == 'h';
			if (!seen_users)
				return out_of_order(h.name, "users", err, errlen);
			if (!is_hist && !seen_hist)
				return out_of_order(h.name, "hist", err, errlen);
			/* L: the hist's, for the targets after it */
			if (read_i32(r, &h, &(tts_shape){ TTS_I32, 2, { B, L ? L : TTS_UPTO('L', HISTORY_MAX) } }, is_hist ? &bt->hist : &bt->targets, err, errlen))
				return -1;
			L = h.dims[1];
			if (L == 0) {
				snprintf(err, errlen, "record %s: expected shape (B,L) with L > 0", h.name);
				return -1;
			}
			if (is_hist) {
				seen_hist = 1;
				continue;
			}
			bt->B = (int64_t)B;
			bt->L = (int64_t)L;
			bt->capacity = bt->B;
			return 1;
		} else if (!(seen_users || seen_hist)) {
			*other = h;
			return 2;
		} else {
			snprintf(err, errlen, "record %s: not a record of a batch (users, hist, targets)", h.name);
			return -1;
		}
	}
}

int batch_check(const batch *bt, int64_t U, int64_t N, int64_t L, char *err, size_t errlen)
{
	if (bt->L != L) {
		snprintf(err, errlen, "batch rows have %lld slots, the model %lld", (long long)bt->L, (long long)L);
		return -1;
	}
	for (int64_t b = 0; b < bt->B; b++) {
		if (bt->users[b] < 0 || bt->users[b] >= U) {
			snprintf(err, errlen, "record users: user %d out of range 0..%lld", bt->users[b], (long long)U - 1);
			return -1;
		}
		int pad = 1;
		for (int64_t t = 0; t < L; t++) {
			int32_t h = bt->hist[b * L + t], g = bt->targets[b * L + t];
			if (h < -1 || h >= N || g < -1 || g >= N) {
				snprintf(err, errlen, "record %s: item %d out of range -1..%lld", h < -1 || h >= N ? "hist" : "targets", h < -1 || h >= N ? h : g, (long long)N - 1);
				return -1;
			}
			if (h >= 0)
				pad = 0;
			else if (!pad) {
				snprintf(err, errlen, "record hist: row %lld has padding after items", (long long)b);
				return -1;
			}
			if (h < 0 && g >= 0) {
				snprintf(err, errlen, "record targets: row %lld has a target on a padding slot", (long long)b);
				return -1;
			}
		}
	}
	return 0;
}
