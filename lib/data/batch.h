/*
 * batch.h - training batches: rows of a user's item sequence, each slot a
 * training example whose target is the item that came next.
 *
 * A user's training items s[0..n-1] are cut, from the most recent end,
 * into rows of up to L targets: a row's slots hold s[a..b-1] right-aligned
 * (padding -1 first) and its targets are s[a+1..b].  Slot t of a row sees
 * the row's items up to and including slot t, so every example sees the
 * history the model will see at recommendation time: the most recent up
 * to L items, right-aligned.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stdint.h>
#include "prep.h"
#include "tts.h"

/* The most history slots a row (and so a model) may have, and how many
 * when none are asked for (tt-batch, tt-fit); the rows of a batch when
 * none are asked for (tt-batch, and tt-fit's tt architecture: the seed's
 * recipe has its own, train.c's). */
#define HISTORY_MAX 4096
#define HISTORY_DEFAULT 50
#define BATCH_DEFAULT 32
#define DEFAULT_QUOTE_(n) #n
#define DEFAULT_QUOTE(n) DEFAULT_QUOTE_(n)
#define HISTORY_DEFAULT_TEXT DEFAULT_QUOTE(HISTORY_DEFAULT) /* for help texts */
#define BATCH_DEFAULT_TEXT DEFAULT_QUOTE(BATCH_DEFAULT)

typedef struct {
	int64_t B;          /* rows in this batch (<= capacity) */
	int64_t L;          /* slots per row */
	int32_t *users;     /* (B) user index */
	int32_t *hist;      /* (B,L) item index, -1 = padding (only before items) */
	int32_t *targets;   /* (B,L) the item after hist[b,t], -1 = no example */
	int64_t capacity;   /* rows allocated */
} batch;

int batch_alloc(batch *bt, int64_t capacity, int64_t L);
void batch_free(batch *bt);
int64_t batch_examples(const batch *bt); /* targets >= 0 */

/* Negative sampling: uniform or popularity^alpha over training counts. */
typedef struct {
	int64_t N;
	double *cdf;     /* (N) cumulative sampling probabilities, or NULL: uniform */
	float *log_q;    /* (N) log probability of sampling each item */
} sampler;
int sampler_init(sampler *s, const prep *p, double alpha); /* alpha 0: uniform */
/* The distribution exp(log_q) over N items (a batch stream's log_q
 * record); NULL: uniform. */
int sampler_init_log_q(sampler *s, const float *log_q, int64_t N);
int32_t sampler_draw(const sampler *s, uint64_t *rng);
void sampler_free(sampler *s);

/* The rows of one epoch in a seeded order, then batches of them. */
typedef struct {
	const prep *p;
	int64_t L, B;
	uint64_t seed;
	int64_t n_rows;
	int64_t *row_user;  /* (n_rows) */
	int64_t *row_end;   /* (n_rows) index into p->items of the row's last target */
	int64_t *order;     /* (n_rows) this epoch's permutation */
	int64_t next;       /* next position in order */
	int64_t epoch;
	uint64_t rng;
} batcher;

/* Training rows of p: users' items before their validation target. */
int batcher_init(batcher *bb, const prep *p, int64_t L, int64_t B, uint64_t seed);
void batcher_free(batcher *bb);
void batcher_epoch(batcher *bb, int64_t epoch); /* reshuffle for this epoch */
/* Fill bt with the next batch of this epoch; 1 = filled, 0 = epoch over. */
int batcher_next(batcher *bb, batch *bt);

/* Fill the row hist (L) with the last (at most L) of the n items,
 * right-aligned after padding -1.  Returns the number of items placed. */
int64_t history_row(int32_t *hist, const int32_t *items, int64_t n, int64_t L);

/* Batch streams (kind=batch): meta, then per batch the records users,
 * hist, targets. */
typedef struct {
	int64_t users, items;  /* U, N of the prep the batches come from */
	int64_t history;       /* L, 1..HISTORY_MAX */
	int64_t batch;         /* rows per batch */
	int64_t epochs;
	uint64_t seed;
	int64_t examples_per_epoch;
	int64_t steps;         /* batches in the stream */
} batch_meta;
/* The meta record of a batch stream. */
int batch_meta_write(tts_writer *w, const batch_meta *bm);
/* A batch stream's meta text: -1 with a reason in err when users, items
 * or history is missing, or a field is not an integer in its range; the
 * fields of how the batches were made may be absent (0). */
int batch_meta_parse(const char *meta, batch_meta *bm, char *err, size_t errlen);
int batch_write(tts_writer *w, const batch *bt);
/* Read the next batch's records (growing bt as needed): 1, 0 at END, -1.
 * Records: users, hist, targets; targets ends a batch.
 * Between batches, a record of another name returns 2 with its header in
 * *other: the caller reads or skips it and calls again (pass-through). */
int batch_read(tts_reader *r, batch *bt, tts_header *other, char *err, size_t errlen);
/* A batch read from a stream must fit the model before it is used. */
int batch_check(const batch *bt, int64_t U, int64_t N, int64_t L, char *err, size_t errlen);

#endif
